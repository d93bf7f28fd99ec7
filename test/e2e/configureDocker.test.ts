// configure-docker on real files with a real keychain, and docker using the result.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, helperBinary, repoRoot, run, runHelper } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { filesContaining } from '../support/secretScan.js';

let keyring: TestKeyring;
let registry: TestRegistry;
let root: string;

before(async () => {
  assertBuilt();
  keyring = await startKeyring();
  registry = await startRegistry({ kind: 'htpasswd', users: { alice: 'docker-hub-style-pw' } });
  root = await mkdtemp(join(tmpdir(), 'dco-configure-'));
});
after(async () => {
  await registry?.stop();
  await keyring?.stop();
  await rm(root, { recursive: true, force: true });
});

async function world(name: string) {
  const home = join(root, name);
  const dockerConfig = join(home, '.docker');
  await mkdir(home, { recursive: true });
  const env = {
    ...keyring.env,
    HOME: home,
    DOCKER_CONFIG: dockerConfig,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${dirname(helperBinary)}:${process.env.PATH}`,
  };
  return { home, dockerConfig, configFile: join(dockerConfig, 'config.json'), env };
}

const configure = (args: string[], env: NodeJS.ProcessEnv) => run(helperBinary, ['configure-docker', ...args], { env });
const fixture = (name: string) => readFile(join(repoRoot, 'test', 'fixtures', 'docker-config', name), 'utf8');

test('--migrate moves clear-text passwords into the keychain, verified, and docker uses them', async () => {
  const w = await world('migrate');
  await mkdir(w.dockerConfig, { recursive: true });
  const auth = Buffer.from('alice:docker-hub-style-pw').toString('base64');
  const before = (await fixture('plaintext.before.json'))
    .replace('"registry.example.com"', `"${registry.host}"`)
    .replace('YWxpY2U6czNjcjN0OndpdGg6Y29sb25z', auth);
  await writeFile(w.configFile, before, { mode: 0o644 });
  const result = await configure(['--migrate'], w.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`holds 3 password\\(s\\) in clear text: ${registry.host} \\(alice\\)`));
  assert.match(result.stderr, /Moved into the keychain and removed from/);
  const expected = (await fixture('plaintext.after-migrate.json')).replaceAll('registry.example.com', registry.host);
  assert.equal(await readFile(w.configFile, 'utf8'), expected);
  assert.equal((await stat(w.configFile)).mode & 0o777, 0o644, 'the mode is kept');
  // Nothing secret left anywhere under HOME: no backup, no temp file.
  assert.deepEqual(await filesContaining(w.home, ['docker-hub-style-pw', auth, 'hub-pass', 'id-token-value']), []);
  assert.deepEqual((await readdir(w.dockerConfig)).sort(), ['config.json']);
  // The keychain answers for each, and docker pulls through the helper.
  assert.deepEqual(JSON.parse((await runHelper(['get'], { env: w.env, input: registry.host })).stdout), {
    ServerURL: registry.host,
    Username: 'alice',
    Secret: 'docker-hub-style-pw',
  });
  assert.equal(JSON.parse((await runHelper(['get'], { env: w.env, input: 'https://index.docker.io/v1/' })).stdout).Secret, 'hub-pass');
  assert.deepEqual(JSON.parse((await runHelper(['get'], { env: w.env, input: 'acr.example.io' })).stdout), {
    ServerURL: 'acr.example.io',
    Username: '<token>',
    Secret: 'id-token-value',
  });
  const image = await makeOciImage(await mkdtemp(join(w.home, 'img-')));
  const push = await run(
    'skopeo',
    ['copy', '--dest-creds', 'alice:docker-hub-style-pw', '--dest-tls-verify=false', image, `docker://${registry.host}/m/hello:v1`],
    { env: w.env },
  );
  assert.equal(push.code, 0, push.stderr);
  const inspect = await run('docker', ['manifest', 'inspect', '--insecure', `${registry.host}/m/hello:v1`], { env: w.env });
  assert.equal(inspect.code, 0, inspect.stderr);
});

test('without --migrate on a non-terminal, clear-text entries are listed and left alone', async () => {
  const w = await world('no-migrate');
  await mkdir(w.dockerConfig, { recursive: true });
  await writeFile(w.configFile, await fixture('plaintext.before.json'));
  const result = await configure(['r.example'], w.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Clear-text passwords were left in place: run configure-docker --migrate/);
  const config = JSON.parse(await readFile(w.configFile, 'utf8'));
  assert.equal(config.auths['registry.example.com'].auth, 'YWxpY2U6czNjcjN0OndpdGg6Y29sb25z');
  assert.equal(config.credHelpers['r.example'], 'oidc');
});

