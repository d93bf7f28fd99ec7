// The shared vocabulary, imported downward by every layer and importing nothing of ours: what a
// registry is signed in with, what a sign-in holds, what `get` hands out. No I/O here.

/** What `get` hands the registry (see oidc/modes/). */
export const CREDENTIAL_MODES = ['password', 'identity-token', 'acr'] as const;
export type CredentialModeName = (typeof CREDENTIAL_MODES)[number];

/**
 * How tokens are obtained. A person signs in with the device code (RFC 8628), the browser with an
 * authorization code on a loopback redirect, or auto (the browser at a desktop, the device code over
 * SSH); `--flow browser|device-code|auto` sets the same setting. A pipeline signs in without a
 * person, again at every renewal: client credentials (RFC 6749 §4.4), a token exchange of the CI
 * platform's token (RFC 8693), or that token as a JWT bearer grant (RFC 7523 §2.1).
 */
export const PERSON_GRANTS = ['auto', 'device-code', 'authorization-code'] as const;
export const PIPELINE_GRANTS = ['client-credentials', 'token-exchange', 'jwt-bearer'] as const;
export const GRANTS = [...PERSON_GRANTS, ...PIPELINE_GRANTS] as const;
export type Grant = (typeof GRANTS)[number];
export type PipelineGrant = (typeof PIPELINE_GRANTS)[number];

/** True for the grants `get` runs by itself, with no person and no refresh token. */
export function isPipelineGrant(grant: string | undefined): grant is PipelineGrant {
  return (PIPELINE_GRANTS as readonly string[]).includes(grant ?? '');
}

/**
 * Where a registry's tokens are kept: the Secret Service (the OS keychain elsewhere), the Linux
 * kernel's per-user keyring (memory only, gone at reboot), or nowhere (every `get` runs the grant).
 */
export const STORES = ['secret-service', 'kernel', 'none'] as const;
export type StoreName = (typeof STORES)[number];

/** The store a registry's tokens are kept in: its saved choice, else (and for anything else) the keychain. */
export function storeOfRegistry(entry: { store?: unknown } | undefined): StoreName {
  return (STORES as readonly unknown[]).includes(entry?.store) ? (entry!.store as StoreName) : 'secret-service';
}

/** RFC 8693's default subject token type for a CI platform's OIDC token. */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
/** --flow is the people-facing spelling of --grant. */
export const FLOWS: Readonly<Record<string, Grant>> = { browser: 'authorization-code', 'device-code': 'device-code', auto: 'auto' };

/** password mode: which token is the password. */
export const SECRET_TOKENS = ['access-token', 'id-token'] as const;
type SecretToken = (typeof SECRET_TOKENS)[number];

/**
 * Docker's identity-token username: with it, docker, skopeo, podman and buildah POST the secret as a
 * refresh token to the registry's token realm instead of sending Basic credentials.
 */
export const IDENTITY_TOKEN_USERNAME = '<token>';

/** Which OpenID provider signs a person in for a registry, and what `get` hands the registry. Never a secret. */
export interface RegistrySettings {
  issuer: string;
  clientId: string;
  scope: string;
  /** RFC 8707 resource indicator sent with every token request. */
  resource?: string;
  /** `audience` parameter (Auth0, Keycloak token exchange style providers). */
  audience?: string;
  mode: CredentialModeName;
  /** A literal username (`oauth2` for GitLab, `oauth2accesstoken` for Google Artifact Registry). */
  username?: string;
  /** ID-token claim used as the username when no literal is set. */
  usernameClaim: string;
  secretToken: SecretToken;
  caFile?: string;
  noBrowser?: boolean;
  /** Entra ID tenant (acr mode); fills the issuer when none is given. */
  tenant?: string;
  /** Seconds a credential must stay valid after `get` hands it out (default 600, BuildKit's cache). */
  minValidity?: number;
  /** How the person signs in (default auto). */
  grant?: Grant;
  /** The browser flow's loopback redirect (default http://127.0.0.1/callback on a free port). */
  redirectUri?: string;
  /**
   * Where the client secret is, for clients that need one (Google's "TVs and Limited Input devices"
   * clients; confidential clients): a file, or an environment variable's name. Never the secret.
   */
  clientSecretFile?: string;
  clientSecretEnv?: string;
  /** private_key_jwt client authentication (RFC 7523 §2.2): a PEM or JWK private key file. */
  privateKeyFile?: string;
  /**
   * Where the CI platform's OIDC token comes from, fetched again for every grant: github-actions,
   * azure-pipelines, gitlab:VARNAME, file:PATH, or auto.
   */
  ciToken?: string;
  /** The audience to ask the CI platform's token for (GitHub Actions, Azure Pipelines). */
  ciTokenAudience?: string;
  /** token-exchange: the subject token's type (default urn:ietf:params:oauth:token-type:jwt). */
  subjectTokenType?: string;
  /** Where the tokens are kept (default: the Secret Service; see StoreName). */
  store?: StoreName;
  /**
   * acr mode: where the provider's token is exchanged for a registry refresh token (default
   * https://REGISTRY/oauth2/exchange, as Azure Container Registry serves it; for a Distribution
   * registry behind our token server, the token server's), found from the registry's challenge.
   */
  exchangeUrl?: string;
  /** The `service` the registry's challenge names (its token server's audience), when not its host. */
  registryService?: string;
}

