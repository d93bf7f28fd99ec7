import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRenewer } from '../../../src/service/renewer.js';
import { renewerOutcome } from '../../../src/service/renewerLine.js';
import { signedInWorld } from './signedIn.js';

test('the renewer renews and hands the credential to the waiting get over its pipe', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  w.clock.now += 3600;
  const { line, exitCode } = await runRenewer(w.deps, 'reg.example');
  assert.equal(exitCode, 0);
  assert.deepEqual(renewerOutcome(line, { code: 0, signal: null }), { username: 'alice', secret: 'at-2' });
  // An older renewer's bare answer is still a success: get then reads the keychain.
  assert.equal(renewerOutcome('{"ok":true}\n', { code: 0, signal: null }), undefined);
  assert.equal(JSON.parse(w.store.items.get('reg.example')!).secret, 'at-2');
});

test("the renewer's failure reaches get as the same one-line error, never a secret", async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  w.idp.liveRefreshTokens.clear();
  w.clock.now += 3600;
  const { line, exitCode } = await runRenewer(w.deps, 'reg.example');
  assert.equal(exitCode, 1);
  assert.ok(!line.includes('rt-') && !line.includes('at-'));
  assert.throws(() => renewerOutcome(line, { code: 1, signal: null }), { code: 'session-expired', message: 'the provider ended the sign-in for reg.example (it expired, was revoked, or the password changed): run "registry-login reg.example"' });
});

test('a registry that is not signed in with OIDC is the protocol answer docker matches verbatim', async () => {
  const w = signedInWorld();
  const { line } = await runRenewer(w.deps, 'never.example');
  assert.throws(() => renewerOutcome(line, { code: 1, signal: null }), { code: 'credentials-not-found', message: 'credentials not found in native keychain' });
});

test('a renewer that died without a word is reported as such', () => {
  assert.throws(() => renewerOutcome('', { code: null, signal: 'SIGKILL' }), { code: 'idp-error', message: 'the renewal process ended without an answer (SIGKILL): try again' });
});
