// Which store keeps a registry's tokens, decided at registry-login and saved with its settings.
// A person's sign-in holds a refresh token that lives for weeks: it goes to the Secret Service (the
// OS keychain), or to the kernel keyring only when the person says so. A pipeline's tokens live
// minutes and can always be obtained again, so the first store that works here is taken: the
// Secret Service, else the kernel keyring (blocked inside most containers), else none.
import type { Deps } from './deps.js';
import { HelperError } from '../errors.js';
import { isPipelineGrant, type RegistryEntry, type StoreName } from '../model.js';
import { trace } from '../runtime/trace.js';

const PROBE_ACCOUNT = 'probe:store-check';

/** Why the store cannot be used here, or undefined when it works (written, read back, removed). */
async function storeProblem(deps: Deps, store: StoreName): Promise<HelperError | undefined> {
  try {
    if (store === 'secret-service') {
      await deps.stores[store].read(PROBE_ACCOUNT);
    } else if (store === 'kernel') {
      await deps.stores[store].write(PROBE_ACCOUNT, 'probe');
      const back = await deps.stores[store].read(PROBE_ACCOUNT);
      await deps.stores[store].remove(PROBE_ACCOUNT);
      if (back !== 'probe') return new HelperError('keychain-failure', 'the kernel keyring did not give back what was written to it');
    }
    return undefined;
  } catch (error) {
    if (error instanceof HelperError && (error.code === 'keychain-unavailable' || error.code === 'keychain-failure' || error.code === 'keychain-timeout'))
      return error;
    throw error;
  }
}

export interface StoreDecision {
  store: StoreName;
  /** Set when the store was chosen automatically because a better one does not work here. */
  reason?: string;
}

export async function chooseStore(deps: Deps, entry: RegistryEntry): Promise<StoreDecision> {
  const decision = await decideStore(deps, entry);
  trace('store-choice', {
    registry: entry.serverURL,
    store: decision.store,
    reason: decision.reason ?? (entry.store ? `--store ${entry.store}` : 'the keychain works here'),
  });
  return decision;
}

async function decideStore(deps: Deps, entry: RegistryEntry): Promise<StoreDecision> {
  const pipeline = isPipelineGrant(entry.grant);
  if (entry.store) {
    const problem = await storeProblem(deps, entry.store);
    if (problem) throw new HelperError(problem.code, `--store ${entry.store}: ${problem.message}`);
    return { store: entry.store };
  }
  const keychainProblem = await storeProblem(deps, 'secret-service');
  if (!keychainProblem) return { store: 'secret-service' };
  if (!pipeline) {
    throw new HelperError(
      keychainProblem.code,
      `${keychainProblem.message.replace(/: [^:]*$/, '')}: a sign-in holds a long-lived refresh token and is kept only in a keychain; add --store kernel to keep it in the kernel keyring instead (this user's memory, gone at reboot)`,
    );
  }
  const kernelProblem = await storeProblem(deps, 'kernel');
  if (!kernelProblem) return { store: 'kernel', reason: 'no Secret Service here' };
  return { store: 'none', reason: 'neither a Secret Service nor the kernel keyring works here' };
}
