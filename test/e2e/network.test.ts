// Company networks: proxies (HTTP(S)_PROXY, NO_PROXY) and providers behind a private CA.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startIdp, type Idp } from '../support/idp.js';
import { startHttpProxy, type HttpProxy } from '../support/httpProxy.js';
import { signIn } from '../support/signIn.js';
import { startKeyringWorld, type KeyringWorld } from '../support/world.js';
import { makeTestCa } from '../support/testCa.js';
import { loginBinary, run, runHelper } from '../support/helperBinary.js';

let world: KeyringWorld;
let idp: Idp;
let proxy: HttpProxy;

before(async () => {
  world = await startKeyringWorld('proxy');
  idp = await startIdp({ accessTokenTtl: 4 });
  proxy = await startHttpProxy();
});
after(async () => {
  await proxy?.stop();
  await idp?.stop();
  await world?.stop();
});

test('sign-in and refresh go through HTTP_PROXY; NO_PROXY bypasses it', async () => {
  const env = { ...world.env, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '' };
  const login = await signIn(idp, 'proxied.example', ['--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--no-browser'], env);
  assert.equal(login.code, 0, login.stderr);
  const providerHost = new URL(idp.issuer).host;
  assert.ok(
    proxy.seen.filter((h) => h === providerHost).length >= 2,
    `discovery, device authorization and token requests went through the proxy: ${proxy.seen.join(' ')}`,
  );

  await new Promise((r) => setTimeout(r, 4500));
  const before = proxy.seen.length;
  const refreshesBefore = idp.stats.tokenRequests.refresh_token ?? 0;
  const refreshed = await runHelper(['get'], { env: { ...env, NO_PROXY: '127.0.0.1' }, input: 'proxied.example' });
  assert.equal(refreshed.code, 0, refreshed.stdout + refreshed.stderr);
  assert.equal(proxy.seen.length, before, 'NO_PROXY: the refresh went direct');
  assert.equal((idp.stats.tokenRequests.refresh_token ?? 0) - refreshesBefore, 1, 'the token was refreshed');
});

test('a provider behind a private CA: refused by default, trusted with --ca-file or NODE_EXTRA_CA_CERTS', async () => {
  const ca = await makeTestCa();
  const tlsIdp = await startIdp({ tls: ca });
  try {
    const args = ['--issuer', tlsIdp.issuer, '--client-id', tlsIdp.clientId, '--resource', tlsIdp.resource, '--no-browser'];
    const untrusted = await run(loginBinary, ['private-ca.example', ...args], { env: world.env });
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, new RegExp(`cannot reach the OpenID provider ${tlsIdp.issuer.replace(/[.]/g, '\\.')}: .*(certificate|self.signed)`, 'i'));
    const withCaFile = await signIn(tlsIdp, 'private-ca.example', [...args, '--ca-file', ca.caPath], world.env);
    assert.equal(withCaFile.code, 0, withCaFile.stderr);
    // The CA file is a saved setting: renewals trust it too.
    const got = await runHelper(['get'], { env: world.env, input: 'private-ca.example' });
    assert.equal(got.code, 0, got.stdout);
    const viaEnv = await signIn(tlsIdp, 'private-ca-2.example', args, { ...world.env, NODE_EXTRA_CA_CERTS: ca.caPath });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
  } finally {
    await tlsIdp.stop();
    await ca.remove();
  }
});
