// Turns a sign-in into the credential a registry accepts (through the registry's credential mode),
// refreshing the sign-in's tokens when they are stale (a pipeline's: running its grant again). Used by `get` when it renews and by
// registry-login when it finishes. The caller holds the sign-in's lock; the rotated session is
// stored before anything else can fail, so a rotated refresh token is never lost.
import type { Deps } from './deps.js';
import { HelperError } from '../errors.js';
import { clientSecretOf } from '../config/clientSecret.js';
import {
  isPipelineGrant,
  sessionKeyOf,
  type CachedToken,
  type Fetch,
  type OidcSession,
  type RegistryCredential,
  type RegistryEntry,
  isFresh,
} from '../model.js';
import { providerFromMetadata } from '../oidc/discovery.js';
import { CREDENTIAL_MODE_HANDLERS } from '../oidc/modes/index.js';
import type { ModeContext } from '../oidc/modes/modeContext.js';
import { runPipelineGrant } from '../oidc/pipelineGrant.js';
import { providerMetadataFor } from './providerEndpoints.js';
import type { ConfiguredRegistry } from './configuredRegistry.js';
import { sessionFromTokens } from '../oidc/tokenResponse.js';
import { refreshSession } from '../oidc/refresh.js';
import { audienceKey } from '../oidc/tokenMath.js';
import type { DerivedCredentialRecord, StoredRecord } from '../store/record.js';
import { usefulUntil } from './itemLifetime.js';

export function derivedRecord(entry: RegistryEntry, credential: RegistryCredential): DerivedCredentialRecord {
  return {
    kind: 'derived',
    serverURL: entry.serverURL,
    username: credential.username,
    secret: credential.secret,
    issuedAt: credential.issuedAt,
    expiresAt: credential.expiresAt,
    sessionKey: sessionKeyOf(entry),
    ...(entry.minValidity !== undefined ? { minValidity: entry.minValidity } : {}),
  };
}

/**
 * Stores a record of the registry's sign-in. A person's rotated refresh token must be kept, so any
 * failure is the answer; a pipeline's tokens are only a cache (the grant can run again), so a store
 * that is full or gone (the kernel keyring's per-user quota) costs a grant per `get`, not the build.
 */
export async function keep(deps: Deps, entry: RegistryEntry, account: string, record: StoredRecord, session: OidcSession): Promise<void> {
  try {
    await deps.items.write(account, record, usefulUntil(entry, record, session));
  } catch (error) {
    const cacheOnly = isPipelineGrant(entry.grant) && error instanceof HelperError && error.code.startsWith('keychain-');
    if (!cacheOnly) throw error;
  }
}

/**
 * The next state of a sign-in: a person's session is refreshed with its refresh token; a pipeline
 * runs its grant again, with a fresh CI token (oidc/pipelineGrant.ts).
 */
export async function renewSession(deps: Deps, registry: ConfiguredRegistry, session: OidcSession, fetch: Fetch, podToken?: string): Promise<OidcSession> {
  const { entry } = registry;
  const metadata = await providerMetadataFor(deps, registry, fetch);
  if (isPipelineGrant(entry.grant)) {
    const tokens = await runPipelineGrant({ settings: entry, provider: metadata, registry: registry.host, env: deps.env, fetch, podToken });
    return sessionFromTokens(tokens, entry, deps.nowS());
  }
  const provider = providerFromMetadata(metadata, entry.clientId, fetch, clientSecretOf(entry, deps.env));
  return refreshSession(provider, session, entry, registry.host, deps.nowS);
}

export async function deriveCredential(
  deps: Deps,
  registry: ConfiguredRegistry,
  initialSession: OidcSession,
  /** A kubelet request's pod token, for --ci-token kubelet: it exists only for that request. */
  podToken?: string,
): Promise<{ credential: RegistryCredential; session: OidcSession }> {
  const { entry, host: registryHost, sessionKey } = registry;
  let session = initialSession;
  let fetch: Fetch | undefined;
  const fetchOnce = () => (fetch ??= deps.fetchFor(entry.caFile));

  const refresh = async () => {
    session = await renewSession(deps, registry, session, fetchOnce(), podToken);
    await keep(deps, entry, sessionKey, session, session);
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
      if (!current || current.audience !== audienceKey(entry) || !isFresh(current, deps.nowS(), entry.minValidity)) await refresh();
      return session.accessToken!;
    },
    async idToken(): Promise<CachedToken> {
      if (!session.idToken || !isFresh(session.idToken, deps.nowS(), entry.minValidity)) await refresh();
      if (!session.idToken) throw new HelperError('idp-error', `${entry.issuer} issued no ID token: add openid to --scope`);
      return session.idToken;
    },
  };
  const credential = await CREDENTIAL_MODE_HANDLERS[entry.mode](context);
  return { credential, session };
}
