// Records over a keychain's item limit, against a store that enforces Windows Credential Manager's
// 2,560 bytes (UTF-16) and yields between its calls, so that readers really race writers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedStore, itemLimitFor } from '../../../src/store/chunkedStore.js';
import { ItemStore } from '../../../src/store/itemStore.js';
import { MemoryStore } from '../../support/memoryStore.js';

/** Windows Credential Manager's limit, and a pause before every call (seeded, so failures replay). */
class WindowsLikeStore extends MemoryStore {
  private seed = 7;
  private async pause(): Promise<void> {
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    for (let i = this.seed % 4; i > 0; i--) await new Promise((resolve) => setImmediate(resolve));
  }
  override async read(account: string) {
    await this.pause();
    return super.read(account);
  }
  override async write(account: string, value: string) {
    await this.pause();
    if (value.length * 2 > 2560) throw new Error(`Windows Credential Manager: ${value.length * 2} bytes is over 2560`);
    return super.write(account, value);
  }
  override async remove(account: string) {
    await this.pause();
    return super.remove(account);
  }
}

const token = (name: string, size: number) => `${name}.${'x'.repeat(size)}`;

test('the Windows limit is 1,280 UTF-16 characters; the Secret Service and macOS have none to respect', () => {
  assert.equal(itemLimitFor('win32'), 1280);
  assert.equal(itemLimitFor('linux'), null);
  assert.equal(itemLimitFor('darwin'), null);
});

test('a sign-in holding three 3 KB tokens round-trips through a store with the Windows limit', async () => {
  const inner = new WindowsLikeStore();
  const items = new ItemStore(new ChunkedStore(inner, itemLimitFor('win32')!));
  const session = {
    kind: 'oidc-session' as const,
    issuer: 'https://login.microsoftonline.com/t/v2.0',
    clientId: 'c',
    authenticatedAt: 1,
    refreshToken: token('rt', 3000),
    accessToken: { value: token('at', 3000), issuedAt: 1, expiresAt: 2, audience: 'a' },
    idToken: { value: token('id', 3000), issuedAt: 1, expiresAt: 2 },
  };
  await items.write('session:x#c', session);
  assert.ok(inner.items.size > 1, 'it was split');
  assert.ok([...inner.items.values()].every((value) => value.length * 2 <= 2560));
  assert.deepEqual(await items.read('session:x#c'), session);
  const listed = await items.entries();
  assert.deepEqual(
    listed.map((item) => item.account),
    ['session:x#c'],
    'parts are not listed as items',
  );
  assert.deepEqual('record' in listed[0] ? listed[0].record : null, session);
});

test('readers racing a writer never see a mixed record', async () => {
  const inner = new WindowsLikeStore();
  const store = new ChunkedStore(inner, 1280);
  const versions = ['A', 'B', 'C', 'D'].map((name) => token(name, 5000));
  await store.write('acct', versions[0]);
  const seen = new Set<string>();
  let writing = true;
  const writer = (async () => {
    for (let round = 1; round < 40; round++) await store.write('acct', versions[round % versions.length]);
    writing = false;
  })();
  const readers = Array.from({ length: 4 }, async () => {
    while (writing) {
      const value = await store.read('acct');
      assert.ok(value !== null && versions.includes(value), `a mixed or missing record (${value?.length} characters)`);
      seen.add(value.slice(0, 1));
    }
  });
  await Promise.all([writer, ...readers]);
  assert.ok(seen.size > 1, 'the readers saw several generations');
});

test('erase removes every part; an unchanged record is not written again; small records stay one item', async () => {
  const inner = new WindowsLikeStore();
  const store = new ChunkedStore(inner, 1280);
  await store.write('big', token('t', 4000));
  const writes = inner.writes;
  await store.write('big', token('t', 4000));
  assert.equal(inner.writes, writes, 'nothing was rewritten');
  assert.equal(await store.remove('big'), true);
  assert.equal(inner.items.size, 0, 'no part was left behind');
  await store.write('small', 'short');
  assert.deepEqual([...inner.items], [['small', 'short']]);
  await store.write('small', token('t', 4000));
  await store.write('small', 'short again');
  assert.deepEqual([...inner.items], [['small', 'short again']], 'shrinking removes the old parts');
});
