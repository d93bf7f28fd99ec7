// Every failure a user can see is a HelperError with a stable code. `reportError` is the one place
// that turns any failure into the lines printed and the exit code, for the protocol verbs (docker
// reads stdout) and the human commands (people read stderr) alike.

export type ErrorCode =
  // The docker-credential-helpers protocol's fixed messages (docker matches some of them verbatim).
  | 'credentials-not-found'
  | 'missing-server-url'
  | 'missing-username'
  | 'unknown-action'
  | 'usage'
  // Bad input.
  | 'invalid-input'
  | 'invalid-server-url'
  | 'input-too-large'
  // Keychain.
  | 'keychain-unavailable'
  | 'keychain-locked'
  | 'keychain-timeout'
  | 'keychain-failure'
  | 'corrupt-item'
  // Sign-in and sessions.
  | 'not-configured'
  | 'session-expired'
  | 'idp-unreachable'
  | 'idp-error'
  | 'access-denied'
  | 'device-code-expired'
  | 'sign-in-expired'
  | 'interrupted'
  | 'config-invalid'
  | 'config-unreadable'
  | 'config-unwritable'
  | 'lock-failed'
  | 'unsafe-file';

const HELPER_ERROR = Symbol.for('docker-credential-oidc.HelperError');

export class HelperError extends Error {
  override readonly name = 'HelperError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    Object.defineProperty(this, HELPER_ERROR, { value: true });
  }

  /** Also true for one thrown by the token server's script, a separate copy of this module (tokenServer/load.ts). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HELPER_ERROR] === true;
  }
}

/** The advice that ends every message about a sign-in that is missing or over. */
export function signInAgain(registry: string): string {
  return `run "registry-login ${registry}"`;
}

export function notSignedIn(registry: string): HelperError {
  return new HelperError('session-expired', `not signed in to ${registry}: ${signInAgain(registry)}`);
}

/** A refresh the provider refused (invalid_grant): the sign-in is over, whatever ended it. */
export function signInEnded(registry: string, cause?: unknown): HelperError {
  return new HelperError(
    'session-expired',
    `the provider ended the sign-in for ${registry} (it expired, was revoked, or the password changed): ${signInAgain(registry)}`,
    { cause },
  );
}

/** The provider wants the person again: multi-factor authentication, consent, a sign-in policy. */
export function signInNeeded(registry: string, cause?: unknown): HelperError {
  return new HelperError(
    'session-expired',
    `the provider needs you to sign in again for ${registry} (multi-factor authentication, consent or a sign-in policy): ${signInAgain(registry)}`,
    { cause },
  );
}

export function sessionExpired(registry: string, cause?: unknown): HelperError {
  return new HelperError('session-expired', `session for ${registry} has expired: ${signInAgain(registry)}`, { cause });
}

/** The protocol's own answers: docker reads these on stdout and some of them it matches verbatim. */
const PROTOCOL_CODES: ReadonlySet<ErrorCode> = new Set(['credentials-not-found', 'missing-server-url', 'missing-username', 'unknown-action', 'usage']);

/** Misuse of a human command (unknown flag, missing argument) exits 2, like most CLIs. */
export const USAGE_EXIT_CODE = 2;

const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  'access-denied': 4,
  interrupted: 130,
};

/**
 * Removes what a terminal would act on: C0/C1 controls (escape sequences, OSC 8 links, clearing the
 * screen), DEL, and the bidirectional overrides that make text read differently than it is.
 * Every string that came from outside (a provider, a registry, a claim) goes through this before
 * it is shown.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
}

/** One line, whatever the error was: messages are printed where docker shows them verbatim. */
function oneLine(message: string): string {
  return printable(message.replace(/\s*[\r\n]+\s*/g, ' ')).trim();
}

export function describeUnexpected(error: unknown): string {
  if (error instanceof Error) return oneLine(error.message || error.name);
  return oneLine(String(error));
}

export interface ErrorReport {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Protocol verbs: docker reads the answer on stdout (its fixed messages go only there); operational
 * errors also go to stderr for the person. Human commands: stderr only, usage errors exit 2.
 */
export function reportError(error: unknown, audience: 'protocol' | 'person', program: string): ErrorReport {
  const failure = error instanceof HelperError ? error : new HelperError('keychain-failure', describeUnexpected(error));
  const message = oneLine(failure.message);
  if (audience === 'protocol') {
    return {
      stdout: `${message}\n`,
      stderr: PROTOCOL_CODES.has(failure.code) ? '' : `${program}: ${message}\n`,
      exitCode: EXIT_CODES[failure.code] ?? 1,
    };
  }
  const exitCode = failure.code === 'usage' ? USAGE_EXIT_CODE : error instanceof HelperError ? (EXIT_CODES[failure.code] ?? 1) : 1;
  return { stdout: '', stderr: `${program}: ${message}\n`, exitCode };
}
