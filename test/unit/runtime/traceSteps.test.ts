// Steps the code under observation traces (the debug trace, issue 28): a wait for another process's
// lock, and each store access with its store and why; through an installed sink, as the trace's
// writer installs one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installTraceSink, type TraceFields } from '../../../src/runtime/trace.js';
import { fileLock } from '../../../src/runtime/fileLock.js';
import { RoutingStore } from '../../../src/store/routingStore.js';
import { MemoryStore } from '../../support/memoryStore.js';
import { repoRoot } from '../../support/helperBinary.js';

function collect(): Array<[string, TraceFields]> {
  const steps: Array<[string, TraceFields]> = [];
  installTraceSink((step, fields) => steps.push([step, fields]));
  return steps;
}

test("a wait for another process's lock is traced once, with the holder, and how long it lasted", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-trace-lock-'));
  const holder = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'support', 'lockHolder.mts'), dir, 'session:t', 'hold', '800'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) => holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve()));
    const steps = collect();
    await fileLock(dir)('session:t', () => Promise.resolve(undefined));
    const waits = steps.filter(([step]) => step === 'lock-wait');
    assert.deepEqual(waits, [['lock-wait', { lock: 'session:t', holder: holder.pid }]]);
    const taken = steps.find(([step]) => step === 'lock-taken');
    assert.ok(taken && (taken[1].waitedMs as number) > 0, JSON.stringify(steps));
    // Uncontended: nothing to say.
    steps.length = 0;
    await fileLock(dir)('session:t', () => Promise.resolve(undefined));
    assert.deepEqual(steps, []);
  } finally {
    installTraceSink(undefined);
    holder.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('each store access is traced with its store and why, never its value', async () => {
  const stores = { 'secret-service': new MemoryStore(), kernel: new MemoryStore(), none: new MemoryStore() };
  const routing = new RoutingStore(stores, {
    storeOf: (account) => (account === 'ci.example' ? 'kernel' : 'secret-service'),
    otherStoresInUse: () => ['kernel'],
  });
  const steps = collect();
  try {
    await routing.write('ci.example', 'the-secret-value');
    await routing.read('people.example');
  } finally {
    installTraceSink(undefined);
  }
  assert.deepEqual(steps, [
    ['store', { operation: 'write', item: 'ci.example', store: 'kernel', why: '--store kernel saved with its registry' }],
    ['store', { operation: 'read', item: 'people.example', store: 'secret-service', why: 'the keychain unless a saved --store says otherwise' }],
  ]);
});
