// The kernel cache answers an item only while the keychain's generation tag is the one it was read
// in. Every writer of the same keychain must see that tag, whatever its XDG_CACHE_HOME (a CI step or
// a tool that sets its own): a store there must end the answer cached here at once, not in ten minutes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runHelper } from '../support/helperBinary.js';
import { startKeyringWorld, storeInput, type KeyringWorld } from '../support/world.js';

let world: KeyringWorld;
const server = `gen-${process.pid}-${Date.now().toString(36)}.kcache.example:5000`;

before(async () => {
  world = await startKeyringWorld('kcache-gen');
});
after(() => world?.stop());

test('a store by a process with another XDG_CACHE_HOME ends the answer cached by this one', async () => {
  const { env } = world;
  assert.equal((await runHelper(['store'], { env, input: storeInput(server, 'alice', 'old-password') })).code, 0);
  const first = await runHelper(['get'], { env, input: server });
  assert.equal(JSON.parse(first.stdout).Secret, 'old-password');

  const elsewhere = { ...env, XDG_CACHE_HOME: join(env.HOME!, 'another-cache') };
  assert.equal((await runHelper(['store'], { env: elsewhere, input: storeInput(server, 'alice', 'new-password') })).code, 0);

  const after = await runHelper(['get'], { env, input: server });
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.equal(JSON.parse(after.stdout).Secret, 'new-password');
  await runHelper(['erase'], { env, input: server });
});
