// The classic credential-helper use cases (store/get/erase/list) over the secret store. Items are
// keyed by the normalised registry address, so storing a server again under another username
// replaces its item instead of adding a second one (the Go secretservice helper's bug).
import { HelperError } from '../errors.js';
import { CREDENTIALS_NOT_FOUND } from '../protocol/messages.js';
import { parseServerUrl } from '../protocol/serverUrl.js';
import type { Credentials } from '../protocol/wire.js';
import { decodeRecord, encodeRecord, type StaticCredentialRecord, type StoredRecord } from '../store/record.js';
import type { SecretStore } from '../store/secretStore.js';

export function notFound(): HelperError {
  return new HelperError('credentials-not-found', CREDENTIALS_NOT_FOUND);
}

export async function readStaticCredential(store: SecretStore, serverUrl: string): Promise<StaticCredentialRecord | null> {
  const { key } = parseServerUrl(serverUrl);
  const raw = await store.read(key);
  if (raw === null) return null;
  const record = decodeRecord(raw, key);
  return record.kind === 'static' ? record : null;
}

export async function storeStaticCredential(store: SecretStore, credentials: Credentials): Promise<void> {
  const { key } = parseServerUrl(credentials.ServerURL);
  const record: StaticCredentialRecord = {
    kind: 'static',
    serverURL: credentials.ServerURL,
    username: credentials.Username,
    secret: credentials.Secret,
  };
  await store.write(key, encodeRecord(record));
}

/** Resolves false when nothing was stored for that server: docker logout tolerates that. */
export async function eraseStaticCredential(store: SecretStore, serverUrl: string): Promise<boolean> {
  const { key } = parseServerUrl(serverUrl);
  return store.remove(key);
}

/** serverURL → username of every static credential we hold; an unreadable item is skipped, not fatal. */
export async function listStaticCredentials(store: SecretStore): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const { account, value } of await store.entries()) {
    let record: StoredRecord;
    try {
      record = decodeRecord(value, account);
    } catch {
      continue;
    }
    if (record.kind === 'static') result.set(record.serverURL, record.username);
  }
  return result;
}
