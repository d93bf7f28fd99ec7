// Where a pipeline's OIDC token comes from (--ci-token SOURCE). Parsed when settings are resolved, so
// a misspelt source fails at registry-login, not at the first pull; fetched by oidc/ciToken.ts.
import { HelperError } from '../errors.js';

export type CiTokenSource =
  /** GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_URL + ACTIONS_ID_TOKEN_REQUEST_TOKEN (permissions: id-token: write). */
  | { kind: 'github-actions' }
  /** Azure Pipelines: SYSTEM_OIDCREQUESTURI + SYSTEM_ACCESSTOKEN, for one service connection. */
  | { kind: 'azure-pipelines'; serviceConnectionId?: string }
  /** GitLab CI: an `id_tokens:` variable of the job. */
  | { kind: 'gitlab'; variable: string }
  /** A file rewritten by its owner (a Kubernetes projected service-account token): read each time. */
  | { kind: 'file'; path: string }
  /** Whichever of the above the environment shows. */
  | { kind: 'auto' }
  /** The pod's service-account token the kubelet sends with each request (KEP-4412). */
  | { kind: 'kubelet' };

export const CI_TOKEN_SOURCES = 'github-actions, azure-pipelines[:SERVICE_CONNECTION_ID], gitlab:VARNAME, file:PATH, kubelet or auto';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseCiTokenSource(text: string): CiTokenSource {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? undefined : text.slice(colon + 1);
  if (kind === 'github-actions' && rest === undefined) return { kind };
  if (kind === 'auto' && rest === undefined) return { kind };
  if (kind === 'kubelet' && rest === undefined) return { kind };
  if (kind === 'azure-pipelines') {
    if (rest === undefined) return { kind };
    if (/^[A-Za-z0-9-]{1,64}$/.test(rest)) return { kind, serviceConnectionId: rest };
  }
  if (kind === 'gitlab' && rest !== undefined && ENV_NAME.test(rest)) return { kind, variable: rest };
  if (kind === 'file' && rest) return { kind, path: rest };
  throw new HelperError('invalid-input', `--ci-token ${JSON.stringify(text)} is not a token source: use ${CI_TOKEN_SOURCES}`);
}
