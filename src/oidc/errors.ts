// The one mapper from what openid-client (and the network under it) throws to a HelperError that
// says what happened and what to do next. Everything the provider wrote is shown only through
// `printable` (errors.ts), so no escape sequence it sends reaches a terminal.
import * as client from 'openid-client';
import { HelperError, printable, sessionExpired, signInAgain } from '../errors.js';

type ProviderStep = 'discovery' | 'sign-in' | 'refresh' | 'revocation';

export interface ProviderErrorContext {
  issuer: string;
  /** host[:port] of the registry the request is for. */
  registry: string;
  step: ProviderStep;
}

/** Device-flow answers that mean the person said no (Entra ID sends authorization_declined). */
const DENIALS = new Set(['access_denied', 'authorization_declined']);

/** "connect ECONNREFUSED 127.0.0.1:9" rather than undici's bare "fetch failed". */
export function describeNetworkError(error: unknown): string {
  let current: unknown = error;
  const messages: string[] = [];
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    messages.push(current.message);
    current = (current as { cause?: unknown }).cause;
  }
  const specific = messages.reverse().find((m) => m && m !== 'fetch failed');
  return printable(specific ?? 'network error');
}

function isAbort(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return (error instanceof Error && error.name === 'AbortError') || (cause instanceof Error && cause.name === 'AbortError');
}

/** Our own refusal (a redirect, an oversized answer) may arrive wrapped in openid-client's errors. */
function ownRefusal(error: unknown): HelperError | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof HelperError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function describeProviderError(error: unknown, { issuer, registry, step }: ProviderErrorContext): HelperError {
  const refusal = ownRefusal(error);
  if (refusal) return refusal;
  if (step === 'sign-in' && isAbort(error)) return new HelperError('interrupted', 'sign-in cancelled');
  const whileRenewing = step === 'refresh' ? ` to renew the token for ${registry}` : '';
  if (error instanceof client.ResponseBodyError) {
    const code = printable(error.error);
    if (step === 'sign-in' && DENIALS.has(error.error)) {
      return new HelperError('access-denied', `sign-in to ${registry} was denied at ${issuer}`, { cause: error });
    }
    if (step === 'sign-in' && error.error === 'expired_token') {
      return new HelperError('device-code-expired', `the code expired before sign-in finished: ${signInAgain(registry)} again`, { cause: error });
    }
    if (step === 'refresh' && error.error === 'invalid_grant') return sessionExpired(registry, error);
    const detail = error.error_description ? `${code} (${printable(error.error_description)})` : code;
    const what = { discovery: 'OpenID discovery', 'sign-in': 'the sign-in', refresh: `to renew the token for ${registry}`, revocation: 'the revocation' }[step];
    return new HelperError('idp-error', `${issuer} refused ${what}: ${detail}`, { cause: error });
  }
  if (error instanceof client.ClientError) {
    const during = step === 'discovery' ? ' during discovery' : step === 'refresh' ? ` while renewing the token for ${registry}` : '';
    return new HelperError('idp-error', `unexpected answer from ${issuer}${during}: ${printable(error.message)}`, { cause: error });
  }
  return new HelperError('idp-unreachable', `cannot reach the OpenID provider ${issuer}${whileRenewing}: ${describeNetworkError(error)}`, { cause: error });
}
