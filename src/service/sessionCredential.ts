// The slow path of `get` for a registry signed in with OIDC: its cached credential is missing or
// about to expire. Everything happens under the session's cross-process lock, so that many `get`s
// at once (BuildKit, parallel builds) make exactly one refresh: providers rotate refresh tokens and
// revoke the whole grant when a used one is replayed (measured with oidc-provider; Keycloak and
// Entra ID do the same), so two concurrent refreshes would sign the person out.
import { readHelperConfig, updateHelperConfig } from '../config/helperConfigFile.js';
import type { ProviderMetadata, RegistryEntry } from '../config/helperConfig.js';
import { sessionKeyOf } from '../config/registrySettings.js';
import { HelperError } from '../errors.js';
import { notSignedIn } from './registryCredentials.js';
import { CREDENTIAL_MODE_IMPLEMENTATIONS } from '../oidc/exchange/index.js';
import type { ModeContext, RegistryCredential } from '../oidc/exchange/registryCredential.js';
import { createFetch, type Fetch } from '../oidc/httpClient.js';
import { discoverProvider, providerFromMetadata } from '../oidc/provider.js';
import { refreshSession } from '../oidc/sessionTokens.js';
import { audienceKey, isFresh } from '../oidc/tokenMath.js';
import { hostWithPort, parseServerUrl } from '../protocol/serverUrl.js';
import type { WithLock } from '../store/fileLock.js';
import { decodeRecord, encodeRecord, type CachedToken, type DerivedCredentialRecord, type OidcSessionRecord } from '../store/record.js';
import type { SecretStore } from '../store/secretStore.js';
import type * as OpenIdClient from 'openid-client';

export interface SessionDeps {
  store: SecretStore;
  withLock: WithLock;
  configPath: string;
  env: NodeJS.ProcessEnv;
  nowS: () => number;
  /** Injectable for tests; defaults to undici with proxy and CA support. */
  fetchFor?: (caFile: string | undefined) => Fetch;
}

export async function readSession(store: SecretStore, sessionKey: string): Promise<OidcSessionRecord | null> {
  const raw = await store.read(sessionKey);
  if (raw === null) return null;
  const record = decodeRecord(raw, sessionKey);
  return record.kind === 'oidc-session' ? record : null;
}

async function readDerived(store: SecretStore, key: string): Promise<DerivedCredentialRecord | null> {
  const raw = await store.read(key);
  if (raw === null) return null;
  const record = decodeRecord(raw, key);
  return record.kind === 'derived' ? record : null;
}

export function derivedRecord(entry: RegistryEntry, credential: RegistryCredential): DerivedCredentialRecord {
  return {
    kind: 'derived',
    serverURL: entry.serverURL,
    username: credential.username,
    secret: credential.secret,
    issuedAt: credential.issuedAt,
    expiresAt: credential.expiresAt,
    sessionKey: sessionKeyOf(entry),
  };
}

/** Provider endpoints saved at sign-in; discovered (and saved) again only if they are missing. */
async function providerFor(entry: RegistryEntry, deps: SessionDeps, fetch: Fetch): Promise<OpenIdClient.Configuration> {
  const saved: ProviderMetadata | undefined = readHelperConfig(deps.configPath).providers[entry.issuer];
  if (saved) return providerFromMetadata(saved, entry.clientId, fetch);
  const { config, metadata } = await discoverProvider(entry, fetch, deps.nowS());
  await updateHelperConfig(deps.configPath, deps.withLock, (c) => ({ ...c, providers: { ...c.providers, [entry.issuer]: metadata } }));
  return config;
}

/**
 * Derives the registry's credential from the session, refreshing the session when its tokens are
 * stale. The caller holds the session lock. Saves the rotated session before anything else can fail.
 */
export async function deriveCredential(
  entry: RegistryEntry,
  initialSession: OidcSessionRecord,
  deps: SessionDeps,
): Promise<{ credential: RegistryCredential; session: OidcSessionRecord }> {
  const registryHost = hostWithPort(parseServerUrl(entry.serverURL));
  const sessionKey = sessionKeyOf(entry);
  let session = initialSession;
  let fetch: Fetch | undefined;
  const fetchOnce = () => (fetch ??= (deps.fetchFor ?? ((caFile) => createFetch({ caFile, env: deps.env })))(entry.caFile));

  const refresh = async () => {
    const provider = await providerFor(entry, deps, fetchOnce());
    session = await refreshSession(provider, session, entry, registryHost, deps.nowS);
    await deps.store.write(sessionKey, encodeRecord(session));
  };
  const context: ModeContext = {
    registryHost,
    settings: entry,
    get session() {
      return session;
    },
    fetch: (input, init) => fetchOnce()(input, init),
    nowS: deps.nowS,
    async accessToken(): Promise<CachedToken> {
      const current = session.accessToken;
      if (!current || current.audience !== audienceKey(entry) || !isFresh(current, deps.nowS())) await refresh();
      return session.accessToken!;
    },
    async idToken(): Promise<CachedToken> {
      if (!session.idToken || !isFresh(session.idToken, deps.nowS())) await refresh();
      if (!session.idToken) throw new HelperError('idp-error', `${entry.issuer} issued no ID token: add openid to --scope`);
      return session.idToken;
    },
  };
  const credential = await CREDENTIAL_MODE_IMPLEMENTATIONS[entry.mode](context);
  return { credential, session };
}

/** `get` for a registry configured for OIDC whose cached credential is missing or stale. */
export async function credentialFromSession(key: string, deps: SessionDeps): Promise<RegistryCredential | null> {
  const entry = readHelperConfig(deps.configPath).registries[key];
  if (!entry) return null;
  const sessionKey = sessionKeyOf(entry);
  const registry = hostWithPort(parseServerUrl(entry.serverURL));

  if (entry.mode === 'identity-token') {
    // Nothing to refresh: the client redeems the refresh token itself.
    const session = await readSession(deps.store, sessionKey);
    if (!session) throw notSignedIn(registry);
    return (await deriveCredential(entry, session, deps)).credential;
  }

  return deps.withLock(sessionKey, async () => {
    // Another process may have renewed it while we waited for the lock.
    const cached = await readDerived(deps.store, key);
    if (cached && isFresh(cached, deps.nowS())) return { ...cached, cacheable: true };
    const session = await readSession(deps.store, sessionKey);
    if (!session) throw notSignedIn(registry);
    const { credential } = await deriveCredential(entry, session, deps);
    if (credential.cacheable) await deps.store.write(key, encodeRecord(derivedRecord(entry, credential)));
    return credential;
  });
}
