// What `status` reports per configured registry: never a secret, only facts about them.
import { readHelperConfig } from '../config/helperConfigFile.js';
import { sessionKeyOf } from '../config/registrySettings.js';
import { usernameFor } from '../oidc/tokenMath.js';
import { decodeRecord } from '../store/record.js';
import type { SecretStore } from '../store/secretStore.js';
import { readSession } from './sessionCredential.js';

export interface RegistryStatus {
  registry: string;
  issuer: string;
  clientId: string;
  mode: string;
  user: string | null;
  signedIn: boolean;
  /** A static credential from docker login overrides the session for this registry. */
  staticCredential: boolean;
  refreshToken: boolean;
  /** Epoch seconds of the credential `get` answers with next, when known. */
  accessTokenExpiresAt: number | null;
  sessionValidUntil: number | null;
}

export async function registryStatuses(store: SecretStore, configPath: string): Promise<RegistryStatus[]> {
  const config = readHelperConfig(configPath);
  const statuses: RegistryStatus[] = [];
  for (const [key, entry] of Object.entries(config.registries).sort(([a], [b]) => a.localeCompare(b))) {
    const session = await readSession(store, sessionKeyOf(entry));
    const raw = await store.read(key);
    const record = raw === null ? null : decodeRecord(raw, key);
    const expiresAt = record?.kind === 'derived' ? record.expiresAt : (session?.accessToken?.expiresAt ?? null);
    statuses.push({
      registry: key,
      issuer: entry.issuer,
      clientId: entry.clientId,
      mode: entry.mode,
      user: record?.kind === 'static' ? record.username : session ? usernameFor(entry, session.claims) : null,
      signedIn: record !== null && record.kind !== 'oidc-session' && (record.kind === 'static' || Boolean(session)),
      staticCredential: record?.kind === 'static',
      refreshToken: Boolean(session?.refreshToken),
      accessTokenExpiresAt: record?.kind === 'static' ? null : expiresAt,
      sessionValidUntil: session?.refreshExpiresAt ?? null,
    });
  }
  return statuses;
}
