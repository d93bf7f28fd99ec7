// 32 helper processes at once, as BuildKit and parallel builds start them, on one real keyring.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runHelper } from '../support/helperBinary.js';
import { countItems, startKeyringWorld, storeInput as creds, type KeyringWorld } from '../support/world.js';

let world: KeyringWorld;
let env: NodeJS.ProcessEnv;

before(async () => {
  world = await startKeyringWorld('conc');
  env = world.env;
});
after(() => world?.stop());

const itemCount = (account: string) => countItems(world.keyring, 'service', 'docker-credential-oidc', 'username', account);

test('32 concurrent stores on distinct servers: every item there exactly once', async () => {
  const servers = Array.from({ length: 32 }, (_, i) => `distinct${i}.example:5000`);
  const results = await Promise.all(servers.map((s, i) => runHelper(['store'], { env, input: creds(s, `user${i}`, `secret${i}`) })));
  for (const r of results) assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  const gets = await Promise.all(servers.map((s) => runHelper(['get'], { env, input: s })));
  gets.forEach((r, i) => assert.equal(JSON.parse(r.stdout).Secret, `secret${i}`));
  for (const s of servers) assert.equal(await itemCount(s), 1, s);
  const listed = JSON.parse((await runHelper(['list'], { env })).stdout);
  for (const s of servers) assert.ok(listed[s], s);
});

test('32 concurrent stores, gets and erases of the same server: no crash, no duplicate, a consistent end', async () => {
  const server = 'same.example';
  await runHelper(['store'], { env, input: creds(server, 'seed', 'seed-secret') });
  const runs = Array.from({ length: 32 }, (_, i) => {
    if (i % 3 === 0) return runHelper(['erase'], { env, input: server });
    if (i % 3 === 1) return runHelper(['store'], { env, input: creds(server, `user${i}`, `secret${i}`) });
    return runHelper(['get'], { env, input: server });
  });
  const results = await Promise.all(runs);
  results.forEach((r, i) => {
    if (i % 3 === 2) {
      // A get either finds one complete credential or none: never an error or half an item.
      if (r.code === 0) assert.match(JSON.parse(r.stdout).Secret, /^(seed-secret|secret\d+)$/);
      else assert.equal(r.stdout, 'credentials not found in native keychain\n');
    } else {
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], `run ${i}`);
    }
  });
  assert.ok((await itemCount(server)) <= 1);
  // A last store after the storm wins, and is the one item.
  await runHelper(['store'], { env, input: creds(server, 'final', 'final-secret') });
  assert.equal(await itemCount(server), 1);
  assert.equal(JSON.parse((await runHelper(['get'], { env, input: server })).stdout).Secret, 'final-secret');
});
