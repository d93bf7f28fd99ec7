// What `status` reports per configured registry, and the sign-ins no registry uses any more:
// never a secret, only facts about them. An item that cannot be read is shown as such; the others
// are still listed.
import type { Deps } from './deps.js';
import { HelperError } from '../errors.js';
import { isPipelineGrant, sessionKeyOf, storeOfRegistry, type OidcSession, type StoreName, DEFAULT_MIN_VALIDITY_S } from '../model.js';
import { parseServerUrl } from '../protocol/registryAddress.js';
import { credentialHelper } from './credentialHelper.js';
import { usernameFor } from '../oidc/tokenMath.js';
import type { StoredRecord } from '../store/record.js';

export interface RegistryStatus {
  registry: string;
  issuer: string;
  clientId: string;
  mode: string;
  /** How tokens are obtained (auto, device-code, ..., client-credentials, token-exchange, jwt-bearer). */
  grant: string;
  /** A pipeline: `get` obtains tokens by itself, no person ever needed. */
  pipeline: boolean;
  /** Where its tokens are kept. */
  store: StoreName;
  user: string | null;
  signedIn: boolean;
  /** A static credential from docker login overrides the session for this registry. */
  staticCredential: boolean;
  refreshToken: boolean;
  /** Epoch seconds of the credential `get` answers with next, when known. */
  accessTokenExpiresAt: number | null;
  sessionValidUntil: number | null;
  /** Why the registry's keychain item (or its sign-in's) cannot be read; the item needs a new login. */
  unreadable?: string;
  /** Set when the credential `get` hands out lives less than the registry's minimum validity. */
  shortLivedCredential?: { lifetime: number; minValidity: number };
}

/** A sign-in kept in the keychain that no configured registry uses (e.g. after a change of --client-id). */
export interface OrphanedSession {
  issuer: string;
  clientId: string;
}

async function readOrNote<T>(read: () => Promise<T>, notes: string[]): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof HelperError && error.code === 'corrupt-item') {
      notes.push(error.message);
      return null;
    }
    throw error;
  }
}

export async function registryStatuses(deps: Deps): Promise<{ registries: RegistryStatus[]; orphanedSessions: OrphanedSession[] }> {
  const settings = await deps.settings.read();
  const registries: RegistryStatus[] = [];
  const usedSessions = new Set<string>();
  for (const [key, entry] of Object.entries(settings.registries).sort(([a], [b]) => a.localeCompare(b))) {
    usedSessions.add(sessionKeyOf(entry));
    const notes: string[] = [];
    const session: OidcSession | null = await readOrNote(() => deps.items.readKind(sessionKeyOf(entry), 'oidc-session'), notes);
    const record: StoredRecord | null = await readOrNote(() => deps.items.read(key), notes);
    const expiresAt = record?.kind === 'derived' ? record.expiresAt : (session?.accessToken?.expiresAt ?? null);
    registries.push({
      registry: key,
      issuer: entry.issuer,
      clientId: entry.clientId,
      mode: entry.mode,
      grant: entry.grant ?? 'auto',
      pipeline: isPipelineGrant(entry.grant),
      store: storeOfRegistry(entry),
      user: record?.kind === 'static' ? record.username : session ? usernameFor(entry, session.claims) : null,
      signedIn: isPipelineGrant(entry.grant) || (record !== null && record.kind !== 'oidc-session' && (record.kind === 'static' || Boolean(session))),
      staticCredential: record?.kind === 'static',
      refreshToken: Boolean(session?.refreshToken),
      accessTokenExpiresAt: record?.kind === 'static' ? null : expiresAt,
      sessionValidUntil: session?.refreshExpiresAt ?? null,
      ...(notes.length ? { unreadable: notes.join('; ') } : {}),
      ...(record?.kind === 'derived' && record.expiresAt - record.issuedAt < (entry.minValidity ?? DEFAULT_MIN_VALIDITY_S)
        ? { shortLivedCredential: { lifetime: record.expiresAt - record.issuedAt, minValidity: entry.minValidity ?? DEFAULT_MIN_VALIDITY_S } }
        : {}),
    });
  }
  const orphanedSessions: OrphanedSession[] = [];
  for (const item of await deps.items.entries()) {
    if ('record' in item && item.record.kind === 'oidc-session' && !usedSessions.has(item.account)) {
      orphanedSessions.push({ issuer: item.record.issuer, clientId: item.record.clientId });
    }
  }
  return { registries, orphanedSessions };
}

export interface ReadinessCheck {
  registry: string;
  ready: boolean;
  /** Why not, as `get` would say it. */
  reason?: string;
}

/**
 * status --check: can `get` answer for each registry (or the one given) right now, without a person?
 * It asks exactly as docker would, so a stale token is renewed (a pipeline runs its grant) on the way:
 * the preflight a CI fan-out runs before starting twenty jobs that would each fail at their push.
 */
export async function checkReadiness(deps: Deps, only?: string): Promise<ReadinessCheck[]> {
  const settings = await deps.settings.read();
  const targets = only !== undefined ? [parseServerUrl(only).key] : Object.keys(settings.registries).sort();
  const helper = credentialHelper(deps);
  const results: ReadinessCheck[] = [];
  for (const key of targets) {
    const serverUrl = settings.registries[key]?.serverURL ?? only ?? key;
    try {
      await helper.get(serverUrl);
      results.push({ registry: key, ready: true });
    } catch (error) {
      const reason =
        error instanceof HelperError && error.code === 'credentials-not-found'
          ? `no credentials for ${key}: run "registry-login ${key}" or docker login`
          : error instanceof Error
            ? error.message
            : String(error);
      results.push({ registry: key, ready: false, reason });
    }
  }
  return results;
}
