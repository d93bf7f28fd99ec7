// The OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, and on Linux
// the freedesktop Secret Service, pinned so nothing silently lands in the kernel keyring (which a
// reboot wipes and other tools cannot see). Every call is bounded by a timeout so that a hung or
// prompting keychain fails `docker pull` with a message instead of hanging it (as gh does).
import type { KeyringModule } from '../runtime/addon.js';
import { HelperError } from '../errors.js';
import { KEYCHAIN_SERVICE, type SecretStore } from './secretStore.js';
import { describeKeychainError } from './keychainErrors.js';

const VANISHED_ITEM = /Object does not exist|No such interface|No such object|UnknownObject/i;

function isVanishedItem(error: unknown): boolean {
  return error instanceof Error && VANISHED_ITEM.test(error.message);
}

const ENTRY_OPTIONS = { linux: { store: 'secret-service' as const } };

type KeyringEntry = InstanceType<KeyringModule['AsyncEntry']>;

export class KeychainStore implements SecretStore {
  private keyringModule: KeyringModule | undefined;
  private readonly openEntries = new Map<string, KeyringEntry>();

  /** The addon is loaded on the first call: bad input is answered without touching the keychain. */
  constructor(
    private readonly loadKeyring: () => KeyringModule,
    private readonly timeoutMs: number,
    private readonly service = KEYCHAIN_SERVICE,
  ) {}

  read(account: string): Promise<string | null> {
    return this.retryIfVanished(() => this.onEntry(account, 'read', (entry, signal) => entry.getPassword(signal)));
  }

  write(account: string, value: string): Promise<void> {
    return this.onEntry(account, 'write', (entry, signal) => entry.setPassword(value, signal));
  }

  remove(account: string): Promise<boolean> {
    return this.onEntry(account, 'remove', (entry, signal) => entry.deleteCredential(signal));
  }

  async entries(): Promise<Array<{ account: string; value: string }>> {
    const found = await this.retryIfVanished(() => this.call('list', (signal) => this.keyring().findCredentialsAsync(this.service, null, signal)));
    return found.map(({ account, password }) => ({ account, value: password }));
  }

  /**
   * Reads take no lock, so another process may delete or replace the item between the search and
   * the fetch of its secret; the answer is then simply a new search.
   */
  private async retryIfVanished<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (error) {
        const cause = error instanceof HelperError ? error.cause : error;
        if (attempt >= 5 || !isVanishedItem(cause)) throw error;
      }
    }
  }

  private keyring(): KeyringModule {
    this.keyringModule ??= this.loadKeyring();
    return this.keyringModule;
  }

  /**
   * On Linux, constructing an entry connects to the session bus and negotiates an encrypted Secret
   * Service session (5.7 ms, measured); calls on it then cost 0.5-1.3 ms. A renewal reads and then
   * writes the same two items, so each account keeps its entry for the life of the process. A call
   * that fails may have lost that connection: its entry is dropped and the next call opens a new one.
   */
  private async onEntry<T>(account: string, operation: string, run: (entry: KeyringEntry, signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.call(operation, (signal) => {
        // Built inside the call: a missing bus or keychain fails here, and is described like any call.
        let entry = this.openEntries.get(account);
        if (!entry) {
          entry = new (this.keyring().AsyncEntry)(this.service, account, ENTRY_OPTIONS);
          this.openEntries.set(account, entry);
        }
        return run(entry, signal);
      });
    } catch (error) {
      this.openEntries.delete(account);
      throw error;
    }
  }

  private async call<T>(operation: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new HelperError(
            'keychain-timeout',
            `the keychain did not answer within ${this.timeoutMs / 1000} s (${operation}): it may be locked behind a prompt nobody can answer; unlock it and try again`,
          ),
        );
      }, this.timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([run(controller.signal), timeout]);
    } catch (error) {
      if (error instanceof HelperError) throw error;
      throw describeKeychainError(error, operation);
    } finally {
      clearTimeout(timer);
    }
  }
}