/** A registry's saved settings, with the server URL as the person first spelled it. */
export type RegistryEntry = RegistrySettings & { serverURL: string };

/** Provider endpoints learnt by discovery, saved so that a refresh costs one round trip, not two. */
export interface ProviderMetadata {
  issuer: string;
  token_endpoint: string;
  device_authorization_endpoint?: string | undefined;
  revocation_endpoint?: string | undefined;
  jwks_uri?: string | undefined;
  /** Epoch seconds. */
  fetchedAt: number;
}

/** Our settings file: registries and the providers they sign in with. */
export interface HelperSettings {
  version: 1;
  registries: Record<string, RegistryEntry>;
  providers: Record<string, ProviderMetadata>;
}

/** A token and what it is good for (epoch seconds). */
export interface CachedToken {
  value: string;
  issuedAt: number;
  expiresAt: number;
}

/** Tokens of one sign-in at an OpenID provider; shared by every registry behind that issuer and client. */
export interface OidcSession {
  kind: 'oidc-session';
  issuer: string;
  clientId: string;
  refreshToken?: string;
  /** The latest access token, with the audience (resource, audience, scope) it was requested for. */
  accessToken?: CachedToken & { audience: string };
  idToken?: CachedToken;
  /** Identity claims of the ID token (sub, preferred_username, email, name): never secret. */
  claims?: Record<string, unknown>;
  /** Epoch seconds of the sign-in. */
  authenticatedAt: number;
  /** When the provider says the refresh token ends (Keycloak's refresh_expires_in), if it says. */
  refreshExpiresAt?: number;
}

/** What `get` answers for a registry, and until when it may be answered again without asking anyone. */
export interface RegistryCredential {
  username: string;
  secret: string;
  issuedAt: number;
  expiresAt: number;
  /** False when the secret can change behind our back (a rotating refresh token): never cache it. */
  cacheable: boolean;
}

/**
 * Registries behind the same provider and client share one sign-in, kept under this account. A
 * sign-in kept outside the keychain is another one (a pipeline's --store none must not be answered
 * from a kernel-kept sign-in of the same client).
 */
export function sessionKeyOf(settings: Pick<RegistrySettings, 'issuer' | 'clientId' | 'store'>): string {
  const store = storeOfRegistry(settings);
  return `${SESSION_KEY_PREFIX}${settings.issuer}#${settings.clientId}${store === 'secret-service' ? '' : ` (${store})`}`;
}

const SESSION_KEY_PREFIX = 'session:';

/**
 * The store an account is kept in, decided in this one place for every command: a sign-in's account
 * names its store (sessionKeyOf), so it is found there whichever registries still use it (none, when
 * a registry has just moved to another store and its old sign-in is being ended); a registry's item
 * is in the store its entry chose; anything else (a `docker login` password) is the keychain's.
 */
export function storeOfAccount(account: string, entryOf: (account: string) => { store?: unknown } | undefined): StoreName {
  if (!account.startsWith(SESSION_KEY_PREFIX)) return storeOfRegistry(entryOf(account));
  const suffix = / \((kernel|none)\)$/.exec(account);
  return suffix ? (suffix[1] as StoreName) : 'secret-service';
}

/** Runs `work` while holding the cross-process lock called `name`. */
export type WithLock = <T>(name: string, work: () => Promise<T>) => Promise<T>;

/** The fetch every request to a provider or registry goes through (proxies, private CAs). */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What the renewer hands back to the `get` waiting on it: the registry credential, over a pipe. */
export interface HandedCredential {
  username: string;
  secret: string;
}

// Freshness: pure arithmetic on the ground floor, so `get`'s hot path never enters oidc/.
/**
 * How long a credential must stay valid after `get` hands it out. BuildKit keeps what a helper
 * returned for about ten minutes (moby/buildkit #5852) and long builds fail on push when it dies
 * sooner (moby/buildkit #5712, docker/buildx #3977).
 */
export const DEFAULT_MIN_VALIDITY_S = 600;

/**
 * True while a token still has `minValidityS` of life left, capped at half its lifetime so that
 * short-lived tokens still work: a 60 s token is handed out with at least 30 s left, not refreshed
 * on every call.
 */
export function isFresh(token: { expiresAt: number; issuedAt: number }, nowS: number, minValidityS = DEFAULT_MIN_VALIDITY_S): boolean {
  return nowS < freshUntilS(token, minValidityS);
}

/** The moment (epoch seconds) a token stops being fresh in the sense of isFresh. */
export function freshUntilS(token: { expiresAt: number; issuedAt: number }, minValidityS = DEFAULT_MIN_VALIDITY_S): number {
  const lifetime = Math.max(0, token.expiresAt - token.issuedAt);
  return token.expiresAt - Math.min(minValidityS, lifetime / 2);
}
