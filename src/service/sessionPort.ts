import type { RegistryCredential } from '../oidc/exchange/registryCredential.js';

/** What the protocol path needs from the OIDC side; loaded lazily, only when a registry uses it. */
export interface SessionPort {
  /** null when the registry is not configured for OIDC. */
  credentialFromSession(key: string): Promise<RegistryCredential | null>;
  /** Removes the registry's tokens; revokes and drops the session when no other registry uses it. */
  logout(key: string, options: { forget: boolean }): Promise<LogoutReport>;
  /** The refresh token currently held for the registry's session, to recognise docker re-storing it. */
  currentRefreshToken(key: string): Promise<string | undefined>;
}

export interface LogoutReport {
  registry: string;
  removedItem: boolean;
  sessionEnded: boolean;
  revoked: boolean;
  /** Set when revocation could not reach the provider: the local tokens are gone all the same. */
  revocationWarning?: string;
  sharedWith: string[];
}
