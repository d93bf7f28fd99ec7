// Turning token endpoint responses into the session record, and renewing a session with its
// refresh token. openid-client validates the responses (ID token signature, issuer, audience).
import * as client from 'openid-client';
import type { RegistrySettings } from '../config/registrySettings.js';
import { HelperError } from '../errors.js';
import type { OidcSessionRecord } from '../store/record.js';
import { describeNetworkError } from './httpClient.js';
import { audienceKey, audienceParameters, decodeJwtPayload, expiryOf } from './tokenMath.js';

type TokenResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

const IDENTITY_CLAIMS = ['sub', 'preferred_username', 'email', 'name', 'upn', 'unique_name', 'oid', 'tid'];

function identityClaims(claims: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!claims) return undefined;
  return Object.fromEntries(IDENTITY_CLAIMS.filter((c) => claims[c] !== undefined).map((c) => [c, claims[c]]));
}

/** A new session from a sign-in, or the next state of one after a refresh (rotation included). */
export function sessionFromTokens(
  tokens: TokenResponse,
  settings: RegistrySettings,
  nowS: number,
  previous?: OidcSessionRecord,
): OidcSessionRecord {
  const session: OidcSessionRecord = {
    kind: 'oidc-session',
    issuer: settings.issuer,
    clientId: settings.clientId,
    authenticatedAt: previous?.authenticatedAt ?? nowS,
    accessToken: {
      value: tokens.access_token,
      issuedAt: nowS,
      expiresAt: expiryOf(tokens.access_token, tokens.expires_in, nowS),
      audience: audienceKey(settings),
    },
  };
  // Providers that do not rotate send no new refresh token: the old one stays good.
  const refreshToken = tokens.refresh_token ?? previous?.refreshToken;
  if (refreshToken) session.refreshToken = refreshToken;
  const claims = tokens.id_token ? (tokens.claims() as Record<string, unknown> | undefined) : undefined;
  if (tokens.id_token) {
    const exp = (claims?.exp as number | undefined) ?? decodeJwtPayload(tokens.id_token)?.exp;
    session.idToken = { value: tokens.id_token, issuedAt: nowS, expiresAt: typeof exp === 'number' ? exp : nowS + 300 };
  } else if (previous?.idToken) {
    session.idToken = previous.idToken;
  }
  const kept = identityClaims(claims) ?? previous?.claims;
  if (kept) session.claims = kept;
  const refreshExpiresIn = (tokens as { refresh_expires_in?: unknown }).refresh_expires_in;
  if (typeof refreshExpiresIn === 'number' && refreshExpiresIn > 0) session.refreshExpiresAt = nowS + refreshExpiresIn;
  else if (previous?.refreshExpiresAt && !tokens.refresh_token) session.refreshExpiresAt = previous.refreshExpiresAt;
  return session;
}

/** One refresh-token grant. Rotating providers revoke the grant if a used token is replayed: callers hold the session lock. */
export async function refreshSession(
  provider: client.Configuration,
  session: OidcSessionRecord,
  settings: RegistrySettings,
  registry: string,
  nowS: () => number,
): Promise<OidcSessionRecord> {
  if (!session.refreshToken) {
    throw new HelperError('session-expired', `session for ${registry} has expired: run "registry-login ${registry}"`);
  }
  let tokens: TokenResponse;
  try {
    tokens = await client.refreshTokenGrant(provider, session.refreshToken, {
      scope: settings.scope,
      ...audienceParameters(settings),
    });
  } catch (error) {
    throw describeRefreshError(error, settings.issuer, registry);
  }
  return sessionFromTokens(tokens, settings, nowS(), session);
}

export function describeRefreshError(error: unknown, issuer: string, registry: string): HelperError {
  if (error instanceof client.ResponseBodyError) {
    if (error.error === 'invalid_grant') {
      return new HelperError('session-expired', `session for ${registry} has expired: run "registry-login ${registry}"`, { cause: error });
    }
    const detail = error.error_description ? `${error.error} (${error.error_description})` : error.error;
    return new HelperError('idp-error', `${issuer} refused to renew the token for ${registry}: ${detail}`, { cause: error });
  }
  if (error instanceof client.ClientError) {
    return new HelperError('idp-error', `unexpected answer from ${issuer} while renewing the token for ${registry}: ${error.message}`, { cause: error });
  }
  return new HelperError(
    'idp-unreachable',
    `cannot reach the OpenID provider ${issuer} to renew the token for ${registry}: ${describeNetworkError(error)}`,
    { cause: error },
  );
}
