// The OAuth 2.0 Device Authorization Grant (RFC 8628): ask for a code, then wait for the person to
// approve it elsewhere. openid-client's pollDeviceAuthorizationGrant handles authorization_pending,
// slow_down, Retry-After and the AbortSignal; this file adds a prompt cancel and the mapping of errors.
import * as client from 'openid-client';
import { HelperError } from '../errors.js';
import type { RegistrySettings } from '../model.js';
import { describeProviderError } from './errors.js';
import { audienceParameters } from './tokenMath.js';
import type { TokenResponse } from './tokenResponse.js';

export interface DeviceCode {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface DeviceAuthorization {
  code: DeviceCode;
  /** Resolves with the tokens once the person approved; rejects with a HelperError. */
  waitForApproval(signal: AbortSignal): Promise<TokenResponse>;
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
  const code: DeviceCode = {
    userCode: response.user_code,
    verificationUri: response.verification_uri,
    ...(response.verification_uri_complete ? { verificationUriComplete: response.verification_uri_complete } : {}),
    expiresAt: nowS() + response.expires_in,
  };
  return {
    code,
    async waitForApproval(signal) {
      // openid-client notices the signal only at its next poll (5 s apart): stop at once instead.
      const cancelled = new Promise<never>((_, reject) => {
        const onAbort = () => reject(new HelperError('interrupted', 'sign-in cancelled'));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([client.pollDeviceAuthorizationGrant(provider, response, audience, { signal }), cancelled]);
      } catch (error) {
        if (signal.aborted) throw new HelperError('interrupted', 'sign-in cancelled');
        throw describeProviderError(error, context);
      }
    },
  };
}
