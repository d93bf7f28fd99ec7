// The kernel cache's rules, over an in-memory keychain and cache: a hit never touches the keychain,
// and nothing read before a write or removal (by any process) is answered after it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CacheGeneration } from '../../../../src/store/kernelCache/generation.js';
import { CachedStore, type ItemCache } from '../../../../src/store/kernelCache/cachedStore.js';
import { MemoryStore } from '../../../support/memoryStore.js';

class MemoryCache implements ItemCache {
  readonly entries = new Map<string, { value: string; generation: string; until: number }>();
  writes = 0;
  drops: string[] = [];
  read(account: string, generation: string, nowMs: number): string | null {
    const entry = this.entries.get(account);
    return entry && entry.generation === generation && nowMs < entry.until ? entry.value : null;
  }
  write(account: string, value: string, generation: string, nowMs: number, lifetimeMs: number): void {
    this.writes++;
    this.entries.set(account, { value, generation, until: nowMs + lifetimeMs });
  }
  drop(account: string): void {
    this.drops.push(account);
    this.entries.delete(account);
  }
}

/** Counts the keychain's reads: a hit must not make one. */
class CountingStore extends MemoryStore {
  reads = 0;
  duringRead: (() => void) | undefined;
  override async read(account: string): Promise<string | null> {
    this.reads++;
    const value = await super.read(account);
    this.duringRead?.();
    return value;
  }
}

