import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { login } from '../../../src/service/login.js';
import { signedInWorld } from './signedIn.js';
import { testPresenter } from '../../support/testDeps.js';
import { urlOfInput } from '../../support/fetchInput.js';

test('the device flow signs in: the code is shown, tokens go to the keychain, settings (never a secret) to the file', async () => {
  const w = signedInWorld();
  const shown: string[] = [];
  const result = await login(
    w.deps,
    'Reg.Example:5000',
    { issuer: w.idp.issuer, clientId: 'cli', username: 'alice' },
    testPresenter({ onDeviceCode: (code) => shown.push(`${code.userCode} ${code.verificationUri}`) }),
  );
  assert.deepEqual(shown, ['ABCD-EFGH https://idp.test/activate']);
  assert.equal(result.registry, 'reg.example:5000');
  assert.equal(result.username, 'alice');
  assert.equal(result.reusedSession, false);
  assert.equal(w.idp.counts.device, 1);
  const session = JSON.parse(w.store.items.get('session:https://idp.test#cli')!);
  assert.equal(session.refreshToken, 'rt-1');
  const derived = JSON.parse(w.store.items.get('reg.example:5000')!);
  assert.deepEqual([derived.kind, derived.username, derived.secret], ['derived', 'alice', 'at-1']);
  const file = readFileSync(w.settingsPath, 'utf8');
  assert.equal(JSON.parse(file).registries['reg.example:5000'].issuer, 'https://idp.test');
  assert.ok(!/rt-1|at-1/.test(file), 'no token in the settings file');
});

test('a second registry on the same provider and client reuses the sign-in: no new device flow', async () => {
  const w = signedInWorld();
  await w.signIn('one.example');
  const second = await w.signIn('two.example');
  assert.equal(second.reusedSession, true);
  assert.equal(w.idp.counts.device, 1);
  assert.equal(w.idp.counts.discovery, 1, 'the saved endpoints serve the second registry');
  assert.ok(w.store.items.has('two.example'));
});

test('a denial at the provider is the access-denied error (exit 4), and nothing is stored', async () => {
  const w = signedInWorld();
  w.idp.deviceError = 'access_denied';
  await assert.rejects(w.signIn('reg.example'), { code: 'access-denied', message: 'sign-in to reg.example was denied at https://idp.test' });
  assert.equal(w.store.items.size, 0);
});

test('registry-login of a registry with no provider says which flags to add', async () => {
  const w = signedInWorld();
  await assert.rejects(login(w.deps, 'x.example', {}, testPresenter()), {
    code: 'not-configured',
    message: 'no OpenID provider known for x.example: run "registry-login x.example --issuer URL --client-id ID"',
  });
});

test('signing a registry in with another client ends the sign-in it leaves: revoked and removed', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  assert.ok(w.idp.liveRefreshTokens.has('rt-1'));
  await w.signIn('reg.example', { clientId: 'another-client' });
  assert.equal(w.store.items.has('session:https://idp.test#cli'), false, 'the old sign-in is gone from the keychain');
  assert.equal(w.idp.liveRefreshTokens.has('rt-1'), false, 'and its refresh token is dead at the provider');
  assert.ok(w.store.items.has('session:https://idp.test#another-client'));
});

test('a sign-in another registry still uses is kept when one registry moves away', async () => {
  const w = signedInWorld();
  await w.signIn('one.example');
  await w.signIn('two.example');
  await w.signIn('one.example', { clientId: 'another-client' });
  assert.ok(w.store.items.has('session:https://idp.test#cli'));
  assert.ok(w.idp.liveRefreshTokens.has('rt-1'));
});

test('a provider answering authorization_pending forever: the sign-in stops when the code expires', async () => {
  const w = signedInWorld();
  w.idp.deviceError = 'authorization_pending';
  w.idp.deviceAnswer = { expires_in: 1 };
  // The test's clock must move with real time here: the deadline is a real timer.
  const started = Date.now();
  w.clock.now = Math.floor(started / 1000);
  (w.deps as { nowS: () => number }).nowS = () => Math.floor(Date.now() / 1000);
  await assert.rejects(w.signIn('reg.example'), {
    code: 'device-code-expired',
    message: 'the code expired before sign-in finished: run "registry-login reg.example" again',
  });
  assert.ok(w.idp.counts.deviceToken > 1, 'it polled until then');
});

test('tokens that live less than the minimum validity are reported once at sign-in', async () => {
  const w = signedInWorld();
  w.idp.accessTokenTtl = 300;
  const result = await w.signIn('reg.example');
  assert.deepEqual(result.shortLivedCredential, { lifetime: 300, minValidity: 600 });
  w.idp.accessTokenTtl = 3600;
  const fine = await w.signIn('other.example', { clientId: 'another' });
  assert.equal(fine.shortLivedCredential, undefined);
});

test('a registry signed in with another client ends the sign-in it leaves; a revocation the provider refuses comes back as a warning, not printed by the use case', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  const provider = w.deps.fetchFor(undefined);
  w.deps.fetchFor = () => async (input, init) => (urlOfInput(input).endsWith('/revoke') ? new Response('unavailable', { status: 503 }) : provider(input, init));
  const moved = await w.signIn('reg.example', { clientId: 'cli-2' });
  assert.equal(moved.warnings?.length, 1);
  assert.match(moved.warnings[0], /revo/i);
  assert.equal(w.store.items.has('session:https://idp.test#cli'), false, 'the sign-in left behind is removed all the same');
  assert.deepEqual(w.stderr, [], 'the command prints the warning, not the use case');
});
