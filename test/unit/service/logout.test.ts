import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialHelper } from '../../../src/service/credentialHelper.js';
import { logoutAll, logoutRegistry } from '../../../src/service/logout.js';
import { signedInWorld } from './signedIn.js';

test('a shared sign-in lives on until its last registry logs out, then it is revoked', async () => {
  const w = signedInWorld();
  await w.signIn('one.example');
  await w.signIn('two.example');
  const first = await logoutRegistry(w.deps, 'one.example', { forget: false });
  assert.deepEqual(first.sharedWith, ['two.example']);
  assert.equal(first.revoked, false);
  assert.equal(w.idp.counts.revocation, 0);
  assert.ok(w.store.items.has('session:https://idp.test#cli'));
  await assert.rejects(credentialHelper(w.deps).get('one.example'), { code: 'session-expired', message: /not signed in to one\.example/ });
  assert.equal((await credentialHelper(w.deps).get('two.example')).Secret, 'at-1');

  const last = await logoutRegistry(w.deps, 'two.example', { forget: false });
  assert.deepEqual([last.revoked, last.sessionEnded], [true, true]);
  assert.equal(w.idp.liveRefreshTokens.size, 0, 'the refresh token is dead at the provider');
  assert.equal(w.store.items.size, 0);
});

test('docker logout (erase) of an OIDC registry ends its sign-in', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  await credentialHelper(w.deps).delete('https://reg.example');
  assert.equal(w.store.items.size, 0);
  assert.equal(w.idp.counts.revocation, 1);
});

test('logout --all removes every item of ours, passwords and sign-ins no registry uses included', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  await credentialHelper(w.deps).add({ ServerURL: 'static.example', Username: 'u', Secret: 's' });
  w.store.items.set(
    'session:https://old.idp#old',
    JSON.stringify({ v: 1, kind: 'oidc-session', issuer: 'https://old.idp', clientId: 'old', authenticatedAt: 0 }),
  );
  const report = await logoutAll(w.deps, { forget: true });
  assert.deepEqual(
    report.registries.map((r) => r.registry),
    ['reg.example'],
  );
  assert.equal(report.removedItems, 2);
  assert.equal(w.store.items.size, 0);
  assert.deepEqual(Object.keys((await w.deps.settings.read()).registries), []);
});
