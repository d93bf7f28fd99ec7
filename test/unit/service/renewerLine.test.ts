import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRenewer } from '../../../src/app/renewerMain.js';
import { awaitRenewerAnswer, renewerOutcome } from '../../../src/service/renewerLine.js';
import { PassThrough } from 'node:stream';
import { HelperError } from '../../../src/errors.js';
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
  assert.throws(() => renewerOutcome(line, { code: 1, signal: null }), {
    code: 'session-expired',
    message: 'the provider ended the sign-in for reg.example (it expired, was revoked, or the password changed): run "registry-login reg.example"',
  });
});

test('a registry that is not signed in with OIDC is the protocol answer docker matches verbatim', async () => {
  const w = signedInWorld();
  const { line } = await runRenewer(w.deps, 'never.example');
  assert.throws(() => renewerOutcome(line, { code: 1, signal: null }), { code: 'credentials-not-found', message: 'credentials not found in native keychain' });
});

test('a renewer that died without a word is reported as such', () => {
  assert.throws(() => renewerOutcome('', { code: null, signal: 'SIGKILL' }), {
    code: 'idp-error',
    message: 'the renewal process ended without an answer (SIGKILL): try again',
  });
});

/** A renewer as the waiting get sees it: its stdout, and when it exits (never, unless told). */
function fakeRenewer() {
  const stdout = new PassThrough();
  let exit!: (outcome: { code: number | null; signal: string | null }) => void;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => (exit = resolve));
  return { stdout, exited, exit };
}

test("the get answers as soon as the renewer's line is complete, not when the renewer has exited", async () => {
  const renewer = fakeRenewer();
  const answer = awaitRenewerAnswer(renewer.stdout, renewer.exited);
  renewer.stdout.write('{"ok":true,"credential":{"username":"al');
  renewer.stdout.write('ice","secret":"at-3"}}\n');
  // The renewer lingers (its exit takes milliseconds of teardown): the answer must not wait for it.
  assert.deepEqual(await answer, { username: 'alice', secret: 'at-3' });
});

test('a renewer that exits without a line, or with a garbled one, is reported by how it ended', async () => {
  const silent = fakeRenewer();
  const none = awaitRenewerAnswer(silent.stdout, silent.exited);
  silent.stdout.end();
  silent.exit({ code: null, signal: 'SIGKILL' });
  await assert.rejects(none, { code: 'idp-error', message: 'the renewal process ended without an answer (SIGKILL): try again' });

  const garbled = fakeRenewer();
  const bad = awaitRenewerAnswer(garbled.stdout, garbled.exited);
  garbled.stdout.write('not json\n');
  garbled.exit({ code: 1, signal: null });
  await assert.rejects(bad, { code: 'idp-error', message: 'the renewal process ended without an answer (exit 1): try again' });
});

test('a refused renewal is reported from its line at once', async () => {
  const renewer = fakeRenewer();
  const answer = awaitRenewerAnswer(renewer.stdout, renewer.exited);
  renewer.stdout.write(`${JSON.stringify({ ok: false, code: 'credentials-not-found', message: 'credentials not found in native keychain' })}\n`);
  await assert.rejects(answer, { code: 'credentials-not-found' });
});

test('a renewer that cannot be started is reported, not waited for', async () => {
  const stdout = new PassThrough();
  const answer = awaitRenewerAnswer(stdout, Promise.reject(new HelperError('idp-error', 'cannot start the renewal process (spawn EACCES): try again')));
  await assert.rejects(answer, { code: 'idp-error', message: /cannot start the renewal process/ });
});
