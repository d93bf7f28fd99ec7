// Turns a sign-in into the credential a registry accepts (through the registry's credential mode),
// refreshing the sign-in's tokens when they are stale. Used by `get` when it renews and by
// registry-login when it finishes. The caller holds the sign-in's lock; the rotated session is
// stored before anything else can fail, so a rotated refresh token is never lost.
import type * as OpenIdClient from 'openid-client';
import type { Deps } from '../deps.js';
import { HelperError } from '../errors.js';
import { clientSecretOf } from '../config/clientSecret.js';
import { lookup, withKey } from '../config/ownKeys.js';
import { sessionKeyOf, type CachedToken, type Fetch, type OidcSession, type RegistryCredential, type RegistryEntry } from '../model.js';
import { discoverProvider, providerFromMetadata } from '../oidc/discovery.js';
import { CREDENTIAL_MODE_HANDLERS } from '../oidc/modes/index.js';
import type { ModeContext } from '../oidc/modes/modeContext.js';
import { refreshSession } from '../oidc/refresh.js';
import { audienceKey, isFresh } from '../oidc/tokenMath.js';
import { hostWithPort, parseServerUrl } from '../registryAddress.js';
import type { DerivedCredentialRecord } from '../store/record.js';

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

/** Provider endpoints saved at sign-in; discovered (and saved) again only if they are missing. */
async function providerFor(deps: Deps, entry: RegistryEntry, registry: string, fetch: Fetch): Promise<OpenIdClient.Configuration> {
  const saved = lookup((await deps.settings.read()).providers, entry.issuer);
  const secret = clientSecretOf(entry, deps.env);
  if (saved) return providerFromMetadata(saved, entry.clientId, fetch, secret);
  const { config, metadata } = await discoverProvider(entry, registry, fetch, deps.nowS(), secret);
  await deps.settings.update((s) => ({ ...s, providers: withKey(s.providers, entry.issuer, metadata) }));
  return config;
}

export async function deriveCredential(
  deps: Deps,
  entry: RegistryEntry,
  initialSession: OidcSession,
): Promise<{ credential: RegistryCredential; session: OidcSession }> {
  const registryHost = hostWithPort(parseServerUrl(entry.serverURL));
  const sessionKey = sessionKeyOf(entry);
  let session = initialSession;
  let fetch: Fetch | undefined;
  const fetchOnce = () => (fetch ??= deps.fetchFor(entry.caFile));

  const refresh = async () => {
    const provider = await providerFor(deps, entry, registryHost, fetchOnce());
    session = await refreshSession(provider, session, entry, registryHost, deps.nowS);
    await deps.items.write(sessionKey, session);
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
