// Every failure a user can see is a HelperError with a stable code; main.ts is the only place that
// turns one into output and an exit code.

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
  | 'interrupted'
  | 'config-invalid'
  | 'config-unreadable'
  | 'config-unwritable'
  | 'lock-failed';

export class HelperError extends Error {
  override readonly name = 'HelperError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The protocol's own answers: docker reads these on stdout and some of them it matches verbatim. */
const PROTOCOL_CODES: ReadonlySet<ErrorCode> = new Set([
  'credentials-not-found',
  'missing-server-url',
  'missing-username',
  'unknown-action',
  'usage',
]);

export function isProtocolAnswer(error: HelperError): boolean {
  return PROTOCOL_CODES.has(error.code);
}

const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  'access-denied': 4,
  interrupted: 130,
};

export function exitCodeFor(error: HelperError): number {
  return EXIT_CODES[error.code] ?? 1;
}

/** One line, whatever the error was: messages are printed where docker shows them verbatim. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

export function describeUnexpected(error: unknown): string {
  if (error instanceof Error) return oneLine(error.message || error.name);
  return oneLine(String(error));
}
