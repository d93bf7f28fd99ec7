// The renewer: a short-lived process of this same binary that `get` starts, detached (its own session
// and process group, stdin and stderr closed), to renew one registry's credential. Go's
// exec.CommandContext SIGKILLs a credential helper when a build is cancelled, and Ctrl-C reaches the
// whole foreground process group; a refresh killed after the provider rotated the refresh token but
// before the answer was stored would leave only the old, now revoked token, and the next `get` would
// replay it (the provider then ends the whole sign-in). The renewer is out of reach of both, bounded
// in time, never interactive, and reports one JSON line on stdout to whoever still listens.
import type { Deps } from '../deps.js';
import { HelperError, type ErrorCode } from '../errors.js';
import { CREDENTIALS_NOT_FOUND } from '../protocol/messages.js';
import { renewCredential } from './renewCredential.js';
import type { HandedCredential } from '../model.js';

interface RenewerResult {
  ok: boolean;
  code?: ErrorCode;
  message?: string;
  /** The renewed credential, for the `get` on the other end of the pipe (never in a message). */
  credential?: HandedCredential;
}

/**
 * Runs in the renewer process; returns the line to print on the pipe the waiting `get` reads (the
 * credential it would otherwise read back from the keychain; error messages never hold a secret).
 */
export async function runRenewer(deps: Deps, registryKey: string): Promise<{ line: string; exitCode: number }> {
  let result: RenewerResult;
  try {
    const credential = await renewCredential(deps, registryKey);
    // Docker matches this answer verbatim: the protocol's fixed text, nothing else.
    if (!credential) throw new HelperError('credentials-not-found', CREDENTIALS_NOT_FOUND);
    result = { ok: true, credential: { username: credential.username, secret: credential.secret } };
  } catch (error) {
    const failure = error instanceof HelperError ? error : new HelperError('idp-error', error instanceof Error ? error.message : String(error));
    result = { ok: false, code: failure.code, message: failure.message };
  }
  return { line: `${JSON.stringify(result)}\n`, exitCode: result.ok ? 0 : 1 };
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
