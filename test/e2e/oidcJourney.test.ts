// The reason the project exists, end to end with real parts on 127.0.0.1: a certified OpenID
// provider (oidc-provider) with the device flow, a Distribution registry in token-auth mode behind a
// token server that trusts the provider, skopeo and the docker CLI, and a real Secret Service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, helperBinary, run, runHelper, type RunResult } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { startIdp, type Idp, personLoginArgs } from '../support/idp.js';
import { startTokenServer, verifyOidcAccessToken, type TokenServer } from '../support/tokenServer.js';
import { startAcrDouble, type AcrDouble } from '../support/acrDouble.js';
import { signIn } from '../support/signIn.js';
import { makeClientHome } from '../support/clientHome.js';
import { filesContaining, processCommandLinesContaining } from '../support/secretScan.js';

const ACCESS_TOKEN_TTL = 8;

let keyring: TestKeyring;
let idp: Idp;
let tokenServer: TokenServer;
let registry: TestRegistry;
let identityRegistry: TestRegistry;
let acr: AcrDouble;
let home: string;
let env: NodeJS.ProcessEnv;
let authFile: string;
let image: string;
/** Every token the helper handed out or holds, for the secret scans. */
const seenSecrets = new Set<string>();
const outputs: RunResult[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get(server: string): Promise<{ Username: string; Secret: string }> {
  const result = await runHelper(['get'], { env, input: server });
  assert.equal(result.code, 0, `get ${server}: ${result.stdout}${result.stderr}`);
  const answer = JSON.parse(result.stdout) as { Username: string; Secret: string };
  seenSecrets.add(answer.Secret);
  return answer;
}

async function sessionItem(): Promise<{ refreshToken: string; accessToken: { value: string } }> {
  const { stdout } = await run('secret-tool', ['lookup', 'service', 'docker-credential-oidc', 'username', `session:${idp.issuer}#${idp.clientId}`], {
    env: keyring.env,
  });
  return JSON.parse(stdout);
}

before(async () => {
  assertBuilt();
  keyring = await startKeyring();
  idp = await startIdp({ accessTokenTtl: ACCESS_TOKEN_TTL });
  tokenServer = await startTokenServer({ idp });
  const tokenAuth = tokenServer.registryAuth;
  registry = await startRegistry(tokenAuth);
  identityRegistry = await startRegistry(tokenAuth);
  acr = await startAcrDouble((token) => verifyOidcAccessToken(token, idp));
  ({ home, authFile, env } = await makeClientHome('oidc', keyring.env, [registry.host, identityRegistry.host]));
  image = await makeOciImage(await mkdtemp(join(home, 'img-')));
});

after(async () => {
  await Promise.all([registry?.stop(), identityRegistry?.stop(), tokenServer?.stop(), acr?.stop(), idp?.stop()]);
  await keyring?.stop();
  await rm(home, { recursive: true, force: true });
});

test('registry-login: device code on stderr, approval, tokens only in the keychain', async () => {
  const login = await signIn(idp, registry.host, [...personLoginArgs(idp), '--no-browser'], env);
  outputs.push(login);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, new RegExp(`open ${idp.issuer}/device and enter the code: ${login.userCode}`));
  assert.match(login.stderr, /the code expires in \d+:\d\d/);
  assert.match(login.stderr, new RegExp(`Logged in to ${registry.host} as alice \\(session valid until`));
  assert.equal(login.stdout, '');
  assert.equal(idp.stats.tokenRequests.device_code, 1);
  const session = await sessionItem();
  seenSecrets.add(session.refreshToken);
  seenSecrets.add(session.accessToken.value);
  const settings = JSON.parse(await readFile(join(home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8'));
  assert.equal(settings.registries[registry.host].issuer, idp.issuer);
  assert.equal(settings.providers[idp.issuer].token_endpoint, `${idp.issuer}/token`);
});

test('a second registry-login of the same registry needs no flags and no new device flow', async () => {
  const deviceFlows = idp.stats.deviceAuthorizations;
  const again = await signIn(idp, registry.host, [], env);
  outputs.push(again);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(idp.stats.deviceAuthorizations, deviceFlows);
  assert.match(again.stderr, new RegExp(`Logged in to ${registry.host} as alice .*reusing your existing sign-in`));
});

test('skopeo pushes and pulls through the token-auth registry with credentials only from the helper', async () => {
  const push = await run('skopeo', ['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${registry.host}/team/app:v1`], { env });
  outputs.push(push);
  assert.equal(push.code, 0, push.stderr);
  const pull = await run(
    'skopeo',
    ['copy', '--authfile', authFile, '--src-tls-verify=false', `docker://${registry.host}/team/app:v1`, `oci:${join(home, 'pulled')}:v1`],
    { env },
  );
  assert.equal(pull.code, 0, pull.stderr);
  assert.ok(tokenServer.stats.basic >= 2);
  const inspect = await run('docker', ['manifest', 'inspect', '--insecure', `${registry.host}/team/app:v1`], { env });
  outputs.push(inspect);
  assert.equal(inspect.code, 0, inspect.stderr);
});

test('an expired access token is refreshed; 16 concurrent gets make exactly one refresh', async () => {
  const before = await get(registry.host);
  await sleep((ACCESS_TOKEN_TTL + 1) * 1000);
  const refreshes = idp.stats.tokenRequests.refresh_token ?? 0;
  const results = await Promise.all(Array.from({ length: 16 }, () => runHelper(['get'], { env, input: registry.host })));
  for (const r of results) assert.equal(r.code, 0, r.stdout + r.stderr);
  const secrets = new Set(results.map((r) => JSON.parse(r.stdout).Secret as string));
  assert.equal(secrets.size, 1, 'all 16 got the same new token');
  assert.ok(!secrets.has(before.Secret));
  assert.equal((idp.stats.tokenRequests.refresh_token ?? 0) - refreshes, 1, 'exactly one refresh request');
  assert.equal(idp.stats.tokenRequests.refresh_token_error ?? 0, 0);
  for (const s of secrets) seenSecrets.add(s);
  seenSecrets.add((await sessionItem()).refreshToken);
});

// Runs right after a refresh, so the cached token is certainly fresh for the next seconds.
test('a valid cached token is answered with no network at all (provider down)', async () => {
  const first = await get(registry.host);
  const refreshes = idp.stats.tokenRequests.refresh_token ?? 0;
  await idp.pause();
  try {
    const again = await get(registry.host);
    assert.equal(again.Secret, first.Secret);
    assert.equal(again.Username, 'alice');
  } finally {
    await idp.resume();
  }
  assert.equal(idp.stats.tokenRequests.refresh_token ?? 0, refreshes);
});

test('provider down with an expired token: a clear error naming the issuer; back up: works without a new login', async () => {
  await sleep((ACCESS_TOKEN_TTL + 1) * 1000);
  await idp.pause();
  let failed: RunResult;
  try {
    failed = await runHelper(['get'], { env, input: registry.host });
  } finally {
    await idp.resume();
  }
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, new RegExp(`^cannot reach the OpenID provider ${idp.issuer} to renew the token for ${registry.host}: .*ECONNREFUSED.*\\n$`));
  const recovered = await get(registry.host);
  assert.equal(recovered.Username, 'alice');
  assert.equal(idp.stats.tokenRequests.device_code, 1, 'no new sign-in');
});

test('a second registry behind the same provider reuses the sign-in; identity-token mode works with skopeo', async () => {
  const deviceFlows = idp.stats.deviceAuthorizations;
  const login = await signIn(idp, identityRegistry.host, [...personLoginArgs(idp), '--mode', 'identity-token', '--no-browser'], env);
  outputs.push(login);
  assert.equal(login.code, 0, login.stderr);
  assert.equal(idp.stats.deviceAuthorizations, deviceFlows, 'no second device flow');
  assert.match(login.stderr, /reusing your existing sign-in/);
  const answer = await get(identityRegistry.host);
  assert.equal(answer.Username, '<token>');
  assert.equal(answer.Secret, (await sessionItem()).refreshToken);
  const refreshGrants = tokenServer.stats.refresh;
  const push = await run('skopeo', ['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${identityRegistry.host}/team/app:v2`], {
    env,
  });
  outputs.push(push);
  assert.equal(push.code, 0, push.stderr);
  assert.ok(tokenServer.stats.refresh > refreshGrants, 'skopeo POSTed the refresh token to the realm');
});

test('acr mode: the access token is exchanged at /oauth2/exchange and the ACR token cached', async () => {
  const login = await signIn(idp, acr.host, [...personLoginArgs(idp), '--mode', 'acr', '--tenant', 'test-tenant', '--no-browser'], env);
  outputs.push(login);
  assert.equal(login.code, 0, login.stderr);
  assert.equal(acr.exchanges, 1);
  assert.equal(acr.lastForm?.grant_type, 'access_token');
  assert.equal(acr.lastForm?.service, acr.host);
  assert.equal(acr.lastForm?.tenant, 'test-tenant');
  const answer = await get(acr.host);
  assert.equal(answer.Username, '00000000-0000-0000-0000-000000000000');
  assert.equal(answer.Secret, acr.issued.at(-1));
  await get(acr.host);
  assert.equal(acr.exchanges, 1, 'the ACR token is cached');
});

test('docker re-storing what get handed out keeps the session; a docker login password replaces it for that registry only', async () => {
  const answer = await get(registry.host);
  const restore = await runHelper(['store'], { env, input: JSON.stringify({ ServerURL: registry.host, Username: answer.Username, Secret: answer.Secret }) });
  assert.equal(restore.code, 0);
  const status = JSON.parse((await run(helperBinary, ['status', '--json'], { env })).stdout);
  const entry = status.find((s: { registry: string }) => s.registry === registry.host);
  assert.equal(entry.staticCredential, false);
  assert.equal(entry.signedIn, true);
  assert.equal(entry.refreshToken, true);
  assert.equal(entry.user, 'alice');
  const statusText = JSON.stringify(status);
  for (const secret of seenSecrets) assert.ok(!statusText.includes(secret), 'status shows no secret');

  // What docker stores after `docker login -u bob --password-stdin ACR`: the person's explicit choice.
  const explicit = await runHelper(['store'], { env, input: JSON.stringify({ ServerURL: acr.host, Username: 'bob', Secret: 'typed-password' }) });
  assert.equal(explicit.code, 0);
  assert.deepEqual(await get(acr.host), { ServerURL: acr.host, Username: 'bob', Secret: 'typed-password' });
  const after = JSON.parse((await run(helperBinary, ['status', '--json'], { env })).stdout);
  assert.equal(after.find((s: { registry: string }) => s.registry === acr.host).staticCredential, true);
  // The session itself is untouched: the other registries still get tokens from it.
  assert.equal((await get(registry.host)).Username, 'alice');
});

test('status lists every registry without a secret', async () => {
  const status = await run(helperBinary, ['status'], { env });
  outputs.push(status);
  assert.equal(status.code, 0, status.stderr);
  for (const host of [registry.host, identityRegistry.host, acr.host]) assert.match(status.stdout, new RegExp(host.replace(/\./g, '\\.')));
  assert.match(status.stdout, /refresh token: {2}held in the keychain/);
});

test('no token in config files, in any file under HOME, in outputs, or in any command line', async () => {
  seenSecrets.add((await sessionItem()).refreshToken);
  const secrets = [...seenSecrets];
  assert.ok(secrets.length >= 4);
  assert.deepEqual(await filesContaining(home, secrets), []);
  assert.deepEqual(await processCommandLinesContaining(secrets), []);
  for (const output of outputs) {
    for (const secret of secrets) {
      assert.ok(!output.stdout.includes(secret) && !output.stderr.includes(secret), 'a token was printed');
    }
  }
});

test('logout revokes at the provider once the last registry of the session signs out', async () => {
  const { refreshToken } = await sessionItem();
  assert.equal(await idp.isRefreshTokenActive(refreshToken), true);
  // docker build lists every registry it may need: the SSO ones are there too.
  const listed = JSON.parse((await runHelper(['list'], { env, input: 'unused' })).stdout);
  assert.equal(listed[registry.host], 'alice');
  assert.equal(listed[identityRegistry.host], '<token>');
  const first = await run(helperBinary, ['logout', identityRegistry.host, acr.host], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /sign-in kept for/);
  assert.equal(idp.stats.revocations, 0);
  // Signed out means signed out, even while another registry keeps the shared sign-in alive.
  const signedOut = await runHelper(['get'], { env, input: identityRegistry.host });
  assert.deepEqual([signedOut.code, signedOut.stdout], [1, `not signed in to ${identityRegistry.host}: run "registry-login ${identityRegistry.host}"\n`]);
  assert.equal((await get(registry.host)).Username, 'alice');
  // docker logout erases through the protocol: that is the last registry of the session.
  const logout = await run('docker', ['logout', registry.host], { env });
  assert.equal(logout.code, 0, logout.stderr);
  assert.equal(idp.stats.revocations, 1);
  assert.equal(await idp.isRefreshTokenActive(refreshToken), false);
  const after = await runHelper(['get'], { env, input: registry.host });
  assert.equal(after.code, 1);
  assert.equal(after.stdout, `not signed in to ${registry.host}: run "registry-login ${registry.host}"\n`);
});

test('a session revoked at the provider: get says so and what to run, never opens a browser or starts a sign-in; --forget drops the settings', async () => {
  const login = await signIn(idp, registry.host, [], env);
  assert.equal(login.code, 0, login.stderr);
  const { refreshToken } = await sessionItem();
  // An administrator ends the session at the provider.
  await idp.revoke(refreshToken);
  await sleep((ACCESS_TOKEN_TTL + 1) * 1000);
  // At a desktop, with a browser that records being started: get still never signs anyone in.
  const browserLog = join(home, 'browser-was-started');
  const browser = join(home, 'record-browser.sh');
  await writeFile(browser, `#!/bin/sh\necho "$@" >> '${browserLog}'\n`, { mode: 0o755 });
  const deviceFlows = idp.stats.deviceAuthorizations;
  const expired = await runHelper(['get'], { env: { ...env, DISPLAY: ':0', BROWSER: browser }, input: registry.host });
  assert.equal(expired.code, 1);
  await assert.rejects(readFile(browserLog), 'no browser was started');
  assert.equal(idp.stats.deviceAuthorizations, deviceFlows, 'no sign-in was started');
  const ended = `the provider ended the sign-in for ${registry.host} (it expired, was revoked, or the password changed): run "registry-login ${registry.host}"`;
  assert.equal(expired.stdout, `${ended}\n`);
  assert.equal(expired.stderr, `docker-credential-oidc: ${ended}\n`);

  const forget = await run(helperBinary, ['logout', registry.host, '--forget'], { env });
  assert.equal(forget.code, 0, forget.stderr);
  const settings = JSON.parse(await readFile(join(home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8'));
  assert.equal(settings.registries[registry.host], undefined);
  assert.ok(settings.registries[acr.host], 'other registries keep their settings');
  const gone = await runHelper(['get'], { env, input: registry.host });
  assert.deepEqual([gone.code, gone.stdout], [1, 'credentials not found in native keychain\n']);
});
