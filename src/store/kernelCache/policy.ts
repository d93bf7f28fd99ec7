// What `get` may answer from the kernel cache (store/kernelCache/kernelCache.ts), and for how long: the two kinds
// of item it hands out as they are, a `docker login` password and a cached registry credential. A
// sign-in's refresh token is never cached: only the renewer reads it, from the keychain.
import { freshUntilS } from '../../model.js';
import { decodeRecord } from '../record.js';

/**
 * The longest a password stays in kernel memory after it was read from the keychain: a keychain
 * edited behind our back (seahorse, secret-tool) is seen again within this time. git's credential
 * cache keeps passwords for 15 minutes by default.
 */
export const KERNEL_CACHE_MAX_MS = 10 * 60_000;

export function kernelCacheLifetimeMs(value: string, nowMs: number): number {
  let record;
  try {
    record = decodeRecord(value, 'cache');
  } catch {
    return 0;
  }
  if (record.kind === 'static') return KERNEL_CACHE_MAX_MS;
  // A credential is answered from the cache only while `get` would hand it out without renewing it.
  if (record.kind === 'derived') return Math.max(0, Math.min(KERNEL_CACHE_MAX_MS, freshUntilS(record, record.minValidity) * 1000 - nowMs));
  return 0;
}
