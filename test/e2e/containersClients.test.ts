// podman and buildah, which the README names among the clients that call `get`, end to end after a
// device sign-in: a real oidc-provider, a token-auth Distribution registry behind a token server that
// trusts it, a real Secret Service. Like skopeo they ignore credsStore and read credHelpers (here
// from the containers auth file, --authfile); each pull and push below can only authenticate with
// what the helper answers. Image storage is private to the test (vfs driver, own root and runroot).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, run, type RunResult } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { startIdp, type Idp } from '../support/idp.js';
import { startTokenServer, type TokenServer } from '../support/tokenServer.js';
import { signIn } from '../support/signIn.js';
import { makeClientHome } from '../support/clientHome.js';

let keyring: TestKeyring;
let idp: Idp;
let tokenServer: TokenServer;
let registry: TestRegistry;
let home: string;
let env: NodeJS.ProcessEnv;
let authFile: string;
let image: string;
/** podman's and buildah's storage flags: everything under the test's HOME. */
let storage: string[];

before(async () => {
  assertBuilt();
  keyring = await startKeyring();
  idp = await startIdp();
  tokenServer = await startTokenServer({ idp });
  registry = await startRegistry(tokenServer.registryAuth);
  ({ home, authFile, env } = await makeClientHome('containers', keyring.env, [registry.host]));
  image = await makeOciImage(await mkdtemp(join(home, 'img-')));
  storage = ['--root', join(home, 'storage'), '--runroot', join(home, 'run'), '--storage-driver', 'vfs'];
  const login = await signIn(idp, registry.host, ['--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--no-browser'], env);
  assert.equal(login.code, 0, login.stderr);
});

after(async () => {
  await Promise.all([registry?.stop(), tokenServer?.stop(), idp?.stop()]);
  await keyring?.stop();
  await rm(home, { recursive: true, force: true });
});

const podman = (args: string[]): Promise<RunResult> =>
  run('podman', [...storage, '--events-backend', 'none', '--cgroup-manager', 'cgroupfs', ...args], { env, timeoutMs: 120_000 });
const buildah = (args: string[]): Promise<RunResult> => run('buildah', [...storage, ...args], { env, timeoutMs: 120_000 });
const remote = (path: string) => `${registry.host}/${path}`;

/** Runs a local step (no registry) and asserts that it worked. */
async function succeeds(what: string, work: () => Promise<RunResult>): Promise<RunResult> {
  const result = await work();
  assert.equal(result.code, 0, `${what}: ${result.stderr}`);
  return result;
}

/** Runs a client and asserts that it worked, and that it asked the token server with the helper's credential. */
async function authenticated(what: string, work: () => Promise<RunResult>): Promise<RunResult> {
  const before = tokenServer.stats.basic;
  const result = await succeeds(what, work);
  assert.ok(tokenServer.stats.basic > before, `${what} authenticated at the token server`);
  return result;
}

test('podman pushes and pulls through credHelpers after a device sign-in', async () => {
  // Into podman's storage under a name of our choosing (podman would name it after its lower-case-less path).
  const localStore = `containers-storage:[vfs@${join(home, 'storage')}+${join(home, 'run')}]localhost/hello:v1`;
  await succeeds('the local image into podman storage', () => run('skopeo', ['copy', image, localStore], { env }));
  await succeeds('podman tag', () => podman(['tag', 'localhost/hello:v1', remote('team/podman:v1')]));
  await authenticated('podman push', () => podman(['push', '--authfile', authFile, '--tls-verify=false', remote('team/podman:v1')]));
  await succeeds('podman rmi', () => podman(['rmi', '--force', remote('team/podman:v1')]));
  await authenticated('podman pull', () => podman(['pull', '--authfile', authFile, '--tls-verify=false', remote('team/podman:v1')]));
  const listed = await podman(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  assert.match(listed.stdout, new RegExp(`${remote('team/podman')}:v1`));
});

test('buildah from, commit and push through credHelpers after a device sign-in', async () => {
  const from = await authenticated('buildah from', () => buildah(['from', '--authfile', authFile, '--tls-verify=false', remote('team/podman:v1')]));
  const container = from.stdout.trim().split('\n').at(-1)!;
  await succeeds('buildah config', () => buildah(['config', '--label', 'built-by=buildah', container]));
  await succeeds('buildah commit', () => buildah(['commit', container, 'localhost/built:v2']));
  await authenticated('buildah push', () =>
    buildah(['push', '--authfile', authFile, '--tls-verify=false', 'localhost/built:v2', `docker://${remote('team/built:v2')}`]),
  );
  const inspect = await run('skopeo', ['inspect', '--authfile', authFile, '--tls-verify=false', `docker://${remote('team/built:v2')}`], { env });
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).Labels['built-by'], 'buildah');
  await succeeds('buildah rm', () => buildah(['rm', container]));
});
