// The CI platform's OIDC token, obtained anew for every grant: it lives minutes (GitHub Actions' about
// five, a projected service-account token about an hour and rewritten before), so a long build that
// kept the first one would fail at its first renewal. Each platform is one strategy in ciPlatforms/.
import { HelperError } from '../errors.js';
import { parseCiTokenSource, type CiTokenSource } from '../config/ciTokenSource.js';
import { azurePipelines } from './ciPlatforms/azurePipelines.js';
import { githubActions } from './ciPlatforms/githubActions.js';
import { gitlab } from './ciPlatforms/gitlab.js';
import { kubelet } from './ciPlatforms/kubelet.js';
import type { CiTokenPlatform, CiTokenRequest } from './ciPlatforms/ciPlatform.js';
import { tokenFile } from './ciPlatforms/tokenFile.js';

export type { CiTokenRequest } from './ciPlatforms/ciPlatform.js';

type NamedSource = Exclude<CiTokenSource, { kind: 'auto' }>;

const PLATFORMS: { [Kind in NamedSource['kind']]: CiTokenPlatform<Extract<NamedSource, { kind: Kind }>> } = {
  'github-actions': githubActions,
  'azure-pipelines': azurePipelines,
  gitlab,
  file: tokenFile,
  kubelet,
};

/** auto: the platform whose variables are set, in the order a runner could nest them. */
const DETECTION_ORDER = [githubActions, azurePipelines, gitlab, tokenFile];

/** The token, and which platform it came from (for messages). */
export async function fetchCiToken(request: CiTokenRequest): Promise<{ token: string; from: string }> {
  const source = detect(parseCiTokenSource(request.source), request.env);
  // The table pairs each kind with its platform; TypeScript cannot follow the pairing through a lookup.
  const platform = PLATFORMS[source.kind] as CiTokenPlatform<NamedSource>;
  return { token: await platform.token(source, request), from: platform.name(source) };
}

/**
 * Where the token would come from here (the platform's name), without asking for it; throws the
 * one-line error fetchCiToken would give when the platform's variables or file are missing (doctor).
 */
export async function ciTokenSourceHere(sourceText: string, env: NodeJS.ProcessEnv): Promise<string> {
  const source = detect(parseCiTokenSource(sourceText), env);
  const platform = PLATFORMS[source.kind] as CiTokenPlatform<NamedSource>;
  await platform.ready?.(source, env);
  return platform.name(source);
}

function detect(source: CiTokenSource, env: NodeJS.ProcessEnv): NamedSource {
  if (source.kind !== 'auto') return source;
  for (const platform of DETECTION_ORDER) {
    const found = platform.detect?.(env);
    if (found) return found;
  }
  throw new HelperError(
    'not-configured',
    '--ci-token auto found no CI identity here (no ACTIONS_ID_TOKEN_REQUEST_URL, SYSTEM_OIDCREQUESTURI, GITLAB_OIDC_TOKEN or AZURE_FEDERATED_TOKEN_FILE): name the source, e.g. --ci-token file:PATH',
  );
}