async function setUp(options: { readThrough?: boolean; lifetimeMs?: (value: string) => number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dco-cached-'));
  const generationFile = join(dir, 'cache', 'keychain-generation');
  const keychain = new CountingStore();
  const cache = new MemoryCache();
  let now = 1_000_000;
  const make = (readThrough: boolean) =>
    new CachedStore(keychain, cache, new CacheGeneration(generationFile), {
      readThrough,
      lifetimeMs: options.lifetimeMs ?? (() => 60_000),
      nowMs: () => now,
    });
  return {
    dir,
    generationFile,
    keychain,
    cache,
    /** `get` and `list`: read through the cache. */
    reader: make(options.readThrough ?? true),
    /** Any other command, in another process: writes through, reads the keychain. */
    other: make(false),
    advance: (ms: number) => (now += ms),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

test('a second read is answered from the cache without touching the keychain', async () => {
  await using s = await setUp();
  await s.keychain.write('r.example', 'one');
  assert.equal(await s.reader.read('r.example'), 'one');
  assert.equal(await s.reader.read('r.example'), 'one');
  assert.equal(s.keychain.reads, 1);
  assert.equal(s.cache.writes, 1);
});

test('a write by another command ends every cached answer at once', async () => {
  await using s = await setUp();
  await s.keychain.write('r.example', 'old');
  await s.keychain.write('other.example', 'kept');
  await s.reader.read('r.example');
  await s.reader.read('other.example');
  await s.other.write('r.example', 'new');
  assert.equal(await s.reader.read('r.example'), 'new');
  assert.equal(await s.reader.read('other.example'), 'kept');
  assert.equal(s.keychain.reads, 4, 'both were read from the keychain again');
});

test('a removal (docker logout) ends the cached answer and drops the entry from memory', async () => {
  await using s = await setUp();
  await s.keychain.write('r.example', 'secret');
  await s.reader.read('r.example');
  assert.equal(await s.other.remove('r.example'), true);
  assert.deepEqual(s.cache.drops, ['r.example']);
  assert.equal(await s.reader.read('r.example'), null);
});

test('what was read while another process wrote is never answered', async () => {
  await using s = await setUp();
  await s.keychain.write('r.example', 'old');
  // The reader took the generation, then read "old"; the write lands before it caches what it read.
  s.keychain.duringRead = () => {
    s.keychain.duringRead = undefined;
    void s.other.write('r.example', 'new');
  };
  assert.equal(await s.reader.read('r.example'), 'old');
  assert.equal(await s.reader.read('r.example'), 'new');
});

test('an entry is answered only for its lifetime, and items the policy refuses are not cached', async () => {
  await using s = await setUp({ lifetimeMs: (value) => (value === 'refresh-token' ? 0 : 5_000) });
  await s.keychain.write('r.example', 'password');
  await s.keychain.write('session', 'refresh-token');
  await s.reader.read('r.example');
  await s.reader.read('session');
  assert.equal(s.cache.writes, 1);
  assert.deepEqual([...s.cache.entries.keys()], ['r.example']);
  s.advance(4_999);
  await s.reader.read('r.example');
  assert.equal(s.keychain.reads, 2);
  s.advance(1);
  await s.reader.read('r.example');
  assert.equal(s.keychain.reads, 3, 'past its lifetime the keychain answers');
});

test('commands other than get and list neither read nor fill the cache, but their writes count', async () => {
  await using s = await setUp({ readThrough: false });
  await s.keychain.write('r.example', 'one');
  await s.reader.read('r.example');
  await s.reader.read('r.example');
  assert.equal(s.keychain.reads, 2);
  assert.equal(s.cache.writes, 0);
  const before = await readFile(s.generationFile, 'utf8').catch(() => null);
  await s.reader.write('r.example', 'two');
  assert.notEqual(await readFile(s.generationFile, 'utf8'), before);
});

test('list fills the cache for the gets of a docker build, and only once', async () => {
  await using s = await setUp();
  for (const name of ['a', 'b', 'c']) await s.keychain.write(`${name}.example`, `secret-${name}`);
  assert.equal((await s.reader.entries()).length, 3);
  assert.equal(s.cache.writes, 3);
  await s.reader.entries();
  assert.equal(s.cache.writes, 3, 'entries already cached are not written again');
  for (const name of ['a', 'b', 'c']) assert.equal(await s.reader.read(`${name}.example`), `secret-${name}`);
  assert.equal(s.keychain.reads, 0);
});

test('where the generation tag can be neither written nor removed, nothing is cached and writes drop the entry', async () => {
  await using s = await setUp();
  await s.keychain.write('r.example', 'old');
  await s.reader.read('r.example');
  // A directory where the tag file should be: neither replaced by a rename nor removed by unlink.
  await mkdir(join(s.dir, 'blocked', 'inside'), { recursive: true });
  const generation = new CacheGeneration(join(s.dir, 'blocked'));
  assert.equal(generation.renew(), false);
  assert.equal(generation.current(), null);
  const blocked = (readThrough: boolean) => new CachedStore(s.keychain, s.cache, generation, { readThrough, lifetimeMs: () => 60_000, nowMs: () => 0 });
  await blocked(false).write('r.example', 'new');
  assert.deepEqual(s.cache.drops, ['r.example']);
  const reads = s.keychain.reads;
  assert.equal(await blocked(true).read('r.example'), 'new');
  assert.equal(await blocked(true).read('r.example'), 'new');
  assert.equal(s.keychain.reads, reads + 2, 'every read went to the keychain');
  assert.equal(s.cache.writes, 1, 'and nothing more was cached');
});

test('the generation tag is replaced by every renewal and bounded when read', async () => {
  await using s = await setUp();
  const generation = new CacheGeneration(s.generationFile);
  assert.equal(generation.current(), null);
  assert.equal(generation.renew(), true);
  const first = generation.current();
  assert.ok(first);
  generation.renew();
  assert.notEqual(generation.current(), first);
  await writeFile(s.generationFile, 'x'.repeat(65));
  assert.equal(generation.current(), null, 'a file that is not our tag is not trusted');
});

test('a remembered answer (list) is computed once per generation', async () => {
  await using s = await setUp();
  let computed = 0;
  const compute = async () => `answer-${++computed}`;
  assert.equal(await s.reader.remember('(list)', 60_000, compute), 'answer-1');
  assert.equal(await s.reader.remember('(list)', 60_000, compute), 'answer-1');
  await s.other.write('r.example', 'changed');
  assert.equal(await s.reader.remember('(list)', 60_000, compute), 'answer-2');
  assert.equal(await s.other.remember('(list)', 60_000, compute), 'answer-3', 'other commands always compute');
});
