// The OAuth 2.0 Device Authorization Grant (RFC 8628): ask for a code, then wait for the person to
// approve it elsewhere. openid-client's pollDeviceAuthorizationGrant handles authorization_pending,
// slow_down, Retry-After and the AbortSignal; this file adds a prompt cancel and the mapping of errors.
import * as client from 'openid-client';
import { HelperError, printable, signInAgain } from '../errors.js';
import { isSecureUrl } from './endpointPolicy.js';
import type { RegistrySettings } from '../model.js';
import { describeProviderError } from './providerErrors.js';
import { audienceParameters } from './tokenMath.js';
import type { TokenResponse } from './tokenResponse.js';

export interface DeviceCode {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** The provider's own instruction when it sends no complete URL (Entra ID's localised `message`). */
  message?: string;
}

export interface DeviceAuthorization {
  code: DeviceCode;
  /** Resolves with the tokens once the person approved; rejects with a HelperError. */
  waitForApproval(signal: AbortSignal): Promise<TokenResponse>;
}

/**
 * Why the provider refused to start a device-code sign-in, when that refusal means "this client or
 * tenant may not use the device code" (Entra ID Conditional Access blocks it: AADSTS codes inside
 * invalid_grant); undefined for any other failure.
 */
export function deviceGrantRefusal(error: unknown): string | undefined {
  const cause = error instanceof HelperError ? error.cause : error;
  if (!(cause instanceof client.ResponseBodyError)) return undefined;
  if (cause.error === 'unauthorized_client' || cause.error === 'unsupported_grant_type') return cause.error;
  // oidc-provider answers a client without the grant with invalid_request "...device_code is not allowed".
  if (cause.error === 'invalid_request' && /device_code.*not allowed/i.test(cause.error_description ?? ''))
    return `${cause.error}: ${printable(cause.error_description!)}`;
  if (cause.error === 'invalid_grant' && /AADSTS\d+/.test(cause.error_description ?? ''))
    return `${cause.error}, ${/AADSTS\d+/.exec(cause.error_description!)![0]}`;
  return undefined;
}

/** Polling goes on this long past the code's expiry (a provider's clock may run a little behind). */
const EXPIRY_GRACE_S = 2;

function codeExpired(registry: string): HelperError {
  return new HelperError('device-code-expired', `the code expired before sign-in finished: ${signInAgain(registry)} again`);
}

/** RFC 8628 user codes are a few characters ("WDJB-MJHT"); anything longer is not meant for a person. */
const MAX_USER_CODE_LENGTH = 64;
const MAX_URL_LENGTH = 2048;

/**
 * The URL a person is told to open: printed to a terminal and handed to the browser, so it must be
 * exactly what it looks like. Printable ASCII only (no escape sequences, no OSC 8 link whose text
 * differs from its target, no bidi tricks), https (http only on loopback), no user information.
 */
function plainWebUrl(value: string, issuer: string): string {
  const refuse = () =>
    new HelperError('idp-error', `${issuer} sent a verification URL that is not a plain https URL: refused (ask the provider's administrator)`);
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH || !/^[\x21-\x7e]+$/.test(value)) throw refuse();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse();
  }
  if (!isSecureUrl(url) || url.username || url.password) throw refuse();
  return value;
}

export async function startDeviceAuthorization(
  provider: client.Configuration,
  settings: RegistrySettings,
  registry: string,
  nowS: () => number,
): Promise<DeviceAuthorization> {
  const context = { issuer: settings.issuer, registry, step: 'sign-in' as const };
  const audience = audienceParameters(settings);
  let response: client.DeviceAuthorizationResponse;
  try {
    response = await client.initiateDeviceAuthorization(provider, { scope: settings.scope, ...audience });
  } catch (error) {
    throw describeProviderError(error, context);
  }
  const userCode = printable(response.user_code).slice(0, MAX_USER_CODE_LENGTH);
  if (userCode.trim() === '') throw new HelperError('idp-error', `${settings.issuer} sent no usable user code: refused`);
  const code: DeviceCode = {
    userCode,
    verificationUri: plainWebUrl(response.verification_uri, settings.issuer),
    ...(response.verification_uri_complete ? { verificationUriComplete: plainWebUrl(response.verification_uri_complete, settings.issuer) } : {}),
    expiresAt: nowS() + response.expires_in,
  };
  const message = (response as { message?: unknown }).message;
  if (!response.verification_uri_complete && typeof message === 'string' && printable(message).trim() !== '')
    code.message = printable(message).trim().slice(0, 500);
  return {
    code,
    async waitForApproval(interrupt) {
      // The code's own expiry is our deadline too: a provider answering authorization_pending
      // forever must not keep us polling (openid-client stops at expires_in only without a signal).
      const expired = AbortSignal.timeout(Math.max(0, code.expiresAt - nowS() + EXPIRY_GRACE_S) * 1000);
      const signal = AbortSignal.any([interrupt, expired]);
      const stopped = () => (interrupt.aborted ? new HelperError('interrupted', 'sign-in cancelled') : codeExpired(registry));
      // openid-client notices the signal only at its next poll (5 s apart): stop at once instead.
      const cancelled = new Promise<never>((_, reject) => {
        const onAbort = () => reject(stopped());
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([client.pollDeviceAuthorizationGrant(provider, response, audience, { signal }), cancelled]);
      } catch (error) {
        if (signal.aborted) throw stopped();
        throw describeProviderError(error, context);
      }
    },
  };
}
