// `get` and `list` answered from the kernel cache alone, by the binary's entry (main.ts), before the
// program is loaded. The same use case as always (credentialHelper over the protocol's handleCommand),
// over dependencies that can only read the cache: whatever else it would need (the keychain, a lock,
// a renewal, another store) ends the attempt, and the program answers from the start.
import { SettingsFile } from '../config/settingsFile.js';
import { settingsPath } from '../runtime/paths.js';
import { kernelCacheFor, kernelCacheReadsOn } from '../store/kernelCache/setup.js';
import { handleCommand } from '../protocol/handleCommand.js';
import { credentialHelperOver, type CredentialHelperDeps } from '../service/credentialHelper.js';
import { CachedStore } from '../store/kernelCache/cachedStore.js';
import { ItemStore } from '../store/itemStore.js';
import { RoutingStore, storeChoiceOf } from '../store/routingStore.js';
import type { SecretStore } from '../store/secretStore.js';

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
  const program: SecretStore = { read: notCached, write: notCached, remove: notCached, entries: notCached };
  // The program's own cache in front of a keychain that is not there: a hit answers, a miss hands over.
  const keychain = new CachedStore(program, kernel.cache, kernel.generation, { readThrough: true, lifetimeMs: () => 0, nowMs: Date.now });
  // Only the keychain's items are cached; another store's (kernel keyring, none) are the program's.
  const stores = { 'secret-service': keychain, kernel: program, none: program };
  const deps: CredentialHelperDeps = {
    nowS: () => Math.floor(Date.now() / 1000),
    items: new ItemStore(new RoutingStore(stores, storeChoiceOf(settings))),
    withLock: notCached,
    settings,
    renewDetached: notCached,
    renewHere: notCached,
    endSignIn: notCached,
    keychainAnswers: keychain,
  };
  try {
    return await handleCommand(() => credentialHelperOver(deps), action, input);
  } catch {
    return undefined;
  }
}
