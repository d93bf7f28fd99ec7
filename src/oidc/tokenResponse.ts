// Turning a token endpoint response into the session we keep (a sign-in, or the next state of one
// after a refresh). openid-client has validated the response (ID token signature, issuer, audience).
import type * as client from 'openid-client';
import type { OidcSession, RegistrySettings } from '../model.js';
import { audienceKey, decodeJwtPayload, expiryOf } from './tokenMath.js';

export type TokenResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

const IDENTITY_CLAIMS = ['sub', 'preferred_username', 'email', 'name', 'upn', 'unique_name', 'oid', 'tid', 'client_id', 'azp', 'appid'];

function identityClaims(claims: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!claims) return undefined;
  return Object.fromEntries(IDENTITY_CLAIMS.filter((c) => claims[c] !== undefined).map((c) => [c, claims[c]]));
}

/** A new session from a sign-in, or the next state of one after a refresh (rotation included). */
export function sessionFromTokens(tokens: TokenResponse, settings: RegistrySettings, nowS: number, previous?: OidcSession): OidcSession {
  const session: OidcSession = {
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
  // A pipeline gets no ID token: who it is, for the username, is in its access token (when a JWT).
  const kept = identityClaims(claims) ?? previous?.claims ?? identityClaims(decodeJwtPayload(tokens.access_token));
  if (kept) session.claims = kept;
  const refreshExpiresIn = (tokens as { refresh_expires_in?: unknown }).refresh_expires_in;
  if (typeof refreshExpiresIn === 'number' && refreshExpiresIn > 0) session.refreshExpiresAt = nowS + refreshExpiresIn;
  else if (previous?.refreshExpiresAt && !tokens.refresh_token) session.refreshExpiresAt = previous.refreshExpiresAt;
  return session;
}
