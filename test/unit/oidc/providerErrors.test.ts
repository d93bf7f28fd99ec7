// What a person reads when the provider refuses: each answer says what happened and the command to run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { observeServerDate, observedClockSkewS } from '../../../src/oidc/clockSkew.js';
import { createFetch } from '../../../src/oidc/httpClient.js';
import { credentialHelper } from '../../../src/service/credentialHelper.js';
import { signedInWorld } from '../service/signedIn.js';

async function refreshAnswered(refreshError: { error: string; error_description?: string }) {
  const w = signedInWorld();
  await w.signIn('reg.example');
  w.idp.refreshError = refreshError;
  w.clock.now += 3600;
  return credentialHelper(w.deps)
    .get('reg.example')
    .then(
      () => assert.fail('get should have failed'),
      (error: Error & { code?: string }) => error,
    );
}

const NEEDED =
  'the provider needs you to sign in again for reg.example (multi-factor authentication, consent or a sign-in policy): run "registry-login reg.example"';

test('invalid_grant on refresh: the provider ended the sign-in, and what to run', async () => {
  const error = await refreshAnswered({ error: 'invalid_grant', error_description: 'Stale token' });
  assert.deepEqual(
    [error.code, error.message],
    ['session-expired', 'the provider ended the sign-in for reg.example (it expired, was revoked, or the password changed): run "registry-login reg.example"'],
  );
});

test('Dex\'s dead refresh token (invalid_request, "already been claimed") ends the sign-in like invalid_grant', async () => {
  const error = await refreshAnswered({
    error: 'invalid_request',
    error_description: 'Refresh token is invalid or has already been claimed by another client.',
  });
  assert.deepEqual(
    [error.code, error.message],
    ['session-expired', 'the provider ended the sign-in for reg.example (it expired, was revoked, or the password changed): run "registry-login reg.example"'],
  );
});

test("Entra's bad_verification_code during the device flow says the code is unknown and what to run", async () => {
  const w = signedInWorld();
  w.idp.deviceError = 'bad_verification_code';
  w.idp.deviceErrorDescription = 'AADSTS70019: Verification code expired.';
  await assert.rejects(w.signIn('reg.example'), {
    code: 'device-code-expired',
    message: /the provider no longer knows this code .*: run "registry-login reg\.example" again/,
  });
});

for (const code of ['interaction_required', 'consent_required', 'login_required']) {
  test(`${code} on refresh: the person is needed again`, async () => {
    const error = await refreshAnswered({ error: code });
    assert.deepEqual([error.code, error.message], ['session-expired', NEEDED]);
  });
}

for (const aadsts of ['AADSTS50076', 'AADSTS50079', 'AADSTS50158', 'AADSTS53003', 'AADSTS70043', 'AADSTS700082']) {
  test(`Entra ID's ${aadsts} inside invalid_grant: MFA or a policy needs the person`, async () => {
    const error = await refreshAnswered({
      error: 'invalid_grant',
      error_description: `${aadsts}: Due to a configuration change made by your administrator, you must use multi-factor authentication.`,
    });
    assert.equal(error.message, NEEDED);
  });
}

test('a provider whose clock is an hour off: the answer names the clock, not a bad token', async () => {
  observeServerDate(new Date(Date.now() + 3_600_000).toUTCString());
  try {
    const error = await refreshAnswered({ error: 'invalid_grant', error_description: 'token used before issued' });
    assert.match(
      error.message,
      /^this machine's clock is 60 min behind https:\/\/idp\.test's, so its tokens look invalid: set the clock right \(e\.g\. timedatectl set-ntp true\), then run "registry-login reg\.example"$/,
    );
  } finally {
    observeServerDate(new Date().toUTCString());
  }
});

test("every answer's Date header is observed by the fetch all requests go through", async () => {
  const server = createServer((_req, res) => {
    res.setHeader('date', new Date(Date.now() - 7_200_000).toUTCString());
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await (await createFetch({ env: {} })(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).text();
    assert.ok(Math.abs(observedClockSkewS() + 7200) < 5, `skew ${observedClockSkewS()}`);
  } finally {
    server.close();
    observeServerDate(new Date().toUTCString());
  }
});

test('with a skewed clock a denial is still a denial', async () => {
  observeServerDate(new Date(Date.now() + 3_600_000).toUTCString());
  try {
    const w = signedInWorld();
    w.idp.deviceError = 'access_denied';
    await assert.rejects(w.signIn('reg.example'), { code: 'access-denied' });
  } finally {
    observeServerDate(new Date().toUTCString());
  }
});
