import type { RegistrySettings } from '../../config/registrySettings.js';
import type { OidcSessionRecord, CachedToken } from '../../store/record.js';
import type { Fetch } from '../httpClient.js';

/** What `get` answers for a registry, and until when it may be answered again without asking anyone. */
export interface RegistryCredential {
  username: string;
  secret: string;
  issuedAt: number;
  expiresAt: number;
  /** False when the secret can change behind our back (a rotating refresh token): never cache it. */
  cacheable: boolean;
}

export interface ModeContext {
  /** host[:port] of the registry. */
  registryHost: string;
  settings: RegistrySettings;
  session: OidcSessionRecord;
  /** A fresh access token for the registry's audience; refreshes the session when needed. */
  accessToken(): Promise<CachedToken>;
  /** A fresh ID token (password mode with --secret id-token). */
  idToken(): Promise<CachedToken>;
  fetch: Fetch;
  nowS(): number;
}

export type CredentialMode = (context: ModeContext) => Promise<RegistryCredential>;
