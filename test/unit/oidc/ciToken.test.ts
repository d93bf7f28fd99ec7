import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchCiToken } from '../../../src/oidc/ciToken.js';
import type { Fetch } from '../../../src/model.js';
import { urlOfInput } from '../../support/fetchInput.js';

function recordingFetch(answer: unknown, status = 200): Fetch & { calls: Array<{ url: string; init?: RequestInit }> } {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: urlOfInput(input), ...(init ? { init } : {}) });
    return new Response(JSON.stringify(answer), { status, headers: { 'content-type': 'application/json' } });
  }) as Fetch & { calls: typeof calls };
  fetch.calls = calls;
  return fetch;
}

const github = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.example/idtoken?api-version=2.0', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-bearer' };

test('GitHub Actions: the request URL with the audience added, the bearer in the header', async () => {
  const fetch = recordingFetch({ value: 'gh.jwt.token' });
  const result = await fetchCiToken({ source: 'github-actions', audience: 'api://AzureADTokenExchange', env: github, fetch });
  assert.deepEqual(result, { token: 'gh.jwt.token', from: 'GitHub Actions' });
  assert.equal(fetch.calls[0].url, 'https://pipelines.example/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange');
  assert.equal((fetch.calls[0].init!.headers as Record<string, string>).authorization, 'bearer request-bearer');
});

test('auto picks the platform whose variables are set; none is a one-line error naming them', async () => {
  assert.equal((await fetchCiToken({ source: 'auto', env: github, fetch: recordingFetch({ value: 'x.y.z' }) })).from, 'GitHub Actions');
  assert.equal((await fetchCiToken({ source: 'auto', env: { GITLAB_CI: 'true', GITLAB_OIDC_TOKEN: 'gl.jwt' }, fetch: recordingFetch({}) })).token, 'gl.jwt');
  const azure = { SYSTEM_OIDCREQUESTURI: 'https://dev.azure.example/oidc', SYSTEM_ACCESSTOKEN: 'ado', AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'sc-1' };
  const fetch = recordingFetch({ oidcToken: 'ado.jwt' });
  assert.equal((await fetchCiToken({ source: 'auto', env: azure, fetch })).token, 'ado.jwt');
  assert.match(fetch.calls[0].url, /api-version=7\.1&serviceConnectionId=sc-1$/);
  await assert.rejects(fetchCiToken({ source: 'auto', env: {}, fetch }), { code: 'not-configured', message: /found no CI identity here/ });
});

test('a projected file is read each time; a huge or multi-line one is refused without showing it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-ci-'));
  const file = join(dir, 'token');
  writeFileSync(file, 'first.jwt\n');
  assert.equal((await fetchCiToken({ source: `file:${file}`, env: {}, fetch: recordingFetch({}) })).token, 'first.jwt');
  writeFileSync(file, 'second.jwt');
  assert.equal((await fetchCiToken({ source: `file:${file}`, env: {}, fetch: recordingFetch({}) })).token, 'second.jwt');
  writeFileSync(file, 'secret-part\nmore');
  await assert.rejects(fetchCiToken({ source: `file:${file}`, env: {}, fetch: recordingFetch({}) }), (error: Error) => !error.message.includes('secret-part'));
  writeFileSync(file, 'x'.repeat(100 * 1024));
  await assert.rejects(fetchCiToken({ source: `file:${file}`, env: {}, fetch: recordingFetch({}) }), { message: /larger than a token could be/ });
  await assert.rejects(fetchCiToken({ source: `file:${join(dir, 'missing')}`, env: {}, fetch: recordingFetch({}) }), {
    message: /cannot read the CI token file .*ENOENT/,
  });
});

test('a request URL over plain http to another host is refused before the bearer is sent', async () => {
  const fetch = recordingFetch({ value: 'x' });
  await assert.rejects(fetchCiToken({ source: 'github-actions', env: { ...github, ACTIONS_ID_TOKEN_REQUEST_URL: 'http://evil.example/t' }, fetch }), {
    message: /must use https/,
  });
  assert.equal(fetch.calls.length, 0);
  const refused: Fetch = async () => new Response('Bad credentials\u001b[31m', { status: 401 });
  await assert.rejects(
    fetchCiToken({ source: 'github-actions', env: github, fetch: refused }),
    (error: Error) => /HTTP 401: Bad credentials\[31m\)/.test(error.message) && !error.message.includes('\u001b'),
  );
});
