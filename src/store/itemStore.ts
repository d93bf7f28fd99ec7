// The typed layer over the keychain: every item is a versioned record (store/record.ts), read,
// decoded and checked for its kind in one place. Nothing above this file sees raw item text.
import { HelperError } from '../errors.js';
import { decodeRecord, encodeRecord, type StoredRecord } from './record.js';
import type { SecretStore } from './secretStore.js';

type RecordOfKind<K extends StoredRecord['kind']> = Extract<StoredRecord, { kind: K }>;

/** One item as `entries` lists it: its record, or why it cannot be read (never its content). */
export type ListedItem = { account: string; record: StoredRecord } | { account: string; unreadable: HelperError };

export class ItemStore {
  constructor(readonly secrets: SecretStore) {}

  async read(account: string): Promise<StoredRecord | null> {
    const raw = await this.secrets.read(account);
    return raw === null ? null : decodeRecord(raw, account);
  }

  /** The item if it is of that kind; null when it is missing or of another kind. */
  async readKind<K extends StoredRecord['kind']>(account: string, kind: K): Promise<RecordOfKind<K> | null> {
    const record = await this.read(account);
    return record?.kind === kind ? (record as RecordOfKind<K>) : null;
  }

  /** Like read, but an item that cannot be decoded reads as missing (it is about to be replaced). */
  async readReplaceable(account: string): Promise<StoredRecord | null> {
    try {
      return await this.read(account);
    } catch (error) {
      if (error instanceof HelperError && error.code === 'corrupt-item') return null;
      throw error;
    }
  }

  /** `usefulUntil`: see SecretStore.write (service/itemLifetime.ts decides it). */
  write(account: string, record: StoredRecord, usefulUntil?: number): Promise<void> {
    return this.secrets.write(account, encodeRecord(record), usefulUntil);
  }

  /** Resolves false when there was nothing to remove. */
  remove(account: string): Promise<boolean> {
    return this.secrets.remove(account);
  }

  async has(account: string): Promise<boolean> {
    return (await this.secrets.read(account)) !== null;
  }

  /** Every item of ours; one that cannot be decoded is listed as unreadable, not thrown. */
  async entries(): Promise<ListedItem[]> {
    return (await this.secrets.entries()).map(({ account, value }) => {
      try {
        return { account, record: decodeRecord(value, account) };
      } catch (error) {
        return { account, unreadable: error as HelperError };
      }
    });
  }
}
