// What one keychain item holds. A small versioned JSON record, so that static credentials (docker
// login) and OIDC sessions live side by side and later versions can read what older ones wrote.
import { HelperError } from '../errors.js';
import type { OidcSession } from '../model.js';

const RECORD_VERSION = 1;

/** A username and password given to `docker login` (or migrated from config.json). */
interface StaticCredentialRecord {
  kind: 'static';
  serverURL: string;
  username: string;
  secret: string;
}

/**
 * What `get` last handed a registry for a session (an access token, an ACR refresh token), cached
 * under the registry's own item so that the hot path is one keychain read.
 */
export interface DerivedCredentialRecord {
  kind: 'derived';
  serverURL: string;
  username: string;
  secret: string;
  issuedAt: number;
  expiresAt: number;
  sessionKey: string;
  /** The registry's minimum validity when this was cached: `get` checks it without the settings file. */
  minValidity?: number;
}

/**
 * Marks a registry as signed in through a session when nothing about it can be cached (identity-token
 * mode hands out the session's rotating refresh token itself). Every signed-in registry has an item.
 */
interface SessionBindingRecord {
  kind: 'session-binding';
  serverURL: string;
  username: string;
  sessionKey: string;
}

export type StoredRecord = StaticCredentialRecord | OidcSession | DerivedCredentialRecord | SessionBindingRecord;

export function encodeRecord(record: StoredRecord): string {
  return JSON.stringify({ v: RECORD_VERSION, ...record });
}

const KINDS: ReadonlySet<string> = new Set(['static', 'oidc-session', 'derived', 'session-binding']);

/** `account` names the item in errors; the raw value is never echoed, it may hold a secret. */
export function decodeRecord(raw: string, account: string): StoredRecord {
  const corrupt = (why: string) =>
    new HelperError('corrupt-item', `the keychain item for ${account} cannot be read (${why}): remove it with "docker logout ${account}" and log in again`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw corrupt('not a docker-credential-oidc record');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw corrupt('not a record');
  const { v, ...record } = value as { v?: unknown } & Record<string, unknown>;
  if (typeof v !== 'number') throw corrupt('no version');
  if (v > RECORD_VERSION) throw corrupt(`written by a newer docker-credential-oidc (record version ${v})`);
  if (typeof record.kind !== 'string' || !KINDS.has(record.kind)) throw corrupt('unknown kind');
  if (record.kind === 'derived' && (typeof record.expiresAt !== 'number' || typeof record.issuedAt !== 'number')) {
    throw corrupt('no expiry');
  }
  if (record.kind === 'static' || record.kind === 'derived') {
    for (const field of ['serverURL', 'username', 'secret'] as const) {
      if (typeof record[field] !== 'string') throw corrupt(`no ${field}`);
    }
  }
  if (record.kind === 'session-binding') {
    for (const field of ['serverURL', 'username', 'sessionKey'] as const) {
      if (typeof record[field] !== 'string') throw corrupt(`no ${field}`);
    }
  }
  if (record.kind === 'oidc-session') {
    if (typeof record.issuer !== 'string' || typeof record.clientId !== 'string') throw corrupt('no issuer');
  }
  return record as unknown as StoredRecord;
}
