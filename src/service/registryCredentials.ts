// The protocol's use cases over every kind of credential we hold: static ones from `docker login`,
// and registries signed in with OIDC. The hot path (`get` of a cached credential) is one keychain
// read; the OIDC machinery is loaded only when a token must be renewed or a session ended.
import { configuredRegistries } from '../config/helperConfigPath.js';
import { HelperError } from '../errors.js';
import { IDENTITY_TOKEN_USERNAME } from '../oidc/exchange/identityToken.js';
import { isFresh } from '../oidc/tokenMath.js';
import { CREDENTIALS_NOT_FOUND } from '../protocol/messages.js';
import { hostWithPort, parseServerUrl } from '../protocol/serverUrl.js';
import type { Credentials } from '../protocol/wire.js';
import { decodeRecord, encodeRecord, type StoredRecord } from '../store/record.js';
import type { SecretStore } from '../store/secretStore.js';
import type { SessionPort } from './sessionPort.js';

export interface RegistryCredentialsDeps {
  store: SecretStore;
  configPath: string;
  sessions: () => Promise<SessionPort>;
  nowS: () => number;
}

export function notSignedIn(registry: string): HelperError {
  return new HelperError('session-expired', `not signed in to ${registry}: run "registry-login ${registry}"`);
}

export function notFound(): HelperError {
  return new HelperError('credentials-not-found', CREDENTIALS_NOT_FOUND);
}

async function readRecord(store: SecretStore, key: string): Promise<StoredRecord | null> {
  const raw = await store.read(key);
  return raw === null ? null : decodeRecord(raw, key);
}

export async function getCredentials(serverUrl: string, deps: RegistryCredentialsDeps): Promise<Credentials> {
  const { key } = parseServerUrl(serverUrl);
  const record = await readRecord(deps.store, key);
  if (record?.kind === 'static') return { ServerURL: serverUrl, Username: record.username, Secret: record.secret };
  if (record?.kind === 'derived' && isFresh(record, deps.nowS())) {
    return { ServerURL: serverUrl, Username: record.username, Secret: record.secret };
  }
  if (!record) {
    // A configured registry without an item was signed out (or never signed in): say what to run.
    if (configuredRegistries(deps.configPath)[key]) throw notSignedIn(hostWithPort(parseServerUrl(serverUrl)));
    throw notFound();
  }
  if (record.kind === 'oidc-session') throw notFound();
  const credential = await (await deps.sessions()).credentialFromSession(key);
  if (!credential) throw notFound();
  return { ServerURL: serverUrl, Username: credential.username, Secret: credential.secret };
}

export async function storeCredentials(credentials: Credentials, deps: RegistryCredentialsDeps): Promise<void> {
  const { key } = parseServerUrl(credentials.ServerURL);
  // After a login docker stores what `get` just handed out: keep the session, store nothing.
  let existing: StoredRecord | null = null;
  try {
    existing = await readRecord(deps.store, key);
  } catch (error) {
    if (!(error instanceof HelperError && error.code === 'corrupt-item')) throw error;
  }
  if (existing?.kind === 'derived' && existing.username === credentials.Username && existing.secret === credentials.Secret) return;
  if (credentials.Username === IDENTITY_TOKEN_USERNAME && configuredRegistries(deps.configPath)[key]) {
    if ((await (await deps.sessions()).currentRefreshToken(key)) === credentials.Secret) return;
  }
  // Anything else is the person's explicit choice (docker login -u), even on an OIDC registry.
  await deps.store.write(
    key,
    encodeRecord({ kind: 'static', serverURL: credentials.ServerURL, username: credentials.Username, secret: credentials.Secret }),
  );
}

/** docker logout: the registry's credential goes, and so does its sign-in session. Missing is fine. */
export async function eraseCredentials(serverUrl: string, deps: RegistryCredentialsDeps): Promise<void> {
  const { key } = parseServerUrl(serverUrl);
  if (configuredRegistries(deps.configPath)[key]) {
    await (await deps.sessions()).logout(key, { forget: false });
    return;
  }
  await deps.store.remove(key);
}

/** serverURL → username for every registry we can answer `get` for. */
export async function listCredentials(deps: RegistryCredentialsDeps): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const { account, value } of await deps.store.entries()) {
    let record: StoredRecord;
    try {
      record = decodeRecord(value, account);
    } catch {
      continue; // one unreadable item must not hide the others from docker build
    }
    if (record.kind !== 'oidc-session') result.set(record.serverURL, record.username);
  }
  return result;
}
