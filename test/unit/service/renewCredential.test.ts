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
  const fresh = credentialHelper({
    ...w.deps,
    fetchFor: () => {
      throw new Error('no fetch on the hot path');
    },
  });
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
    message: 'the provider ended the sign-in for reg.example (it expired, was revoked, or the password changed): run "registry-login reg.example"',
  });
});

test('identity-token mode hands out the current refresh token, never a cached copy', async () => {
  const w = signedInWorld();
  await w.signIn('id.example', { mode: 'identity-token' });
  const answer = await credentialHelper(w.deps).get('id.example');
  assert.deepEqual([answer.Username, answer.Secret], ['<token>', 'rt-1']);
  assert.equal(JSON.parse(w.store.items.get('id.example')!).kind, 'session-binding');
});

/** What `get` answers every `step` seconds for `duration` seconds: seconds left on each answer, refreshes made. */
async function answersOver(accessTokenTtl: number, duration: number, step: number, flags: Record<string, string> = {}) {
  const w = signedInWorld();
  w.idp.accessTokenTtl = accessTokenTtl;
  await w.signIn('reg.example', flags);
  const start = w.clock.now;
  const left: number[] = [];
  for (let t = 0; t <= duration; t += step) {
    w.clock.now = start + t;
    await credentialHelper(w.deps).get('reg.example');
    left.push(JSON.parse(w.store.items.get('reg.example')!).expiresAt - w.clock.now);
  }
  return { left, refreshes: w.idp.counts.refresh };
}

test('60 s tokens with the default 10 min minimum: every answer has 30 s or more left, and not every get refreshes', async () => {
  const { left, refreshes } = await answersOver(60, 600, 5);
  assert.ok(Math.min(...left) >= 30, `least time left: ${Math.min(...left)} s`);
  assert.ok(refreshes <= 21, `${refreshes} refreshes for ${left.length} gets`);
});

test('1 h tokens: every answer has at least 10 minutes left (BuildKit keeps credentials that long)', async () => {
  const { left, refreshes } = await answersOver(3600, 7200, 60);
  assert.ok(Math.min(...left) >= 600, `least time left: ${Math.min(...left)} s`);
  assert.equal(refreshes, 2, 'refreshed once per 50 minutes');
});

test('--min-validity is saved per registry and applies to the cached answer', async () => {
  const { left } = await answersOver(3600, 3600, 60, { minValidity: '1800' });
  assert.ok(Math.min(...left) >= 1800, `least time left: ${Math.min(...left)} s`);
});
