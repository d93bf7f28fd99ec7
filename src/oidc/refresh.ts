// One refresh-token grant. Providers that rotate refresh tokens revoke the whole grant when a used
// one is replayed (measured with oidc-provider; Keycloak, Okta, Dex and Entra do the same), so the
// caller holds the session's cross-process lock and stores the result before anything else.
import * as client from 'openid-client';
import { sessionExpired } from '../errors.js';
import type { OidcSession, RegistrySettings } from '../model.js';
import { describeProviderError } from './providerErrors.js';
import { audienceParameters } from './tokenMath.js';
import { sessionFromTokens, type TokenResponse } from './tokenResponse.js';

export async function refreshSession(
  provider: client.Configuration,
  session: OidcSession,
  settings: RegistrySettings,
  registry: string,
  nowS: () => number,
): Promise<OidcSession> {
  if (!session.refreshToken) throw sessionExpired(registry);
  let tokens: TokenResponse;
  try {
    tokens = await client.refreshTokenGrant(provider, session.refreshToken, { scope: settings.scope, ...audienceParameters(settings) });
  } catch (error) {
    throw describeProviderError(error, { issuer: settings.issuer, registry, step: 'refresh' });
  }
  return sessionFromTokens(tokens, settings, nowS(), session);
}
