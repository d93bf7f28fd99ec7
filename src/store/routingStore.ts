// Every item goes to the store its registry chose (--store): a person's sign-in and `docker login`
// passwords to the Secret Service (the OS keychain), a pipeline's tokens possibly to the kernel
// keyring or nowhere. Which store an account belongs to comes from the settings file (peeked, as on
// the hot path); accounts no registry claims (static passwords) are the keychain's.
import { HelperError } from '../errors.js';
import type { StoreName } from '../model.js';
import { trace } from '../runtime/trace.js';
import type { SecretStore } from './secretStore.js';

export interface StoreChoice {
  /** The store of an account (a registry key, or a sign-in's session key). */
  storeOf(account: string): StoreName;
  /** Every store some registry uses besides the keychain. */
  otherStoresInUse(): StoreName[];
}

/** The settings file's answers, as routing needs them (peeked: the hot path reads no schema). */
export function storeChoiceOf(settings: { peekStoreOf(account: string): StoreName; peekOtherStoresInUse(): StoreName[] }): StoreChoice {
  return { storeOf: (account) => settings.peekStoreOf(account), otherStoresInUse: () => settings.peekOtherStoresInUse() };
}

export class RoutingStore implements SecretStore {
  constructor(
    private readonly stores: Record<StoreName, SecretStore>,
    private readonly choice: StoreChoice,
  ) {}

  read(account: string): Promise<string | null> {
    return this.route(account, 'read').read(account);
  }

  write(account: string, value: string, usefulUntil?: number): Promise<void> {
    return this.route(account, 'write').write(account, value, usefulUntil);
  }

  remove(account: string): Promise<boolean> {
    return this.route(account, 'remove').remove(account);
  }

  /** The account's store, as its registry's settings chose it (secret-service when none says otherwise). */
  private route(account: string, operation: string): SecretStore {
    const store = this.choice.storeOf(account);
    trace('store', {
      operation,
      item: account,
      store,
      why: store === 'secret-service' ? 'the keychain unless a saved --store says otherwise' : `--store ${store} saved with its registry`,
    });
    return this.stores[store];
  }

  /**
   * The keychain's items and those of every other store in use. On a machine without a Secret
   * Service whose registries all keep their tokens elsewhere, the keychain is simply not listed.
   */
  async entries(): Promise<Array<{ account: string; value: string }>> {
    const others = this.choice.otherStoresInUse();
    let result: Array<{ account: string; value: string }> = [];
    try {
      result = await this.stores['secret-service'].entries();
    } catch (error) {
      const absent = error instanceof HelperError && error.code === 'keychain-unavailable';
      if (!absent || others.length === 0) throw error;
    }
    for (const store of others) {
      // Only the items that store is chosen for: a stale one left elsewhere is not answered.
      result.push(...(await this.stores[store].entries()).filter((item) => this.choice.storeOf(item.account) === store));
    }
    return result;
  }
}
