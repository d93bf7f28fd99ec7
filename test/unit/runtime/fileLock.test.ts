// The cross-process lock against real processes: holders that die, holders that are slow, holders
// that hang, and many processes racing over a lock whose holder died.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLock, lockFileName } from '../../../src/runtime/fileLock.js';
import { repoRoot } from '../../support/helperBinary.js';

const holderScript = join(repoRoot, 'test', 'support', 'lockHolder.mts');

function startHolder(
  directory: string,
  name: string,
  mode: 'hold' | 'count',
  arg: number,
  holdMs?: number,
): { child: ChildProcess; said: (word: string) => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, directory, name, mode, String(arg), ...(holdMs ? [String(holdMs)] : [])], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    waiters.splice(0).forEach((w) => w());
  });
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (out.includes(word) ? resolve() : waiters.push(check));
      child.once('exit', () => (out.includes(word) ? resolve() : reject(new Error(`holder exited without "${word}": ${out}`))));
      check();
    });
  return { child, said };
}

/** True while the lock file names that pid (it cannot: we hold the lock now). */
async function holderStillHolds(dir: string, name: string, pid: number): Promise<boolean> {
  try {
    return JSON.parse(readFileSync(join(dir, lockFileName(name)), 'utf8')).pid === pid;
  } catch {
    return false;
  }
}

const exited = (child: ChildProcess) =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));

test("a lock whose holder was killed is taken over at once, not after the holder's deadline", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-lock-'));
  const holder = startHolder(dir, 'session:x', 'hold', 600_000); // its deadline: 120 s from now
  await holder.said('held');
  holder.child.kill('SIGKILL');
  await exited(holder.child);
  let ran = false;
  await fileLock(dir, { waitMs: 1_000 })('session:x', async () => {
    ran = true;
  });
  assert.ok(ran);
});

test("a live holder within its deadline is waited for, even past the waiter's own wait", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-lock-'));
  const holder = startHolder(dir, 'session:y', 'hold', 1_500);
  await holder.said('held');
  let ran = false;
  // An age- or wait-bounded lock gave up here after 100 ms while the holder was still working.
  await fileLock(dir, { waitMs: 100 })('session:y', async () => {
    ran = true;
    assert.equal(await holderStillHolds(dir, 'session:y', holder.child.pid!), false, 'the lock is ours now');
  });
  await exited(holder.child);
  assert.ok(ran);
});

test('a holder alive past its own deadline is called hung; nobody is told to delete its lock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-lock-'));
  const holder = startHolder(dir, 'item-z', 'hold', 60_000, 200);
  try {
    await holder.said('held');
    await assert.rejects(
      fileLock(dir, { waitMs: 100, graceMs: 300 })('item-z', async () => undefined),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'lock-failed');
        assert.equal(
          error.message,
          `another docker-credential-oidc (process ${holder.child.pid}) has been working on item-z past its deadline: it may be hung; stop it (kill ${holder.child.pid}) and try again`,
        );
        assert.doesNotMatch(error.message, /remove|delete/);
        return true;
      },
    );
    assert.equal(readdirSync(dir).length, 1, "the live holder's lock is still there");
  } finally {
    holder.child.kill('SIGKILL');
  }
});

test('six processes racing over a lock left by a dead holder never overlap and lose no update', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-lock-'));
  // A lock of a process that no longer exists (pid 2^22 - 1 is above Linux's default pid_max).
  writeFileSync(
    join(dir, lockFileName('session:race')),
    JSON.stringify({ pid: 4_194_303, start: '1', host: (await import('node:os')).hostname(), deadline: Date.now() + 600_000 }),
  );
  const holders = Array.from({ length: 6 }, () => startHolder(dir, 'session:race', 'count', 25));
  await Promise.all(holders.map((h) => h.said('done')));
  assert.equal(readFileSync(join(dir, 'counter'), 'utf8'), '150');
});

test('long names (a 253-character host) make a short lock file name', async () => {
  const name = `item-${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}/${'p'.repeat(300)}`;
  assert.ok(Buffer.byteLength(lockFileName(name)) < 100);
  assert.notEqual(lockFileName(name), lockFileName(`${name}x`));
  let ran = false;
  await fileLock(mkdtempSync(join(tmpdir(), 'dco-lock-')), { waitMs: 100 })(name, async () => {
    ran = true;
  });
  assert.ok(ran);
});
