// The CI platform's OIDC token, obtained anew for every grant: it lives minutes (GitHub Actions' about
// five, a projected service-account token about an hour and rewritten before), so a long build that
// kept the first one would fail at its first renewal. The token is a secret: it goes only into the
// grant request, never into a message. The platforms' request endpoints answer a bearer token, so
// they get the same treatment as a provider (https except loopback, no redirects, bounded answers).
import { HelperError, printable } from '../errors.js';
import type { Fetch } from '../model.js';
import { readBoundedFile, type BoundedRead } from '../config/boundedFile.js';
import { KUBELET_TOKEN_VARIABLE, parseCiTokenSource, type CiTokenSource } from '../config/ciTokenSource.js';
import { requireSecureUrl } from './endpointPolicy.js';
import { describeNetworkError } from './errors.js';

/** A JWT of a CI platform is a few KiB; anything much larger is not one. */
const MAX_CI_TOKEN_BYTES = 64 * 1024;
/** A token file is read at once; only a pipe whose writer is late takes longer (and gets this long). */
const CI_TOKEN_FILE_DEADLINE_MS = 5000;

/** Azure DevOps' OIDC token API version (docs: "Create an OIDC token"). */
const AZURE_PIPELINES_API_VERSION = '7.1';

export interface CiTokenRequest {
  source: string;
  /** The audience the token is asked for (GitHub Actions; ignored where the platform fixes it). */
  audience?: string | undefined;
  env: NodeJS.ProcessEnv;
  fetch: Fetch;
}

/** The token, and which platform it came from (for messages). */
export async function fetchCiToken(request: CiTokenRequest): Promise<{ token: string; from: string }> {
  const source = detect(parseCiTokenSource(request.source), request.env);
  switch (source.kind) {
    case 'github-actions':
      return { token: await fromGithubActions(request), from: 'GitHub Actions' };
    case 'azure-pipelines':
      return { token: await fromAzurePipelines(request, source.serviceConnectionId), from: 'Azure Pipelines' };
    case 'gitlab':
      return { token: checked(request.env[source.variable], `the GitLab CI variable ${source.variable}`, `declare it under id_tokens: in the job (id_tokens: ${source.variable}: aud: ...)`), from: `GitLab (${source.variable})` };
    case 'file':
      return { token: await fromFile(source.path), from: source.path };
    case 'kubelet':
      return {
        token: checked(request.env[KUBELET_TOKEN_VARIABLE], "the kubelet's request", 'the pod has no service-account token for this provider: add tokenAttributes to its CredentialProviderConfig entry'),
        from: "the pod's service account",
      };
  }
}

/** auto: the platform whose variables are set, in the order a runner could nest them. */
function detect(source: CiTokenSource, env: NodeJS.ProcessEnv): Exclude<CiTokenSource, { kind: 'auto' }> {
  if (source.kind !== 'auto') return source;
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL) return { kind: 'github-actions' };
  if (env.SYSTEM_OIDCREQUESTURI) return { kind: 'azure-pipelines' };
  if (env.GITLAB_CI && env.GITLAB_OIDC_TOKEN) return { kind: 'gitlab', variable: 'GITLAB_OIDC_TOKEN' };
  if (env.AZURE_FEDERATED_TOKEN_FILE) return { kind: 'file', path: env.AZURE_FEDERATED_TOKEN_FILE };
  throw new HelperError(
    'not-configured',
    '--ci-token auto found no CI identity here (no ACTIONS_ID_TOKEN_REQUEST_URL, SYSTEM_OIDCREQUESTURI, GITLAB_OIDC_TOKEN or AZURE_FEDERATED_TOKEN_FILE): name the source, e.g. --ci-token file:PATH',
  );
}

