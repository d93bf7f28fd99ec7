import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registryStatuses } from '../../../src/service/status.js';
import { signedInWorld } from './signedIn.js';

test('status lists each registry with its user, mode and expiry, never a secret', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  const { registries, orphanedSessions } = await registryStatuses(w.deps);
  assert.equal(registries.length, 1);
  const [status] = registries;
  assert.deepEqual(
    [status.registry, status.user, status.mode, status.signedIn, status.refreshToken, status.accessTokenExpiresAt],
    ['reg.example', 'alice', 'password', true, true, w.clock.now + 300],
  );
  assert.ok(!JSON.stringify(registries).includes('rt-1') && !JSON.stringify(registries).includes('at-1'));
  assert.deepEqual(orphanedSessions, []);
});

test('a corrupt item is shown as unreadable and the other registries are still listed', async () => {
  const w = signedInWorld();
  await w.signIn('one.example');
  await w.signIn('two.example');
  w.store.items.set('one.example', 'garbage');
  const { registries } = await registryStatuses(w.deps);
  assert.deepEqual(
    registries.map((r) => r.registry),
    ['one.example', 'two.example'],
  );
  assert.match(registries[0].unreadable!, /the keychain item for one\.example cannot be read/);
  assert.equal(registries[1].signedIn, true);
  assert.equal(registries[1].unreadable, undefined);
});

test('a sign-in no registry uses any more is reported', async () => {
  const w = signedInWorld();
  w.store.items.set(
    'session:https://old.idp#old',
    JSON.stringify({ v: 1, kind: 'oidc-session', issuer: 'https://old.idp', clientId: 'old', authenticatedAt: 0 }),
  );
  assert.deepEqual((await registryStatuses(w.deps)).orphanedSessions, [{ issuer: 'https://old.idp', clientId: 'old' }]);
});
