// `get` and `list` answered from the kernel cache alone, by the binary's entry (main.ts), before the
// program is loaded. The same use case as always (credentialHelper over the protocol's handleCommand),
// over dependencies that can only read the cache: whatever else it would need (the keychain, a lock,
// a renewal, another store) ends the attempt, and the program answers from the start.
import { SettingsFile } from './config/settingsFile.js';
import { settingsPath } from './config/paths.js';
import type { Deps } from './deps.js';
import { kernelCacheFor, kernelCacheReadsOn } from './kernelCacheSetup.js';
import { handleCommand } from './protocol/handleCommand.js';
import { credentialHelper } from './service/credentialHelper.js';
import { ItemStore } from './store/itemStore.js';
import type { SecretStore } from './store/secretStore.js';

/** Not an error anyone sees: the program takes over. */
class NotCached extends Error {}

const notCached = (): never => {
  throw new NotCached();
};

/** What to print on stdout, or undefined when the program must answer (a miss, any failure). */
export async function answerFromKernelCache(action: 'get' | 'list', input: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const kernel = kernelCacheFor(env);
  if (!kernel || !kernelCacheReadsOn(env)) return undefined;
  const settings = new SettingsFile(settingsPath(env), notCached);
  const cached = (account: string): string => {
    const generation = kernel.generation.current();
    return (generation !== null && kernel.cache.read(account, generation, Date.now())) || notCached();
  };
  const items: SecretStore = {
    // Only the keychain's items are cached; another store's (kernel keyring, none) are the program's.
    read: async (account) => (settings.peekStoreOf(account) === 'secret-service' ? cached(account) : notCached()),
    write: notCached,
    remove: notCached,
    entries: notCached,
  };
  const deps: Deps = {
    env,
    nowS: () => Math.floor(Date.now() / 1000),
    items: new ItemStore(items),
    stores: { 'secret-service': items, kernel: items, none: items },
    withLock: notCached,
    settings,
    fetchFor: notCached,
    terminal: new Proxy({} as Deps['terminal'], { get: notCached }),
    renewDetached: notCached,
    keychainAnswers: { remember: async (name) => cached(name) },
  };
  try {
    return await handleCommand(() => credentialHelper(deps), action, input);
  } catch {
    return undefined;
  }
}
