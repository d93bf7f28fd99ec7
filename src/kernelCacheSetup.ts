// The kernel cache in front of the Secret Service, as both entry points build it: the binary's entry
// (main.ts), which answers from it alone, and the program (program.ts), which reads through it.
import { keychainGenerationPath } from './config/paths.js';
import { loadKeyring, loadKoffi } from './native/addon.js';
import { CacheGeneration } from './store/cacheGeneration.js';
import { KernelCache } from './store/kernelCache.js';
import { Keyctl } from './store/keyctl.js';

/** The cache and its generation tag; undefined where there are no kernel keyrings. */
export function kernelCacheFor(env: NodeJS.ProcessEnv): { cache: KernelCache; generation: CacheGeneration } | undefined {
  if (!Keyctl.available()) return undefined;
  return { cache: new KernelCache(loadKeyring, loadKoffi), generation: new CacheGeneration(keychainGenerationPath(env)) };
}

/** DOCKER_CREDENTIAL_OIDC_KERNEL_CACHE=off: nothing is answered from it (writes still end entries). */
export function kernelCacheReadsOn(env: NodeJS.ProcessEnv): boolean {
  return env.DOCKER_CREDENTIAL_OIDC_KERNEL_CACHE !== 'off';
}
