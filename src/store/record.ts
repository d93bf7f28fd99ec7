// What one keychain item holds. A small versioned JSON record, so that static credentials (docker
// login) and OIDC sessions live side by side and later versions can read what older ones wrote.
import { HelperError } from '../errors.js';

export const RECORD_VERSION = 1;

/** A username and password given to `docker login` (or migrated from config.json). */
export interface StaticCredentialRecord {
  kind: 'static';
  serverURL: string;
  username: string;
  secret: string;
}

/** Tokens of one sign-in at an OpenID provider; shared by every registry behind that issuer and client. */
export interface OidcSessionRecord {
  kind: 'oidc-session';
  issuer: string;
  clientId: string;
  refreshToken?: string;
  accessToken?: string;
  /** Epoch seconds. */
  accessTokenExpiresAt?: number;
  idToken?: string;
  /** Claims of the ID token we need without re-decoding it (never secret). */
  subject?: string;
  claims?: Record<string, unknown>;
  /** Epoch seconds of the sign-in. */
  authenticatedAt: number;
}

/** A registry credential derived from a session (e.g. an ACR refresh token), cached until it expires. */
export interface DerivedCredentialRecord {
  kind: 'derived';
  serverURL: string;
  username: string;
  secret: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** The session's access token it was derived from is no longer needed to use it. */
  sessionKey: string;
}

export type StoredRecord = StaticCredentialRecord | OidcSessionRecord | DerivedCredentialRecord;

export function encodeRecord(record: StoredRecord): string {
  return JSON.stringify({ v: RECORD_VERSION, ...record });
}

const KINDS: ReadonlySet<string> = new Set(['static', 'oidc-session', 'derived']);

/** `account` names the item in errors; the raw value is never echoed, it may hold a secret. */
export function decodeRecord(raw: string, account: string): StoredRecord {
  const corrupt = (why: string) =>
    new HelperError(
      'corrupt-item',
      `the keychain item for ${account} cannot be read (${why}): remove it with "docker logout ${account}" and log in again`,
    );
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
  if (record.kind === 'static' || record.kind === 'derived') {
    for (const field of ['serverURL', 'username', 'secret'] as const) {
      if (typeof record[field] !== 'string') throw corrupt(`no ${field}`);
    }
  }
  if (record.kind === 'oidc-session') {
    if (typeof record.issuer !== 'string' || typeof record.clientId !== 'string') throw corrupt('no issuer');
  }
  return record as unknown as StoredRecord;
}
