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
  assert.throws(() => resolveSettings('r.example', {}, {}, undefined), {
    code: 'not-configured',
    message: /registry-login r\.example --issuer URL --client-id ID/,
  });
  assert.throws(() => resolveSettings('r', { issuer: 'https://i' }, {}, undefined), { code: 'not-configured', message: /--client-id/ });
  assert.throws(() => resolveSettings('r', { issuer: 'https://i', clientId: 'c', mode: 'bogus' as never }, {}, undefined), { code: 'invalid-input' });
});

test('registries behind one issuer and client share a session key', () => {
  assert.equal(sessionKeyOf({ issuer: 'https://i', clientId: 'c' }), sessionKeyOf({ issuer: 'https://i', clientId: 'c' }));
  assert.notEqual(sessionKeyOf({ issuer: 'https://i', clientId: 'c' }), sessionKeyOf({ issuer: 'https://i', clientId: 'd' }));
  assert.notEqual(
    sessionKeyOf({ issuer: 'https://i', clientId: 'c', store: 'none' }),
    sessionKeyOf({ issuer: 'https://i', clientId: 'c', store: 'kernel' }),
    'a sign-in kept elsewhere is another one',
  );
  assert.equal(sessionKeyOf({ issuer: 'https://i', clientId: 'c', store: 'secret-service' }), sessionKeyOf({ issuer: 'https://i', clientId: 'c' }));
});

test('presets from the registry name: ACR signs in with Entra ID in acr mode; Google registries with Google and oauth2accesstoken', () => {
  const acr = resolveSettings('myreg.azurecr.io', { tenant: 'contoso.onmicrosoft.com' }, {}, undefined);
  assert.deepEqual([acr.mode, acr.clientId, acr.issuer], ['acr', AZURE_CLI_CLIENT_ID, 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0']);
  for (const registry of ['europe-docker.pkg.dev', 'us-central1-docker.pkg.dev', 'gcr.io', 'eu.gcr.io']) {
    const google = resolveSettings(registry, { clientId: 'tv-client' }, {}, undefined);
    assert.deepEqual([google.issuer, google.username, google.mode], ['https://accounts.google.com', 'oauth2accesstoken', 'password'], registry);
    assert.match(google.scope, /https:\/\/www\.googleapis\.com\/auth\/cloud-platform/);
  }
  assert.throws(() => resolveSettings('europe-docker.pkg.dev', {}, {}, undefined), {
    message:
      /no client id for europe-docker\.pkg\.dev: add --client-id ID \(a Google OAuth client of type "TVs and Limited Input devices", with --client-secret-file\)/,
  });
  const given = resolveSettings('europe-docker.pkg.dev', { clientId: 'c', issuer: 'https://sso.example', username: 'me' }, {}, undefined);
  assert.deepEqual([given.issuer, given.username], ['https://sso.example', 'me'], 'what the person gives wins over a preset');
  assert.equal(resolveSettings('registry.example.com', { issuer: 'https://i', clientId: 'c' }, {}, undefined).mode, 'password');
});
