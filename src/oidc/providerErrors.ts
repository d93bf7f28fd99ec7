// The one mapper from what openid-client (and the network under it) throws to a HelperError that
// says what happened and what to do next. Everything the provider wrote is shown only through
// `printable` (errors.ts), so no escape sequence it sends reaches a terminal.
import * as client from 'openid-client';
import { HelperError, printable, signInAgain, signInEnded, signInNeeded } from '../errors.js';
import { observedClockSkewS } from './clockSkew.js';
import { trace } from '../runtime/trace.js';

type ProviderStep = 'discovery' | 'sign-in' | 'refresh' | 'revocation' | 'pipeline';

export interface ProviderErrorContext {
  issuer: string;
  /** host[:port] of the registry the request is for. */
  registry: string;
  step: ProviderStep;
  /** pipeline: the grant that was refused, and where its CI token came from. */
  grant?: string;
  ciTokenFrom?: string | undefined;
}

/** Device-flow answers that mean the person said no (Entra ID sends authorization_declined). */
const DENIALS = new Set(['access_denied', 'authorization_declined']);

/** OpenID Connect's "the person must come back" errors (Core 1.0 §3.1.2.6). */
export const NEEDS_PERSON = new Set(['interaction_required', 'consent_required', 'login_required']);
/**
 * Entra ID's codes for the same (MFA required 50076/50079, re-authentication 50158, Conditional
 * Access 53003, a session that policy or inactivity ended 70043/700082), sent inside invalid_grant.
 */
export const ENTRA_NEEDS_PERSON = /AADSTS(50076|50079|50158|53003|70043|700082)\b/;
/**
 * A refresh token the provider no longer honours, said otherwise than invalid_grant: Dex answers
 * invalid_request "Refresh token is invalid or has already been claimed by another client."
 */
const DEAD_REFRESH_TOKEN = /refresh token is invalid|already been claimed/i;
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

/**
 * Entra ID's codes for a pipeline's sign-in, each with what to fix: an unknown application, a CI
 * token out of its time range, no federated credential matching the CI token, a wrong secret or key.
 */
const ENTRA_PIPELINE_CODES: Array<[RegExp, (context: ProviderErrorContext) => string]> = [
  [/AADSTS700016\b/, () => 'the application (--client-id) is not found in the tenant: check --client-id and --tenant'],
  [
    /AADSTS700024\b/,
    (c) =>
      `the CI token${c.ciTokenFrom ? ` from ${c.ciTokenFrom}` : ''} is not within its valid time range: it expired before it was used, or this machine's clock is wrong`,
  ],
  [
    /AADSTS(70021|700211|700212|700213)\b/,
    (c) =>
      `no federated credential of the application matches the CI token${c.ciTokenFrom ? ` from ${c.ciTokenFrom}` : ''}: add one whose issuer, subject and audience (api://AzureADTokenExchange, --ci-token-audience) are the token's`,
  ],
  [/AADSTS(7000215|7000222)\b/, () => 'the client secret is wrong or expired: put the current one where --client-secret-file or --client-secret-env points'],
  [/AADSTS(700027|700023)\b/, () => 'the signed assertion was not accepted: upload the certificate of --private-key-file to the application'],
];

/** What a refused pipeline sign-in means, by OAuth error code (RFC 6749 §5.2, RFC 8693 §2.2.2). */
function pipelineAdvice(error: string, context: ProviderErrorContext): string | undefined {
  const ciToken = `the CI token${context.ciTokenFrom ? ` from ${context.ciTokenFrom}` : ''}`;
  switch (error) {
    case 'invalid_client':
      return context.grant === 'client-credentials' && context.ciTokenFrom
        ? `it did not accept ${ciToken} as the client's credential: check the federated credential's issuer, subject and audience (--ci-token-audience)`
        : "it did not accept the client's credentials: check --client-id and the secret or key (--client-secret-file, --client-secret-env, --private-key-file)";
    case 'unauthorized_client':
      return `the client may not use --grant ${context.grant ?? 'this grant'}: allow it at the provider (Keycloak: "Service accounts roles" or token exchange permissions; Okta: the grant type of the app)`;
    case 'invalid_grant':
      return `it did not accept ${ciToken}: check that the provider trusts its issuer, and its subject and audience (--ci-token-audience)`;
    case 'unsupported_grant_type':
      return `it does not offer --grant ${context.grant ?? 'this grant'}`;
    case 'invalid_scope':
    case 'invalid_target':
      return 'check --scope, --resource and --audience';
    default:
      return undefined;
  }
}

