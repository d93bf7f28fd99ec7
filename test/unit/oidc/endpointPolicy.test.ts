import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost, requireSecureUrl } from '../../../src/oidc/endpointPolicy.js';
import { browserCommand } from '../../../src/cli/browser.js';
import { exchangeUrl } from '../../../src/oidc/modes/acr.js';

test('plain http only on loopback', () => {
  for (const ok of ['https://idp.example.com', 'http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9']) assert.ok(requireSecureUrl(ok, 'issuer'));
  for (const bad of ['http://idp.example.com', 'http://127.0.0.1.evil.com', 'ftp://127.0.0.1']) {
    assert.throws(() => requireSecureUrl(bad, 'issuer'), { code: 'invalid-input' }, bad);
  }
  assert.throws(() => requireSecureUrl('not a url', 'issuer'), /is not a URL/);
  assert.equal(isLoopbackHost('127.8.9.10'), true);
  assert.equal(isLoopbackHost('128.0.0.1'), false);
});

test('ACR exchange is https except for a loopback double', () => {
  assert.equal(exchangeUrl('contoso.azurecr.io'), 'https://contoso.azurecr.io/oauth2/exchange');
  assert.equal(exchangeUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000/oauth2/exchange');
});

test('a browser is opened only at a desktop, never over SSH', () => {
  assert.deepEqual(browserCommand({ DISPLAY: ':0' }, 'linux'), ['xdg-open', []]);
  assert.equal(browserCommand({}, 'linux'), null);
  assert.equal(browserCommand({ DISPLAY: ':0', SSH_CONNECTION: '1 2 3 4' }, 'linux'), null);
  assert.deepEqual(browserCommand({}, 'darwin'), ['open', []]);
  assert.deepEqual(browserCommand({ BROWSER: 'firefox' }, 'linux'), ['firefox', []]);
});
