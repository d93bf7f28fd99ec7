// `registry-login REG --mode acr` in front of a real Distribution 2.8 registry whose token realm is
// our token server (not Azure): the exchange endpoint is found from the registry's challenge (the
// realm's origin + /oauth2/exchange), or taken from --exchange-url; and a sign-in whose exchange is
// refused is revoked at the provider and removed from the keychain, as any failed sign-in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, run, runHelper } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startIdp, type Idp, personLoginArgs } from '../support/idp.js';
import { signIn } from '../support/signIn.js';
import { makeClientHome } from '../support/clientHome.js';
import { startTokenServerProcess, type TokenServerProcess } from '../support/tokenServerProcess.js';
import { exampleConfig } from '../support/tokenServerExample.js';

const SERVICE = 'registry.example.com';
const NULL_USER = '00000000-0000-0000-0000-000000000000';

let keyring: TestKeyring;
let idp: Idp;
/** A provider the token server does not trust: its tokens are refused at the exchange. */
let untrustedIdp: Idp;
let server: TokenServerProcess;
let registry: TestRegistry;
let otherRegistry: TestRegistry;
let home: string;
let env: NodeJS.ProcessEnv;

const signInArgs = (provider: Idp) => ['--mode', 'acr', ...personLoginArgs(provider), '--no-browser'];
const savedEntry = async (host: string) =>
  JSON.parse(await readFile(join(home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8')).registries?.[host];
const sessionInKeychain = async (provider: Idp) =>
  (
    await run('secret-tool', ['lookup', 'service', 'docker-credential-oidc', 'username', `session:${provider.issuer}#${provider.clientId}`], {
      env: keyring.env,
    })
  ).stdout;
const subjectOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { sub: string }).sub;

before(async () => {
  assertBuilt();
  keyring = await startKeyring();
  idp = await startIdp({ users: ['alice'] });
  untrustedIdp = await startIdp();
  server = await startTokenServerProcess((paths) => exampleConfig({ ...paths, service: SERVICE, issuer: idp.issuer, audience: idp.resource }));
  const tokenAuth = server.registryAuth;
  registry = await startRegistry(tokenAuth);
  otherRegistry = await startRegistry(tokenAuth);
  ({ home, env } = await makeClientHome('acr-exchange', keyring.env, [registry.host, otherRegistry.host]));
});

after(async () => {
  await Promise.all([registry?.stop(), otherRegistry?.stop(), idp?.stop(), untrustedIdp?.stop()]);
  await server?.stop();
  await keyring?.stop();
  await rm(home, { recursive: true, force: true });
});

test('--mode acr finds the exchange from the registry challenge (the realm origin), not at the registry', async () => {
  const login = await signIn(idp, registry.host, signInArgs(idp), env);
  assert.equal(login.code, 0, login.stderr);
  const entry = await savedEntry(registry.host);
  assert.equal(entry.mode, 'acr');
  assert.equal(entry.exchangeUrl, `${server.url}/oauth2/exchange`);
  assert.equal(entry.registryService, SERVICE);
  const get = await runHelper(['get'], { env, input: registry.host });
  assert.equal(get.code, 0, get.stderr);
  const answer = JSON.parse(get.stdout) as { Username: string; Secret: string };
  assert.equal(answer.Username, NULL_USER);
  assert.equal(subjectOf(answer.Secret), 'alice');
  assert.ok(server.logs().some((line) => line.route === '/oauth2/exchange' && line.outcome === 'issued'));
});

test('--mode acr --exchange-url: the given endpoint is used and saved', async () => {
  const given = `${server.url}/oauth2/exchange`;
  const login = await signIn(idp, otherRegistry.host, [...signInArgs(idp), '--exchange-url', given], env);
  assert.equal(login.code, 0, login.stderr);
  const entry = await savedEntry(otherRegistry.host);
  assert.equal(entry.exchangeUrl, given);
  assert.equal(entry.registryService, SERVICE, 'the service the exchange names comes from the challenge');
  const get = await runHelper(['get'], { env, input: otherRegistry.host });
  assert.equal(get.code, 0, get.stderr);
  assert.equal(JSON.parse(get.stdout).Username, NULL_USER);
});

test('a refused exchange at sign-in revokes the new refresh token at the provider and leaves no sign-in in the keychain', async () => {
  const issuedBefore = untrustedIdp.issuedRefreshTokens.length;
  const login = await signIn(untrustedIdp, registry.host, signInArgs(untrustedIdp), env);
  assert.notEqual(login.code, 0);
  assert.match(login.stderr, /refused the token exchange \(HTTP \d+\)/);
  assert.doesNotMatch(login.stderr, /Logged in/);
  const issued = untrustedIdp.issuedRefreshTokens.slice(issuedBefore);
  assert.equal(issued.length, 1, 'the sign-in got one refresh token from the provider');
  assert.equal(await untrustedIdp.isRefreshTokenActive(issued[0]), false, 'the refresh token was revoked');
  assert.equal(await sessionInKeychain(untrustedIdp), '', 'no sign-in left in the keychain');
  // The registry's working sign-in (the first test's) is untouched.
  assert.notEqual(await sessionInKeychain(idp), '');
  assert.equal((await savedEntry(registry.host)).issuer, idp.issuer);
});
