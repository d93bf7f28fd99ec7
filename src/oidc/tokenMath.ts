// Pure token-set arithmetic with the clock passed in: expiry, freshness, usernames from claims.
import { printable } from '../errors.js';
import type { RegistrySettings } from '../model.js';

/** The payload of a JWT without verifying it: only for tokens we received over TLS from their issuer. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const MAX_USERNAME_LENGTH = 256;

/** A claim as a username: shown to people and sent to registries, so printable and bounded. */
function claimText(value: unknown): string {
  return typeof value === 'string' ? printable(value).slice(0, MAX_USERNAME_LENGTH) : '';
}

/** Literal username, else the configured claim, else `sub`. */
export function usernameFor(settings: Pick<RegistrySettings, 'username' | 'usernameClaim'>, claims: Record<string, unknown> | undefined): string {
  if (settings.username) return settings.username;
  const fromClaim = claims && Object.hasOwn(claims, settings.usernameClaim) ? claimText(claims[settings.usernameClaim]) : '';
  if (fromClaim !== '') return fromClaim;
  return claimText(claims?.sub) || 'oidc';
}

/** Expiry of a token response: expires_in, else the JWT's own exp, else a conservative five minutes. */
export function expiryOf(accessToken: string, expiresIn: number | undefined, nowS: number): number {
  if (typeof expiresIn === 'number' && expiresIn > 0) return nowS + expiresIn;
  const exp = decodeJwtPayload(accessToken)?.exp;
  return typeof exp === 'number' ? exp : nowS + 300;
}

/** Which token request parameters make an access token fit for a registry. */
export function audienceParameters(settings: Pick<RegistrySettings, 'resource' | 'audience'>): Record<string, string> {
  const params: Record<string, string> = {};
  if (settings.resource) params.resource = settings.resource;
  if (settings.audience) params.audience = settings.audience;
  return params;
}

/** Identifies the audience an access token was issued for, to reuse it only for the same one. */
export function audienceKey(settings: Pick<RegistrySettings, 'resource' | 'audience' | 'scope'>): string {
  return JSON.stringify([settings.resource ?? '', settings.audience ?? '', settings.scope]);
}