function checked(token: string | undefined, what: string, fix: string): string {
  const value = token?.trim();
  if (!value) throw new HelperError('not-configured', `${what} holds no token here: ${fix}`);
  if (value.length > MAX_CI_TOKEN_BYTES || !/^[\x21-\x7e]+$/.test(value)) {
    throw new HelperError('invalid-input', `${what} does not hold a token (not one printable line of at most ${MAX_CI_TOKEN_BYTES / 1024} KiB)`);
  }
  return value;
}

async function fromFile(path: string): Promise<string> {
  let read: BoundedRead;
  try {
    read = await readBoundedFile(path, MAX_CI_TOKEN_BYTES, CI_TOKEN_FILE_DEADLINE_MS);
  } catch (error) {
    throw new HelperError('not-configured', `cannot read the CI token file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): check --ci-token file:PATH and the volume that projects it`);
  }
  if (read.kind === 'too-large') throw new HelperError('invalid-input', `${path} is larger than a token could be (more than ${MAX_CI_TOKEN_BYTES / 1024} KiB): check --ci-token file:PATH`);
  if (read.kind === 'too-slow') {
    throw new HelperError('not-configured', `${path} gave no token within ${CI_TOKEN_FILE_DEADLINE_MS / 1000} s (a pipe nobody writes?): check --ci-token file:PATH`);
  }
  return checked(read.text, `the CI token file ${path}`, 'check the volume that projects it');
}

function requireVariables(env: NodeJS.ProcessEnv, names: [string, string], fix: string): [string, string] {
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) throw new HelperError('not-configured', `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: ${fix}`);
  return [env[names[0]]!, env[names[1]]!];
}

async function fromGithubActions(request: CiTokenRequest): Promise<string> {
  const [requestUrl, bearer] = requireVariables(
    request.env,
    ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'],
    'give the job "permissions: id-token: write" (GitHub sets these only then)',
  );
  const url = requireSecureUrl(requestUrl, 'ACTIONS_ID_TOKEN_REQUEST_URL');
  if (request.audience) url.searchParams.set('audience', request.audience);
  const body = await askPlatform(request.fetch, url, 'GitHub Actions', { method: 'GET', headers: { authorization: `bearer ${bearer}`, accept: 'application/json' } });
  return checked(typeof body.value === 'string' ? body.value : undefined, 'the answer of GitHub Actions', 'check "permissions: id-token: write"');
}

async function fromAzurePipelines(request: CiTokenRequest, connection: string | undefined): Promise<string> {
  const [requestUri, bearer] = requireVariables(
    request.env,
    ['SYSTEM_OIDCREQUESTURI', 'SYSTEM_ACCESSTOKEN'],
    'map it into the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))',
  );
  const serviceConnectionId = connection ?? request.env.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID;
  if (!serviceConnectionId) {
    throw new HelperError('not-configured', 'Azure Pipelines issues a token per service connection: use --ci-token azure-pipelines:SERVICE_CONNECTION_ID');
  }
  const url = requireSecureUrl(requestUri, 'SYSTEM_OIDCREQUESTURI');
  url.searchParams.set('api-version', AZURE_PIPELINES_API_VERSION);
  url.searchParams.set('serviceConnectionId', serviceConnectionId);
  const body = await askPlatform(request.fetch, url, 'Azure Pipelines', {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', 'content-type': 'application/json' },
    body: '{}',
  });
  return checked(typeof body.oidcToken === 'string' ? body.oidcToken : undefined, 'the answer of Azure Pipelines', 'check the service connection');
}

async function askPlatform(fetch: Fetch, url: URL, platform: string, init: RequestInit): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error instanceof HelperError) throw error;
    throw new HelperError('idp-unreachable', `cannot reach ${platform} for its OIDC token (${url.origin}): ${describeNetworkError(error)}`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new HelperError('idp-error', `${platform} refused the OIDC token request (HTTP ${response.status}${text ? `: ${printable(text).slice(0, 200)}` : ''}): check the job's permissions and --ci-token-audience`);
  }
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new HelperError('idp-error', `${platform} answered the OIDC token request with something that is not a JSON object`);
}
