import type { SecretStore } from '../../src/store/secretStore.js';

/** In-memory SecretStore for unit tests of the use cases (the keychain itself is tested end to end). */
export class MemoryStore implements SecretStore {
  readonly items = new Map<string, string>();
  writes = 0;

  async read(account: string): Promise<string | null> {
    return this.items.get(account) ?? null;
  }
  async write(account: string, value: string): Promise<void> {
    this.writes++;
    this.items.set(account, value);
  }
  async remove(account: string): Promise<boolean> {
    return this.items.delete(account);
  }
  async entries(): Promise<Array<{ account: string; value: string }>> {
    return [...this.items].map(([account, value]) => ({ account, value }));
  }
}
