import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialHelper } from '../../../src/service/credentialHelper.js';
import { signedInWorld } from './signedIn.js';

test('an expired credential is renewed once; 16 concurrent gets make exactly one refresh', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  const helper = credentialHelper(w.deps);
  assert.equal((await helper.get('reg.example')).Secret, 'at-1');
  w.clock.now += 3600;
  let open!: () => void;
  w.idp.refreshGate = new Promise((resolve) => (open = resolve));
  const gets = Array.from({ length: 16 }, () => helper.get('reg.example'));
  await new Promise((r) => setTimeout(r, 20));
  open();
  const answers = await Promise.all(gets);
  assert.deepEqual(new Set(answers.map((a) => a.Secret)), new Set(['at-2']));
  assert.equal(w.idp.counts.refresh, 1);
  assert.ok(w.idp.liveRefreshTokens.has('rt-2'), 'the rotated refresh token is kept and still good');
  assert.equal(JSON.parse(w.store.items.get('session:https://idp.test#cli')!).refreshToken, 'rt-2');
});

test('a valid cached credential is answered with no network and no settings validation', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  const before = { ...w.idp.counts };
  const fresh = credentialHelper({ ...w.deps, fetchFor: () => { throw new Error('no fetch on the hot path'); } });
  assert.equal((await fresh.get('reg.example')).Secret, 'at-1');
  assert.deepEqual(w.idp.counts, before);
});

test('a sign-in the provider ended answers get with the registry-login advice', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  w.idp.liveRefreshTokens.clear();
  w.clock.now += 3600;
  await assert.rejects(credentialHelper(w.deps).get('reg.example'), {
    code: 'session-expired',
    message: 'session for reg.example has expired: run "registry-login reg.example"',
  });
});

test('identity-token mode hands out the current refresh token, never a cached copy', async () => {
  const w = signedInWorld();
  await w.signIn('id.example', { mode: 'identity-token' });
  const answer = await credentialHelper(w.deps).get('id.example');
  assert.deepEqual([answer.Username, answer.Secret], ['<token>', 'rt-1']);
  assert.equal(JSON.parse(w.store.items.get('id.example')!).kind, 'session-binding');
});
