import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AZURE_CLI_CLIENT_ID, resolveSettings, settingsFromEnv } from '../../../src/config/resolveSettings.js';
import { sessionKeyOf } from '../../../src/model.js';

test('flag beats environment beats saved setting beats default', () => {
  const saved = { issuer: 'https://saved', clientId: 'saved-client', scope: 'openid offline_access saved' };
  const env = settingsFromEnv({ DOCKER_CREDENTIAL_OIDC_CLIENT_ID: 'env-client', DOCKER_CREDENTIAL_OIDC_NO_BROWSER: '1' });
  const settings = resolveSettings('r.example', { scope: 'openid flag' }, env, saved);
  assert.equal(settings.issuer, 'https://saved');
  assert.equal(settings.clientId, 'env-client');
  assert.equal(settings.scope, 'openid flag offline_access', 'offline_access is always asked for');
  assert.equal(settings.noBrowser, true);
  assert.equal(settings.mode, 'password');
  assert.equal(settings.usernameClaim, 'preferred_username');
  assert.equal(settings.secretToken, 'access-token');
});

test('undefined flags do not erase saved settings', () => {
  const settings = resolveSettings('r', { issuer: undefined, resource: undefined }, {}, { issuer: 'https://i/', clientId: 'c', resource: 'urn:r' });
  assert.equal(settings.issuer, 'https://i');
  assert.equal(settings.resource, 'urn:r');
});

test('acr: the tenant fills the issuer, Azure CLI client and ACR scope by default', () => {
  const settings = resolveSettings('x.azurecr.io', { mode: 'acr', tenant: 'contoso.onmicrosoft.com' }, {}, undefined);
  assert.equal(settings.issuer, 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0');
  assert.equal(settings.clientId, AZURE_CLI_CLIENT_ID);
  assert.match(settings.scope, /containerregistry\.azure\.net\/\.default/);
});

test('missing issuer or client id, unknown mode: one line saying what to add', () => {
  assert.throws(() => resolveSettings('r.example', {}, {}, undefined), { code: 'not-configured', message: /registry-login r\.example --issuer URL --client-id ID/ });
  assert.throws(() => resolveSettings('r', { issuer: 'https://i' }, {}, undefined), { code: 'not-configured', message: /--client-id/ });
  assert.throws(() => resolveSettings('r', { issuer: 'https://i', clientId: 'c', mode: 'bogus' as never }, {}, undefined), { code: 'invalid-input' });
});

test('registries behind one issuer and client share a session key', () => {
  assert.equal(sessionKeyOf({ issuer: 'https://i', clientId: 'c' }), sessionKeyOf({ issuer: 'https://i', clientId: 'c' }));
  assert.notEqual(sessionKeyOf({ issuer: 'https://i', clientId: 'c' }), sessionKeyOf({ issuer: 'https://i', clientId: 'd' }));
});
