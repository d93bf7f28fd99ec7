// Everything a provider sends is shown to a person: escape sequences (clear screen, window titles,
// OSC 8 links whose text differs from their target, cursor movement) must never reach the terminal,
// and the URL a person is told to open must be a plain https URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { login } from '../../../src/service/login.js';
import { usernameFor } from '../../../src/oidc/tokenMath.js';
import { fakeProvider } from '../../support/fakeProvider.js';
import { testDeps, testPresenter } from '../../support/testDeps.js';

const ESC = '\u001b';
const OSC8 = `${ESC}]8;;https://evil.example${ESC}\\https://idp.test/activate${ESC}]8;;${ESC}\\`;

async function signInShowing(answer: Record<string, unknown>) {
  const idp = fakeProvider();
  idp.deviceAnswer = answer;
  const world = testDeps({ fetch: idp.fetch });
  const shown: unknown[] = [];
  const result = login(
    world.deps,
    'reg.example',
    { issuer: idp.issuer, clientId: 'c', username: 'u' },
    testPresenter({ onDeviceCode: (code) => shown.push(code) }),
  );
  return { result, shown, idp };
}

for (const [name, uri] of [
  ['an OSC 8 link', OSC8],
  ['a javascript: URL', 'javascript:alert(1)'],
  ['plain http to another host', 'http://idp.test/activate'],
  ['user information', 'https://idp.test@evil.example/activate'],
  ['a clear-screen sequence', `https://idp.test/activate${ESC}[2J`],
  ['a right-to-left override', 'https://idp.test/\u202Eetavitca'],
] as const) {
  test(`a verification URL with ${name} is refused before anything is shown`, async () => {
    const { result, shown } = await signInShowing({ verification_uri: uri });
    await assert.rejects(result, { code: 'idp-error', message: /sent a verification URL that is not a plain https URL: refused/ });
    assert.deepEqual(shown, []);
  });
}

test('verification_uri_complete is held to the same rule', async () => {
  const { result } = await signInShowing({ verification_uri_complete: OSC8 });
  await assert.rejects(result, { message: /not a plain https URL/ });
});

test('control characters are stripped from the user code', async () => {
  const { result, shown } = await signInShowing({ user_code: `${ESC}[2J${ESC}]0;pwned\u0007WDJB-MJHT` });
  await result;
  assert.equal((shown[0] as { userCode: string }).userCode, '[2J]0;pwnedWDJB-MJHT');
});

test("the provider's error and description reach the message without escape sequences", async () => {
  const idp = fakeProvider();
  idp.deviceError = `server_error${ESC}[2J`;
  idp.deviceErrorDescription = `try ${ESC}]8;;https://evil.example${ESC}\\this link${ESC}]8;;${ESC}\\`;
  const world = testDeps({ fetch: idp.fetch });
  const failure = await login(world.deps, 'reg.example', { issuer: idp.issuer, clientId: 'c', username: 'u' }, testPresenter()).catch((e: Error) => e);
  assert.ok(failure instanceof Error);
  assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(failure.message), JSON.stringify(failure.message));
  assert.match(failure.message, /refused the sign-in: server_error\[2J \(try \]8;;https:\/\/evil\.example\\this link\]8;;\\\)/);
});

test('a username claim is printable and bounded', () => {
  assert.equal(usernameFor({ usernameClaim: 'preferred_username' }, { preferred_username: `al${ESC}[31mice\u202E` }), 'al[31mice');
  assert.equal(usernameFor({ usernameClaim: 'name' }, { name: 'x'.repeat(10_000) }).length, 256);
  assert.equal(usernameFor({ usernameClaim: 'constructor' }, { sub: 'bob' }), 'bob', 'no inherited property is a claim');
});
