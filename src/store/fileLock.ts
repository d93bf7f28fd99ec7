// Cross-process mutual exclusion for read-modify-write sequences on the keychain (docker, BuildKit
// and parallel builds run many helper processes at once). proper-lockfile: an atomic mkdir lock with
// mtime refresh and stale-lock takeover, so a helper killed mid-operation never wedges the others.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HelperError } from '../errors.js';
import type { WithLock } from '../model.js';

/**
 * Lock names hold server URLs and issuers of any length; a file name has at most 255 bytes. A hash
 * of the name always fits, and a readable prefix helps whoever looks into the directory.
 */
export function lockFileName(name: string): string {
  const readable = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  return `${readable}-${createHash('sha256').update(name).digest('hex').slice(0, 32)}.lock`;
}

export function fileLock(directory: string, waitMs = 30_000): WithLock {
  return async (name, work) => {
    // Loaded here: graceful-fs and friends are not needed on the read-only path of `get`.
    const { lock } = await import('proper-lockfile');
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const lockfilePath = join(directory, lockFileName(name));
    let release: () => Promise<void>;
    try {
      // proper-lockfile tracks held locks by their target path: one target per name, or nested
      // locks in one process would release each other.
      release = await lock(lockfilePath.replace(/\.lock$/, ''), {
        lockfilePath,
        realpath: false,
        stale: 10_000,
        retries: { retries: Math.ceil(waitMs / 50), factor: 1, minTimeout: 20, maxTimeout: 50, randomize: true },
      });
    } catch (error) {
      throw new HelperError(
        'lock-failed',
        `another docker-credential-oidc is still working on ${name} (lock ${lockfilePath}): try again, or remove the lock if no helper is running`,
        { cause: error },
      );
    }
    try {
      return await work();
    } finally {
      await release().catch(() => undefined);
    }
  };
}
