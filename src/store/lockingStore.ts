// Serialises writes and removals of one account across processes. The Secret Service changes an item
// in several D-Bus calls (search, then create/set/delete), so a concurrent store and erase of the same
// server otherwise fail with "Object does not exist" or leave two items. Reads stay lock-free.
import type { WithLock } from '../model.js';
import type { SecretStore } from './secretStore.js';

/** The lock every write and removal of `account` holds (readers wait on it only to settle a miss). */
export function itemLockName(account: string): string {
  return `item-${account}`;
}

export class LockingStore implements SecretStore {
  constructor(
    private readonly inner: SecretStore,
    private readonly withLock: WithLock,
  ) {}

  read(account: string): Promise<string | null> {
    return this.inner.read(account);
  }

  write(account: string, value: string, usefulUntil?: number): Promise<void> {
    return this.withLock(itemLockName(account), () => this.inner.write(account, value, usefulUntil));
  }

  remove(account: string): Promise<boolean> {
    return this.withLock(itemLockName(account), () => this.inner.remove(account));
  }

  entries(): Promise<Array<{ account: string; value: string }>> {
    return this.inner.entries();
  }
}
