// The renewer: a short-lived process of this same binary that `get` starts, detached (its own session
// and process group, stdin and stderr closed), to renew one registry's credential. Go's
// exec.CommandContext SIGKILLs a credential helper when a build is cancelled, and Ctrl-C reaches the
// whole foreground process group; a refresh killed after the provider rotated the refresh token but
// before the answer was stored would leave only the old, now revoked token, and the next `get` would
// replay it (the provider then ends the whole sign-in). The renewer is out of reach of both, bounded
// in time, never interactive, and reports one JSON line on stdout to whoever still listens.
import type { Deps } from '../service/deps.js';
import { HelperError } from '../errors.js';
import { CREDENTIALS_NOT_FOUND } from '../protocol/messages.js';
import { renewCredential } from '../service/renewCredential.js';
import { renewerLine } from '../service/renewerLine.js';

/**
 * Runs in the renewer process; returns the line to print on the pipe the waiting `get` reads (the
 * credential it would otherwise read back from the keychain; error messages never hold a secret).
 */
export async function runRenewer(deps: Deps, registryKey: string): Promise<{ line: string; exitCode: number }> {
  try {
    const credential = await renewCredential(deps, registryKey);
    // Docker matches this answer verbatim: the protocol's fixed text, nothing else.
    if (!credential) throw new HelperError('credentials-not-found', CREDENTIALS_NOT_FOUND);
    return { line: renewerLine({ credential }), exitCode: 0 };
  } catch (error) {
    const failure = error instanceof HelperError ? error : new HelperError('idp-error', error instanceof Error ? error.message : String(error));
    return { line: renewerLine({ error: failure }), exitCode: 1 };
  }
}