test('on a terminal it asks before moving clear-text passwords, and a yes moves them', async () => {
  const w = await world('prompt');
  await mkdir(w.dockerConfig, { recursive: true });
  await writeFile(w.configFile, await fixture('plaintext.before.json'));
  const command = `${helperBinary} configure-docker`;
  // script(1) gives the helper a terminal; the answer is typed into it.
  const declined = await run('script', ['-qec', command, '/dev/null'], { env: w.env, input: 'n\n' });
  assert.equal(declined.code, 0, declined.stdout);
  assert.match(declined.stdout, /Move them into the keychain and remove them from config\.json\? \[y\/N\]/);
  assert.equal(await readFile(w.configFile, 'utf8'), await fixture('plaintext.before.json'));
  const accepted = await run('script', ['-qec', command, '/dev/null'], { env: w.env, input: 'y\n' });
  assert.equal(accepted.code, 0, accepted.stdout);
  assert.equal(await readFile(w.configFile, 'utf8'), await fixture('plaintext.after-migrate.json'));
});

test('a locked keychain leaves every entry where it was and the file untouched', async () => {
  const w = await world('locked');
  await mkdir(w.dockerConfig, { recursive: true });
  const before = await fixture('plaintext.before.json');
  await writeFile(w.configFile, before);
  // Some item must exist for the Secret Service to report the lock (docs/measured-facts.md).
  await runHelper(['store'], { env: w.env, input: JSON.stringify({ ServerURL: 'seed.example', Username: 'u', Secret: 's' }) });
  await keyring.lock();
  const result = await configure(['--migrate'], w.env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /kept registry\.example\.com in .*keychain is locked/);
  assert.match(result.stderr, /could not move registry\.example\.com, https:\/\/index\.docker\.io\/v1\/, acr\.example\.io into the keychain/);
  const after = JSON.parse(await readFile(w.configFile, 'utf8'));
  assert.equal(after.auths['registry.example.com'].auth, 'YWxpY2U6czNjcjN0OndpdGg6Y29sb25z');
  assert.equal(after.auths['acr.example.io'].identitytoken, 'id-token-value');
});

test('invalid JSON is refused with the file and position; the file is left byte for byte', async () => {
  const w = await world('invalid');
  await mkdir(w.dockerConfig, { recursive: true });
  const broken = '{\n\t"auths": {\n\t\t"r": {"auth": "c2VjcmV0"}\n\t},,\n}\n';
  await writeFile(w.configFile, broken);
  const result = await configure(['r.example'], w.env);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `docker-credential-oidc: ${w.configFile} is not valid JSON (PropertyNameExpected at line 4, column 4): fix it by hand; nothing was changed\n`,
  );
  assert.equal(await readFile(w.configFile, 'utf8'), broken);
});

test('a symlinked config.json is edited through the link; the link stays a link', async () => {
  const w = await world('symlink');
  const dotfiles = join(w.home, 'dotfiles');
  await mkdir(dotfiles, { recursive: true });
  await mkdir(w.dockerConfig, { recursive: true });
  await writeFile(join(dotfiles, 'docker.json'), '{\n\t"currentContext": "default"\n}\n');
  await symlink(join(dotfiles, 'docker.json'), w.configFile);
  const result = await configure(['r.example:5000'], w.env);
  assert.equal(result.code, 0, result.stderr);
  assert.ok((await lstat(w.configFile)).isSymbolicLink());
  assert.deepEqual(JSON.parse(await readFile(join(dotfiles, 'docker.json'), 'utf8')), { currentContext: 'default', credHelpers: { 'r.example:5000': 'oidc' } });
});

test('a missing file and directory are created private; default registries come from our settings; --undo', async () => {
  const w = await world('missing');
  await mkdir(join(w.home, '.config', 'docker-credential-oidc'), { recursive: true });
  await writeFile(
    join(w.home, '.config', 'docker-credential-oidc', 'config.json'),
    JSON.stringify({
      version: 1,
      registries: { 'sso.example': { serverURL: 'sso.example', issuer: 'https://i', clientId: 'c', mode: 'password' } },
      providers: {},
    }),
  );
  const result = await configure([], w.env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await stat(w.dockerConfig)).mode & 0o777, 0o700);
  assert.equal((await stat(w.configFile)).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(await readFile(w.configFile, 'utf8')), { credHelpers: { 'sso.example': 'oidc' } });
  const again = await configure([], w.env);
  assert.match(again.stderr, /already points at this helper; nothing to change/);
  const store = await configure(['--creds-store'], w.env);
  assert.equal(store.code, 0);
  const undo = await configure(['--undo'], w.env);
  assert.equal(undo.code, 0, undo.stderr);
  assert.deepEqual(JSON.parse(await readFile(w.configFile, 'utf8')), {});
  await chmod(w.configFile, 0o600);
});