export function describeProviderError(error: unknown, context: ProviderErrorContext): HelperError {
  const { issuer, registry, step } = context;
  if (error instanceof client.ResponseBodyError)
    trace('provider-error', { issuer, step, status: error.status, error: error.error, description: error.error_description });
  const refusal = ownRefusal(error);
  if (refusal) return refusal;
  if (step === 'sign-in' && isAbort(error)) return new HelperError('interrupted', 'sign-in cancelled');
  const whileRenewing = step === 'refresh' ? ` to renew the token for ${registry}` : '';
  const skew = observedClockSkewS();
  // Only where a clock can be the cause: openid-client's own token checks, or a refused grant.
  const clockCanExplain = error instanceof client.ClientError || (error instanceof client.ResponseBodyError && error.error === 'invalid_grant');
  if (Math.abs(skew) > CLOCK_SKEW_LIMIT_S && clockCanExplain) {
    const how = skew > 0 ? 'behind' : 'ahead of';
    return new HelperError(
      'idp-error',
      `this machine's clock is ${Math.round(Math.abs(skew) / 60)} min ${how} ${issuer}'s, so its tokens look invalid: set the clock right (e.g. timedatectl set-ntp true), then ${signInAgain(registry)}`,
      { cause: error },
    );
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
    if (step === 'sign-in' && error.error === 'bad_verification_code') {
      // Entra ID: the device code is not (or no longer) one it issued.
      return new HelperError('device-code-expired', `the provider no longer knows this code (bad_verification_code): ${signInAgain(registry)} again`, {
        cause: error,
      });
    }
    if (step === 'refresh' && (error.error === 'invalid_grant' || DEAD_REFRESH_TOKEN.test(error.error_description ?? ''))) return signInEnded(registry, error);
    if (step === 'pipeline') {
      const description = error.error_description ?? '';
      const entra = ENTRA_PIPELINE_CODES.find(([pattern]) => pattern.test(description));
      const advice = entra ? entra[1](context) : pipelineAdvice(error.error, context);
      if (advice) return new HelperError('idp-error', `${issuer} refused --grant ${context.grant} for ${registry} (${code}): ${advice}`, { cause: error });
    }
    const detail = error.error_description ? `${code} (${printable(error.error_description)})` : code;
    const what = {
      discovery: 'OpenID discovery',
      'sign-in': 'the sign-in',
      refresh: `to renew the token for ${registry}`,
      revocation: 'the revocation',
      pipeline: `--grant ${context.grant} for ${registry}`,
    }[step];
    return new HelperError('idp-error', `${issuer} refused ${what}: ${detail}`, { cause: error });
  }
  if (error instanceof client.ClientError) {
    // openid-client often says only "invalid response encountered"; its cause says what was wrong
    // (an unexpected "state" or "iss" in a redirect, a bad JWT claim).
    const specific = (error.cause instanceof Error && error.cause.message) || error.message;
    const during = step === 'discovery' ? ' during discovery' : step === 'refresh' || step === 'pipeline' ? ` while renewing the token for ${registry}` : '';
    return new HelperError('idp-error', `unexpected answer from ${issuer}${during}: ${printable(specific)}`, { cause: error });
  }
  return new HelperError('idp-unreachable', `cannot reach the OpenID provider ${issuer}${whileRenewing}: ${describeNetworkError(error)}`, { cause: error });
}
