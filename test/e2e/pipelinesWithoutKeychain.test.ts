// A CI agent, a server over SSH, a container: a D-Bus session with no Secret Service. Pipelines keep
// their short-lived tokens in the kernel keyring (readable from another session of the same user),
// or nowhere; a person's sign-in is refused unless they choose --store kernel.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startBareBus, type BareBus } from '../support/bareBus.js';
import { assertBuilt, helperBinary, loginBinary, run, runHelper } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { robotLoginArgs, startIdp, type Idp } from '../support/idp.js';
import { startTokenServer, type TokenServer } from '../support/tokenServer.js';
import { signIn } from '../support/signIn.js';

const ACCESS_TOKEN_TTL = 6;
const KEY_PREFIX = 'docker-credential-oidc:';

let bus: BareBus;
let idp: Idp;
let tokenServer: TokenServer;
let kernelRegistry: TestRegistry;
let noneRegistry: TestRegistry;
let personRegistry: TestRegistry;
let home: string;
let env: NodeJS.ProcessEnv;
let secretFile: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clientCredentials = () => idp.stats.tokenRequests.client_credentials ?? 0;

function robotArgs(extra: string[] = []): string[] {
  return [...robotLoginArgs(idp, secretFile), ...extra];
}

async function getSecret(host: string, viaKeyctlSession = false): Promise<string> {
  const result = viaKeyctlSession
    ? await run('keyctl', ['session', '-', helperBinary, 'get'], { env, input: host })
    : await runHelper(['get'], { env, input: host });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  return (JSON.parse(result.stdout) as { Secret: string }).Secret;
}

/** Is there a key of ours for this account in the user keyring? */
async function inKernel(account: string): Promise<boolean> {
  return (await run('keyctl', ['search', '@u', 'user', `${KEY_PREFIX}${account}`])).code === 0;
}

before(async () => {
  assertBuilt();
  bus = await startBareBus();
  idp = await startIdp({ accessTokenTtl: ACCESS_TOKEN_TTL });
  tokenServer = await startTokenServer({ idp });
  const tokenAuth = tokenServer.registryAuth;
  kernelRegistry = await startRegistry(tokenAuth);
  noneRegistry = await startRegistry(tokenAuth);
  personRegistry = await startRegistry(tokenAuth);
  home = await mkdtemp(join(tmpdir(), 'dco-no-keychain-'));
  secretFile = join(home, 'robot-secret');
  await writeFile(secretFile, idp.pipeline.clientSecret, { mode: 0o600 });
  env = {
    ...process.env,
    DBUS_SESSION_BUS_ADDRESS: bus.address,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${dirname(helperBinary)}:${process.env.PATH}`,
  };
});

after(async () => {
  // The kernel keyring outlives the test: take our keys out of it.
  if (env) await runHelper(['logout', '--all'], { env });
  await Promise.all([kernelRegistry?.stop(), noneRegistry?.stop(), personRegistry?.stop(), tokenServer?.stop(), idp?.stop()]);
  await bus?.stop();
  await rm(home, { recursive: true, force: true });
});

test('a pipeline with no Secret Service keeps its token in the kernel keyring, readable from another session', async () => {
  const login = await run(loginBinary, [kernelRegistry.host, ...robotArgs()], { env });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, /tokens kept in the kernel keyring \(no Secret Service here\)/);
  assert.ok(await inKernel(kernelRegistry.host), 'the credential is a key in the user keyring');
  const grants = clientCredentials();
  const here = await getSecret(kernelRegistry.host);
  // keyctl session -: a new session keyring, as a cron job, an SSH login or the next CI step has.
  const elsewhere = await getSecret(kernelRegistry.host, true);
  assert.equal(elsewhere, here);
  assert.equal(clientCredentials(), grants, 'both answered from the kernel keyring, no new grant');

  const authFile = join(home, 'auth.json');
  await writeFile(authFile, JSON.stringify({ credHelpers: { [kernelRegistry.host]: 'oidc' } }));
  const image = await makeOciImage(await mkdtemp(join(home, 'img-')));
  const push = await run('skopeo', ['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${kernelRegistry.host}/ci/app:v1`], { env });
  assert.equal(push.code, 0, push.stderr);
  const status = await runHelper(['status'], { env });
  assert.match(status.stdout, /tokens kept in: kernel keyring/);
});

test('16 concurrent gets on an expiring kernel-kept token make one grant', async () => {
  await sleep((ACCESS_TOKEN_TTL / 2 + 1) * 1000);
  const before = clientCredentials();
  const results = await Promise.all(Array.from({ length: 16 }, () => runHelper(['get'], { env, input: kernelRegistry.host })));
  for (const r of results) assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(new Set(results.map((r) => JSON.parse(r.stdout).Secret)).size, 1);
  assert.equal(clientCredentials() - before, 1);
});

test('--store none keeps nothing: every get is one grant, and list still answers', async () => {
  const login = await run(loginBinary, [noneRegistry.host, ...robotArgs(['--store', 'none'])], { env });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, /tokens kept nowhere, obtained at every get/);
  const before = clientCredentials();
  await getSecret(noneRegistry.host);
  await getSecret(noneRegistry.host);
  assert.equal(clientCredentials() - before, 2);
  assert.equal(await inKernel(noneRegistry.host), false);
  const list = await runHelper(['list'], { env });
  assert.equal(list.code, 0, list.stdout);
  assert.deepEqual(Object.keys(JSON.parse(list.stdout)), [kernelRegistry.host], 'the kernel-kept registry; nothing for none');
});

test('a person without a Secret Service is refused before any code is shown, and signs in with --store kernel', async () => {
  const devices = idp.stats.deviceAuthorizations;
  const refused = await run(
    loginBinary,
    [personRegistry.host, '--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--no-browser'],
    { env },
  );
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /no Secret Service on the D-Bus session bus: a sign-in holds a long-lived refresh token and is kept only in a keychain; add --store kernel/,
  );
  assert.equal(idp.stats.deviceAuthorizations, devices, 'no device code was requested');
  const settings = JSON.parse(await readFile(join(home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8'));
  assert.equal(settings.registries[personRegistry.host], undefined);

  const login = await signIn(
    idp,
    personRegistry.host,
    ['--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--no-browser', '--store', 'kernel'],
    env,
  );
  assert.equal(login.code, 0, login.stderr);
  assert.ok(await inKernel(`session:${idp.issuer}#${idp.clientId} (kernel)`), 'the sign-in is in the kernel keyring');
  await getSecret(personRegistry.host, true);
  const logout = await runHelper(['logout', personRegistry.host], { env });
  assert.equal(logout.code, 0, logout.stderr);
  assert.equal(await inKernel(personRegistry.host), false);
  assert.equal(await inKernel(`session:${idp.issuer}#${idp.clientId} (kernel)`), false);
});
