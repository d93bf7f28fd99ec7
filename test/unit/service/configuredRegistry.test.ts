import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configuredRegistry, findConfiguredRegistry } from '../../../src/service/configuredRegistry.js';
import { chooseSignInFlow } from '../../../src/service/login.js';
import { sessionKeyOf, type RegistryEntry } from '../../../src/model.js';
import { testDeps } from '../../support/testDeps.js';

const entry: RegistryEntry = {
  serverURL: 'https://Registry.Example:5000/team/',
  issuer: 'https://sso.example',
  clientId: 'registry',
  scope: 'openid offline_access',
  mode: 'password',
  usernameClaim: 'preferred_username',
  secretToken: 'access-token',
};

test('a registry is resolved once into its keychain accounts, host, store and saved endpoints', () => {
  const endpoints = { issuer: 'https://sso.example', token_endpoint: 'https://sso.example/token', fetchedAt: 1 };
  const settings = { version: 1 as const, registries: {}, providers: { 'https://sso.example': endpoints } };
  const registry = configuredRegistry(entry, settings);
  assert.deepEqual(registry, {
    key: 'registry.example:5000/team',
    host: 'registry.example:5000',
    entry,
    sessionKey: sessionKeyOf(entry),
    store: 'secret-service',
    endpoints,
  });
  assert.equal(configuredRegistry({ ...entry, store: 'kernel' }).store, 'kernel');
  assert.equal('endpoints' in configuredRegistry(entry), false, 'no endpoints known: none made up');
});

test('findConfiguredRegistry reads the settings file once and answers undefined for a registry nobody configured', async () => {
  const w = testDeps();
  await w.deps.settings.update((s) => ({ ...s, registries: { ...s.registries, 'registry.example:5000/team': entry } }));
  assert.equal((await findConfiguredRegistry(w.deps, 'registry.example:5000/team'))?.host, 'registry.example:5000');
  assert.equal(await findConfiguredRegistry(w.deps, 'other.example'), undefined);
});

test('the device-or-browser choice: the browser at a desktop, the device code over SSH, and the fallback only for auto', () => {
  const both = { browser: true, deviceCode: true };
  assert.deepEqual(chooseSignInFlow('auto', both, true, 'I'), { flow: 'browser', browserFallback: false });
  assert.deepEqual(chooseSignInFlow('auto', both, false, 'I'), { flow: 'device-code', browserFallback: true });
  assert.deepEqual(chooseSignInFlow('device-code', both, true, 'I'), { flow: 'device-code', browserFallback: false });
  assert.deepEqual(chooseSignInFlow('auto', { browser: true, deviceCode: false }, false, 'I'), { flow: 'browser', browserFallback: false });
  assert.deepEqual(chooseSignInFlow('auto', { browser: false, deviceCode: true }, true, 'I'), { flow: 'device-code', browserFallback: false });
  assert.throws(() => chooseSignInFlow('authorization-code', { browser: false, deviceCode: true }, true, 'https://i'), {
    message: /publishes no authorization endpoint.*--flow device-code/,
  });
  assert.throws(() => chooseSignInFlow('device-code', { browser: true, deviceCode: false }, false, 'https://i'), {
    message: /does not offer the device authorization grant.*--flow browser/,
  });
});
