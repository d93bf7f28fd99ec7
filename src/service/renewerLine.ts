// The one line a renewer (service/renewer.ts) prints on its stdout, and how the `get` waiting on the
// other end reads it. A module of its own: that `get` must not load the renewal machinery
// (openid-client, node:crypto, the HTTP client) just to parse one line.
import { HelperError, type ErrorCode } from '../errors.js';
import type { HandedCredential } from '../model.js';

export interface RenewerResult {
  ok: boolean;
  code?: ErrorCode;
  message?: string;
  /** The renewed credential, for the `get` on the other end of the pipe (never in a message). */
  credential?: HandedCredential;
}

/** In the waiting `get`: what the renewer's stdout said, as the credential or the error it reported. */
export function renewerOutcome(stdout: string, exit: { code: number | null; signal: string | null }): HandedCredential | undefined {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  let result: RenewerResult | undefined;
  try {
    result = JSON.parse(last) as RenewerResult;
  } catch {
    result = undefined;
  }
  if (result?.ok) {
    const handed = result.credential;
    return typeof handed?.username === 'string' && typeof handed.secret === 'string' ? { username: handed.username, secret: handed.secret } : undefined;
  }
  if (result?.code && result.message) throw new HelperError(result.code, result.message);
  throw new HelperError('idp-error', `the renewal process ended without an answer (${exit.signal ?? `exit ${exit.code}`}): try again`);
}
