// The kernel cache in front of the Secret Service, as both entry points build it: the binary's entry
// (main.ts), which answers from it alone, and the program (app/program.ts), which reads through it.
import { keychainGenerationPath } from '../../runtime/paths.js';
import { loadKeyring, loadKoffi } from '../../runtime/addon.js';
import { CacheGeneration } from './generation.js';
import { KernelCache } from './kernelCache.js';
import { Keyctl } from '../../runtime/keyctl.js';

/** The cache and its generation tag; undefined where there are no kernel keyrings. */
export function kernelCacheFor(env: NodeJS.ProcessEnv): { cache: KernelCache; generation: CacheGeneration } | undefined {
  if (!Keyctl.available()) return undefined;
  return { cache: new KernelCache(loadKeyring, loadKoffi), generation: new CacheGeneration(keychainGenerationPath(env)) };
}

/** DOCKER_CREDENTIAL_OIDC_KERNEL_CACHE=off: nothing is answered from it (writes still end entries). */
export function kernelCacheReadsOn(env: NodeJS.ProcessEnv): boolean {
  return env.DOCKER_CREDENTIAL_OIDC_KERNEL_CACHE !== 'off';
}
