// logout (and docker logout's erase): the end of a registry's sign-in, here and at the provider.
// Registries behind the same sign-in keep it; the sign-in ends, and its refresh token is revoked
// (RFC 7009), with the last of them.
import type { Deps } from './deps.js';
import { lookup, withKey } from '../config/ownKeys.js';
import { registriesOfSession } from '../config/settingsFile.js';
import { clientSecretOf } from '../config/clientSecret.js';
import { sessionKeyOf, type HelperSettings, type OidcSession, type RegistrySettings } from '../model.js';
import { revokeRefreshToken } from '../oidc/revocation.js';
import { hostWithPort, parseServerUrl } from '../protocol/registryAddress.js';

export interface LogoutReport {
  registry: string;
  removedItem: boolean;
  sessionEnded: boolean;
  revoked: boolean;
  /** Set when revocation could not reach the provider: the local tokens are gone all the same. */
  revocationWarning?: string;
  /** Registries that keep the shared sign-in. */
  sharedWith: string[];
}

export async function logoutRegistry(deps: Deps, key: string, { forget }: { forget: boolean }): Promise<LogoutReport> {
  const settings = await deps.settings.read();
  const entry = lookup(settings.registries, key);
  const report: LogoutReport = {
    registry: entry ? hostWithPort(parseServerUrl(entry.serverURL)) : key,
    removedItem: await deps.items.remove(key),
    sessionEnded: false,
    revoked: false,
    sharedWith: [],
  };
  if (entry) {
    const others = registriesOfSession(settings, sessionKeyOf(entry)).filter((k) => k !== key);
    const othersSignedIn = (await Promise.all(others.map((k) => deps.items.has(k)))).some(Boolean);
    if (othersSignedIn) report.sharedWith = others;
    else Object.assign(report, await endSession(deps, settings, sessionKeyOf(entry), entry));
  }
  if (forget && entry) await deps.settings.update((s) => ({ ...s, registries: withKey(s.registries, key, undefined) }));
  return report;
}

/** Revokes the sign-in's refresh token (best effort) and removes the sign-in, under its lock. */
/** How to reach the provider for a revocation: the CA file and where the client secret is, if any. */
type ClientSettings = Pick<RegistrySettings, 'caFile' | 'clientSecretFile' | 'clientSecretEnv'> | undefined;

export async function endSession(
  deps: Deps,
  settings: HelperSettings,
  sessionKey: string,
  clientSettings: ClientSettings,
): Promise<Pick<LogoutReport, 'sessionEnded' | 'revoked' | 'revocationWarning'>> {
  return deps.withLock(sessionKey, async () => {
    const outcome: Pick<LogoutReport, 'sessionEnded' | 'revoked' | 'revocationWarning'> = { sessionEnded: false, revoked: false };
    let session: OidcSession | null = null;
    try {
      session = await deps.items.readKind(sessionKey, 'oidc-session');
    } catch {
      // An unreadable sign-in cannot be revoked, but it can still be removed.
    }
    const metadata = session ? lookup(settings.providers, session.issuer) : undefined;
    if (session?.refreshToken && metadata?.revocation_endpoint) {
      let secret: string | undefined;
      try {
        secret = clientSettings ? clientSecretOf(clientSettings, deps.env) : undefined;
      } catch {
        // Revocation is best effort: without the secret the provider refuses it, and says so below.
      }
      const revocation = await revokeRefreshToken(metadata, session.clientId, session.refreshToken, deps.fetchFor(clientSettings?.caFile), secret);
      outcome.revoked = revocation.revoked;
      if (revocation.warning) outcome.revocationWarning = revocation.warning;
    }
    outcome.sessionEnded = await deps.items.remove(sessionKey);
    return outcome;
  });
}

export interface LogoutAllReport {
  registries: LogoutReport[];
  /** Every other item of ours that was removed: docker login passwords, sign-ins no registry uses. */
  removedItems: number;
}

/** Every registry, then every item of ours that is left (static credentials, orphaned sign-ins, unreadable items). */
export async function logoutAll(deps: Deps, { forget }: { forget: boolean }): Promise<LogoutAllReport> {
  const settings = await deps.settings.read();
  const registries: LogoutReport[] = [];
  // Forgotten only at the end: until then the settings say which stores hold items to list.
  for (const key of Object.keys(settings.registries)) registries.push(await logoutRegistry(deps, key, { forget: false }));
  let removedItems = 0;
  for (const item of await deps.items.entries()) {
    const record = 'record' in item ? item.record : null;
    if (record?.kind === 'oidc-session') {
      const client = Object.values(settings.registries).find((e) => e.issuer === record.issuer && e.clientId === record.clientId);
      if ((await endSession(deps, settings, item.account, client)).sessionEnded) removedItems++;
    } else if (await deps.items.remove(item.account)) {
      removedItems++;
    }
  }
  if (forget) await deps.settings.update((s) => ({ ...s, registries: {} }));
  return { registries, removedItems };
}
