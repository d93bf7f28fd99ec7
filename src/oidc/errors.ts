// The one mapper from what openid-client (and the network under it) throws to a HelperError that
// says what happened and what to do next. Everything the provider wrote is shown only through
// `printable` (errors.ts), so no escape sequence it sends reaches a terminal.
import * as client from 'openid-client';
import { HelperError, printable, signInAgain, signInEnded, signInNeeded } from '../errors.js';
import { observedClockSkewS } from './clockSkew.js';

type ProviderStep = 'discovery' | 'sign-in' | 'refresh' | 'revocation';

export interface ProviderErrorContext {
  issuer: string;
  /** host[:port] of the registry the request is for. */
  registry: string;
  step: ProviderStep;
}

/** Device-flow answers that mean the person said no (Entra ID sends authorization_declined). */
const DENIALS = new Set(['access_denied', 'authorization_declined']);

/** OpenID Connect's "the person must come back" errors (Core 1.0 §3.1.2.6). */
const NEEDS_PERSON = new Set(['interaction_required', 'consent_required', 'login_required']);
/**
 * Entra ID's codes for the same (MFA required 50076/50079, re-authentication 50158, Conditional
 * Access 53003, a session that policy or inactivity ended 70043/700082), sent inside invalid_grant.
 */
const ENTRA_NEEDS_PERSON = /AADSTS(50076|50079|50158|53003|70043|700082)\b/;
/** Beyond this a JWT's iat/nbf/exp checks fail on one side: say so rather than "invalid token". */
const CLOCK_SKEW_LIMIT_S = 120;

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
  const skew = observedClockSkewS();
  // Only where a clock can be the cause: openid-client's own token checks, or a refused grant.
  const clockCanExplain = error instanceof client.ClientError || (error instanceof client.ResponseBodyError && error.error === 'invalid_grant');
  if (Math.abs(skew) > CLOCK_SKEW_LIMIT_S && clockCanExplain) {
    const how = skew > 0 ? 'behind' : 'ahead of';
    return new HelperError('idp-error', `this machine's clock is ${Math.round(Math.abs(skew) / 60)} min ${how} ${issuer}'s, so its tokens look invalid: set the clock right (e.g. timedatectl set-ntp true), then ${signInAgain(registry)}`, { cause: error });
  }
  if (error instanceof client.ResponseBodyError) {
    if ((step === 'refresh' || step === 'sign-in') && (NEEDS_PERSON.has(error.error) || ENTRA_NEEDS_PERSON.test(error.error_description ?? ''))) {
      return signInNeeded(registry, error);
    }
    const code = printable(error.error);
    if (step === 'sign-in' && DENIALS.has(error.error)) {
      return new HelperError('access-denied', `sign-in to ${registry} was denied at ${issuer}`, { cause: error });
    }
    if (step === 'sign-in' && error.error === 'expired_token') {
      return new HelperError('device-code-expired', `the code expired before sign-in finished: ${signInAgain(registry)} again`, { cause: error });
    }
    if (step === 'refresh' && error.error === 'invalid_grant') return signInEnded(registry, error);
    const detail = error.error_description ? `${code} (${printable(error.error_description)})` : code;
    const what = { discovery: 'OpenID discovery', 'sign-in': 'the sign-in', refresh: `to renew the token for ${registry}`, revocation: 'the revocation' }[step];
    return new HelperError('idp-error', `${issuer} refused ${what}: ${detail}`, { cause: error });
  }
  if (error instanceof client.ClientError) {
    // openid-client often says only "invalid response encountered"; its cause says what was wrong
    // (an unexpected "state" or "iss" in a redirect, a bad JWT claim).
    const specific = (error.cause instanceof Error && error.cause.message) || error.message;
    const during = step === 'discovery' ? ' during discovery' : step === 'refresh' ? ` while renewing the token for ${registry}` : '';
    return new HelperError('idp-error', `unexpected answer from ${issuer}${during}: ${printable(specific)}`, { cause: error });
  }
  return new HelperError('idp-unreachable', `cannot reach the OpenID provider ${issuer}${whileRenewing}: ${describeNetworkError(error)}`, { cause: error });
}
