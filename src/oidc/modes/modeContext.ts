import type { CachedToken, Fetch, OidcSession, RegistryCredential, RegistrySettings } from '../../model.js';

/** What a credential mode may use to make the registry's credential out of a sign-in. */
export interface ModeContext {
  /** host[:port] of the registry. */
  registryHost: string;
  settings: RegistrySettings;
  session: OidcSession;
  /** A fresh access token for the registry's audience; refreshes the session when needed. */
  accessToken(): Promise<CachedToken>;
  /** A fresh ID token (password mode with --secret id-token). */
  idToken(): Promise<CachedToken>;
  fetch: Fetch;
  nowS(): number;
}

/** One credential mode: how `get` turns a sign-in into what the registry accepts. */
export type CredentialModeHandler = (context: ModeContext) => Promise<RegistryCredential>;
