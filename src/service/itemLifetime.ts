// Until when an item of a sign-in is of use, for the stores that forget by themselves (the kernel
// keyring: keys that never expire would keep dead tokens in kernel memory until reboot).
import { isPipelineGrant, type OidcSession, type RegistryEntry } from '../model.js';
import { decodeJwtPayload } from '../oidc/tokenMath.js';
import type { StoredRecord } from '../store/record.js';

/**
 * A sign-in with a refresh token lasts as long as the provider says (Keycloak's refresh_expires_in,
 * or the refresh token's own `exp` when it is a JWT); undefined when it does not say. Without one,
 * it is over when its last token is.
 */
export function sessionEnd(session: OidcSession): number | undefined {
  if (session.refreshToken) {
    if (session.refreshExpiresAt !== undefined) return session.refreshExpiresAt;
    const exp = decodeJwtPayload(session.refreshToken)?.exp;
    return typeof exp === 'number' ? exp : undefined;
  }
  const ends = [session.accessToken?.expiresAt, session.idToken?.expiresAt].filter((end): end is number => typeof end === 'number');
  return ends.length > 0 ? Math.max(...ends) : undefined;
}

/**
 * Until when `record`, written for `entry`'s sign-in `session`, is of use. A pipeline's registry
 * token is only a cache (its grant runs again); a person's registry item also says the registry is
 * signed in (get and logout read it so), so it lasts as long as the sign-in, at least its token.
 */
export function usefulUntil(entry: Pick<RegistryEntry, 'grant'>, record: StoredRecord, session: OidcSession | undefined): number | undefined {
  switch (record.kind) {
    case 'oidc-session':
      return sessionEnd(record);
    case 'static':
      return undefined;
    case 'derived':
      if (isPipelineGrant(entry.grant)) return record.expiresAt;
      return laterOf(record.expiresAt, session && sessionEnd(session));
    case 'session-binding':
      return session && sessionEnd(session);
  }
}

/** The later end; unknown when the sign-in's end is unknown (it may outlast any token). */
function laterOf(tokenEnd: number, signInEnd: number | undefined): number | undefined {
  return signInEnd === undefined ? undefined : Math.max(tokenEnd, signInEnd);
}
