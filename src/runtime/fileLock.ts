// Cross-process locks for read-modify-write sequences (docker, BuildKit and parallel builds run many
// helper processes at once). A lock is a file created atomically (write a temp file, then link(2) it
// into place: it appears whole or not at all) that names its holder: pid, the process's start time
// and host, and the deadline by which the holder's own work is bounded.
//
// Why not age alone (proper-lockfile, npm's lockfile): a holder killed mid-refresh left a lock that
// others waited out for 10 s and then took over while a live holder's refresh could take 30 s. Here
// a lock is stale the moment its holder is gone (no such pid, or a pid reused by a process started
// at another time), waiters wait as long as a live holder is within its deadline, and nobody is ever
// told to delete a lock a live process holds. Removing a stale lock happens under a second, tiny
// lock, after reading the stale holder again, so a fresh lock can never be removed by a late waiter.
import { createHash } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { processStart } from './platform.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { HelperError } from '../errors.js';
import type { WithLock } from '../model.js';
import { trace } from './trace.js';

interface LockOwner {
  pid: number;
  /** The process's start time where the platform tells it (src/runtime/platform.ts processStart). */
  start: string;
  host: string;
  /** Epoch ms by which the holder's work is over (bounded by its own timeouts). */
  deadline: number;
}

/** How long a holder may keep each kind of lock: its work is bounded by timeouts below these. */
export const RENEWAL_DEADLINE_MS = 120_000;
function holdMsFor(name: string): number {
  if (name.startsWith('session:')) return RENEWAL_DEADLINE_MS; // refresh + exchange, 30 s per request
  if (name.startsWith('item-')) return 30_000; // one keychain call, 15 s timeout
  return 15_000;
}

/** After the holder's deadline, waiters still give it this long before calling it hung. */
const GRACE_MS = 5_000;
/** The takeover guard is held for microseconds; one older than this was left by a dead process. */
const GUARD_STALE_MS = 5_000;

/**
 * Lock names hold server URLs and issuers of any length; a file name has at most 255 bytes. A hash
 * of the name always fits, and a readable prefix helps whoever looks into the directory.
 */
export function lockFileName(name: string): string {
  const readable = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  return `${readable}-${createHash('sha256').update(name).digest('hex').slice(0, 32)}.lock`;
}

const self: Omit<LockOwner, 'deadline'> = { pid: process.pid, start: processStart(process.pid) ?? '', host: hostname() };

/** 'dead' when the holder is certainly gone; 'unknown' for another host or an unreadable lock. */
function holderState(owner: LockOwner | null): 'alive' | 'dead' | 'unknown' {
  if (!owner || owner.host !== self.host) return 'unknown';
  if (process.platform === 'linux') {
    const start = processStart(owner.pid);
    return start !== null && start === owner.start ? 'alive' : 'dead';
  }
  try {
    process.kill(owner.pid, 0);
    return 'alive';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'dead' : 'alive';
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as LockOwner;
    return typeof value.pid === 'number' && typeof value.deadline === 'number' && typeof value.host === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** Creates `path` holding `content`, atomically; false when it exists. */
function createExclusive(path: string, content: string): boolean {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readText(path: string): { text: string; ageMs: number } | null {
  try {
    const ageMs = Date.now() - lstatSync(path).mtimeMs;
    return { text: readFileSync(path, 'utf8'), ageMs };
  } catch {
    return null;
  }
}

/** Removes the lock only if it still holds the stale holder's text, under the takeover guard. */
function removeStale(path: string, staleText: string): void {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, JSON.stringify({ ...self, deadline: Date.now() + GUARD_STALE_MS }))) {
    const left = readText(guard);
    if (left && left.ageMs > GUARD_STALE_MS) unlinkQuietly(guard);
    return;
  }
  try {
    if (readText(path)?.text === staleText) unlinkQuietly(path);
  } finally {
    unlinkQuietly(guard);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Locks this process holds: released on SIGINT/SIGTERM before it exits (app/program.ts). */
const held = new Map<string, string>();

export function releaseHeldLocks(): void {
  for (const [path, mine] of held) if (readText(path)?.text === mine) unlinkQuietly(path);
  held.clear();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FileLockOptions {
  /** How long a waiter waits at least (longer while a live holder is within its deadline). */
  waitMs?: number;
  /** How long a holder may keep a lock of that name (tests shorten it). */
  holdMs?: (name: string) => number;
  graceMs?: number;
}

export function fileLock(directory: string, options: FileLockOptions = {}): WithLock {
  const { waitMs = 30_000, holdMs = holdMsFor, graceMs = GRACE_MS } = options;
  return async (name, work) => {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const path = join(directory, lockFileName(name));
    const mine = JSON.stringify({ ...self, deadline: Date.now() + holdMs(name) } satisfies LockOwner);
    let giveUpAt = Date.now() + waitMs;
    let waitingSince: number | undefined;
    for (;;) {
      if (createExclusive(path, mine)) break;
      const current = readText(path);
      if (!current) continue; // released meanwhile
      const owner = parseOwner(current.text);
      const state = holderState(owner);
      const pastDeadline = owner ? Date.now() > owner.deadline + graceMs : current.ageMs > GUARD_STALE_MS;
      if (state === 'dead' || (state === 'unknown' && pastDeadline)) {
        removeStale(path, current.text);
        continue;
      }
      if (waitingSince === undefined) {
        waitingSince = Date.now();
        trace('lock-wait', { lock: name, holder: owner?.pid });
      }
      // A live holder is waited for until its own deadline: its work is bounded, ours is not more urgent.
      if (owner) giveUpAt = Math.max(giveUpAt, owner.deadline + graceMs);
      if (Date.now() > giveUpAt) {
        const who = owner ? `process ${owner.pid}` : 'another process';
        throw new HelperError(
          'lock-failed',
          `another docker-credential-oidc (${who}) has been working on ${name} past its deadline: it may be hung; stop it${owner ? ` (kill ${owner.pid})` : ''} and try again`,
        );
      }
      await sleep(20 + Math.random() * 30);
    }
    held.set(path, mine);
    if (waitingSince !== undefined) trace('lock-taken', { lock: name, waitedMs: Date.now() - waitingSince });
    try {
      return await work();
    } finally {
      held.delete(path);
      if (readText(path)?.text === mine) unlinkQuietly(path);
    }
  };
}
