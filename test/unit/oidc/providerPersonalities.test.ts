// Documented deviations of real providers (issue 14), each accepted deliberately.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceCodePrompt } from '../../../src/cli/deviceCodePrompt.js';
import { login } from '../../../src/service/login.js';
import { credentialHelper } from '../../../src/service/credentialHelper.js';
import type { DeviceCode } from '../../../src/oidc/deviceFlow.js';
import { fakeProvider } from '../../support/fakeProvider.js';
import { testDeps, testPresenter } from '../../support/testDeps.js';

function world(env: NodeJS.ProcessEnv = {}) {
  const idp = fakeProvider();
  const w = testDeps({ fetch: idp.fetch, env });
  const codes: DeviceCode[] = [];
  const signIn = (flags: Record<string, string> = {}) =>
    login(
      w.deps,
      'reg.example',
      { issuer: idp.issuer, clientId: 'tv-client', username: 'oauth2accesstoken', ...flags },
      testPresenter({ onDeviceCode: (code) => codes.push(code) }),
    );
  return { ...w, idp, codes, signIn };
}

test("Google's device answer names the URL verification_url: it is read as RFC 8628's verification_uri", async () => {
  const w = world();
  // developers.google.com/identity/protocols/oauth2/limited-input-device: device_code, user_code, verification_url, expires_in, interval.
  w.idp.deviceAnswer = { verification_uri: undefined, verification_url: 'https://www.google.com/device' };
  await w.signIn();
  assert.equal(w.codes[0].verificationUri, 'https://www.google.com/device');
});

test("Entra ID's message is shown when there is no complete URL, stripped of control characters", async () => {
  const w = world();
  w.idp.deviceAnswer = {
    message: 'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate.\u001b[2J',
  };
  await w.signIn();
  assert.equal(
    w.codes[0].message,
    'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate.[2J',
  );
  const shown: string[] = [];
  const io = testDeps({ terminal: { stderr: (text) => shown.push(text) } });
  deviceCodePrompt(io.deps, 'reg.example')(w.codes[0], { noBrowser: true })();
  assert.ok(shown.includes(`${w.codes[0].message}\n`));
});

test('a client secret from an environment variable is posted on every token request and never saved', async () => {
  const w = world({ TV_CLIENT_SECRET: 'not-really-secret-per-google' });
  w.idp.clientSecret = 'not-really-secret-per-google';
  await w.signIn({ clientSecretEnv: 'TV_CLIENT_SECRET' });
  w.clock.now += 3600;
  assert.equal((await credentialHelper(w.deps).get('reg.example')).Secret, 'at-2', 'the refresh posted it too');
  const settings = readFileSync(w.settingsPath, 'utf8');
  assert.match(settings, /"clientSecretEnv": "TV_CLIENT_SECRET"/);
  assert.ok(!settings.includes('not-really-secret-per-google'));
});

test('a client secret from a file; a missing variable or file says what to fix, without the secret', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'dco-secret-')), 'client-secret');
  writeFileSync(file, 'from-a-file\n');
  const w = world();
  w.idp.clientSecret = 'from-a-file';
  await w.signIn({ clientSecretFile: file });
  const missing = world();
  missing.idp.clientSecret = 'x';
  await assert.rejects(missing.signIn({ clientSecretEnv: 'NOT_SET_HERE' }), {
    code: 'not-configured',
    message: /the environment variable NOT_SET_HERE \(--client-secret-env\) holds no client secret here/,
  });
  await assert.rejects(missing.signIn({ clientSecretFile: '/nonexistent/secret' }), {
    code: 'invalid-input',
    message: /cannot read the client secret file \/nonexistent\/secret \(ENOENT\)/,
  });
  const wrong = world({ S: 'wrong' });
  wrong.idp.clientSecret = 'right';
  await assert.rejects(wrong.signIn({ clientSecretEnv: 'S' }), (error: Error) => !error.message.includes('wrong') && /invalid_client/.test(error.message));
});
