// The real docker CLI and skopeo against a real registry (Distribution 2.8, htpasswd), with every
// credential coming from our built helper and living in a real Secret Service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, helperBinary, run, runHelper } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { startFakeDaemon } from '../support/fakeDockerDaemon.js';
import { filesContaining } from '../support/secretScan.js';

const PASSWORD = 'registry-password-5f1c2a';

let keyring: TestKeyring;
let registry: TestRegistry;
let home: string;
let dockerConfig: string;
let env: NodeJS.ProcessEnv;
let image: string;

before(async () => {
  assertBuilt();
  keyring = await startKeyring();
  registry = await startRegistry({ kind: 'htpasswd', users: { alice: PASSWORD } });
  home = await mkdtemp(join(tmpdir(), 'dco-clients-'));
  dockerConfig = join(home, '.docker');
  await mkdir(dockerConfig, { recursive: true });
  await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'oidc' }));
  env = {
    ...keyring.env,
    HOME: home,
    DOCKER_CONFIG: dockerConfig,
    // docker runs docker-credential-oidc from PATH, as it would after install.sh.
    PATH: `${dirname(helperBinary)}:${process.env.PATH}`,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  image = await makeOciImage(await mkdtemp(join(home, 'img-')));
});
after(async () => {
  await registry?.stop();
  await keyring?.stop();
  await rm(home, { recursive: true, force: true });
});

test('docker login puts the password in the keychain and nothing secret in config.json', async () => {
  const login = await run('docker', ['login', registry.host, '-u', 'alice', '--password-stdin'], { env, input: PASSWORD });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /Login Succeeded/);
  const config = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8'));
  assert.deepEqual(config.auths, { [registry.host]: {} });
  assert.equal(config.credsStore, 'oidc');
  assert.deepEqual(await filesContaining(home, [PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')]), []);
  const got = await runHelper(['get'], { env, input: registry.host });
  assert.deepEqual(JSON.parse(got.stdout), { ServerURL: registry.host, Username: 'alice', Secret: PASSWORD });
});

test('skopeo pushes and pulls with credentials only from the helper (credHelpers)', async () => {
  // skopeo ignores credsStore (docs/measured-facts.md): it needs credHelpers.
  const authFile = join(home, 'skopeo-auth.json');
  await writeFile(authFile, JSON.stringify({ credHelpers: { [registry.host]: 'oidc' } }));
  const push = await run('skopeo', ['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${registry.host}/demo/hello:v1`], { env });
  assert.equal(push.code, 0, push.stderr);
  const out = join(home, 'pulled');
  const pull = await run('skopeo', ['copy', '--authfile', authFile, '--src-tls-verify=false', `docker://${registry.host}/demo/hello:v1`, `oci:${out}:v1`], {
    env,
  });
  assert.equal(pull.code, 0, pull.stderr);
  const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
  assert.equal(index.manifests.length, 1);
  // Without the helper the registry refuses: the credentials really came from it.
  await writeFile(authFile, JSON.stringify({}));
  const anonymous = await run('skopeo', ['inspect', '--authfile', authFile, '--tls-verify=false', `docker://${registry.host}/demo/hello:v1`], { env });
  assert.notEqual(anonymous.code, 0);
  assert.match(anonymous.stderr, /unauthorized|authentication required/i);
});

test('docker manifest inspect gets its credentials from the helper', async () => {
  const inspect = await run('docker', ['manifest', 'inspect', '--insecure', `${registry.host}/demo/hello:v1`], { env });
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).layers.length, 1);
});

test('the legacy docker build sends what list and get answer for every registry', async () => {
  const daemon = await startFakeDaemon();
  try {
    await runHelper(['store'], { env, input: JSON.stringify({ ServerURL: 'second.example:5000', Username: 'bob', Secret: 'bob-secret' }) });
    const context = await mkdtemp(join(home, 'ctx-'));
    await writeFile(join(context, 'Dockerfile'), `FROM ${registry.host}/demo/hello:v1\n`);
    const build = await run('docker', ['build', context], { env: { ...env, DOCKER_HOST: daemon.host, DOCKER_BUILDKIT: '0' } });
    assert.equal(build.code, 0, build.stderr);
    assert.equal(daemon.registryConfigs.length, 1);
    const sent = daemon.registryConfigs[0];
    assert.deepEqual(sent[registry.host], { username: 'alice', password: PASSWORD, serveraddress: registry.host });
    assert.deepEqual(sent['second.example:5000'], { username: 'bob', password: 'bob-secret', serveraddress: 'second.example:5000' });
  } finally {
    await daemon.stop();
  }
});

test('docker logout erases the credential from the keychain', async () => {
  const logout = await run('docker', ['logout', registry.host], { env });
  assert.equal(logout.code, 0, logout.stderr);
  const got = await runHelper(['get'], { env, input: registry.host });
  assert.deepEqual([got.code, got.stdout], [1, 'credentials not found in native keychain\n']);
  const config = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8'));
  assert.equal(config.auths?.[registry.host], undefined);
  const inspect = await run('docker', ['manifest', 'inspect', '--insecure', `${registry.host}/demo/hello:v1`], { env });
  assert.notEqual(inspect.code, 0);
});
