// install.sh against a loopback mirror of a release, with the real binary, in a temp HOME.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, helperBinary, repoRoot, run } from '../support/helperBinary.js';
import { serveDirectory } from '../support/staticServer.js';
import { startKeyring, type TestKeyring } from '../support/keyring.js';

const INSTALL = join(repoRoot, 'install.sh');
const ASSET = `docker-credential-oidc-linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
const VERSION = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')).version as string;

let root: string;
let keyring: TestKeyring;
let mirror: Awaited<ReturnType<typeof serveDirectory>>;
let tampered: Awaited<ReturnType<typeof serveDirectory>>;

async function releaseDir(dir: string, corrupt: boolean): Promise<void> {
  for (const sub of [`download/v${VERSION}`, 'latest/download']) {
    const d = join(dir, sub);
    await mkdir(d, { recursive: true });
    await copyFile(helperBinary, join(d, ASSET));
    const hash = createHash('sha256').update(await readFile(join(d, ASSET))).digest('hex');
    if (corrupt) await writeFile(join(d, ASSET), 'echo pwned\n', { flag: 'a' });
    await writeFile(join(d, 'SHA256SUMS'), `${hash}  ${ASSET}\n`);
  }
}

before(async () => {
  assertBuilt();
  root = await mkdtemp(join(tmpdir(), 'dco-install-'));
  keyring = await startKeyring();
  await releaseDir(join(root, 'release'), false);
  await releaseDir(join(root, 'tampered'), true);
  mirror = await serveDirectory(join(root, 'release'));
  tampered = await serveDirectory(join(root, 'tampered'));
});
after(async () => {
  await mirror?.stop();
  await tampered?.stop();
  await keyring?.stop();
  await rm(root, { recursive: true, force: true });
});

async function home(name: string) {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const env = {
    ...keyring.env,
    HOME: dir,
    DOCKER_CONFIG: join(dir, '.docker'),
    XDG_CONFIG_HOME: join(dir, '.config'),
    XDG_CACHE_HOME: join(dir, '.cache'),
    PATH: '/usr/local/bin:/usr/bin:/bin',
    DOCKER_CREDENTIAL_OIDC_BASE_URL: mirror.url,
  };
  return { dir, env, prefix: join(dir, '.local', 'bin'), config: join(dir, '.docker', 'config.json') };
}

test('fresh install: verified binary, registry-login link, docker configured, PATH hint; a second run changes nothing', async () => {
  const h = await home('fresh');
  await mkdir(join(h.dir, '.docker'));
  await writeFile(h.config, '{\n\t"auths": {\n\t\t"ghcr.io": {}\n\t}\n}\n');
  const first = await run('bash', [INSTALL, '--registry', 'r1.example', '--registry', 'r2.example:5000'], { env: h.env });
  assert.equal(first.code, 0, first.stderr);
  const binary = join(h.prefix, 'docker-credential-oidc');
  assert.equal((await stat(binary)).mode & 0o777, 0o755);
  assert.equal(await readlink(join(h.prefix, 'registry-login')), 'docker-credential-oidc');
  assert.match(first.stderr, new RegExp(`export PATH="${h.prefix.replace(/[./]/g, '\\$&')}:\\$PATH"`));
  const config = JSON.parse(await readFile(h.config, 'utf8'));
  assert.deepEqual(config, { auths: { 'ghcr.io': {} }, credHelpers: { 'r1.example': 'oidc', 'r2.example:5000': 'oidc' } });
  const version = await run(binary, ['version'], { env: h.env });
  assert.match(version.stdout, new RegExp(`^docker-credential-oidc ${VERSION.replace(/[.]/g, '\\.')} \\(Node\\.js v24\\.\\d+\\.\\d+ inside\\)\n$`));
  assert.match(first.stderr, /Installed .*docker-credential-oidc \(docker-credential-oidc .* \(Node\.js v24\.\d+\.\d+ inside\)\)/, 'install.sh says which runtime is inside');

  const before = await stat(binary);
  const second = await run('bash', [INSTALL, '--registry', 'r1.example', '--registry', 'r2.example:5000'], { env: h.env });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /already installed/);
  assert.equal((await stat(binary)).mtimeMs, before.mtimeMs);
  assert.deepEqual(JSON.parse(await readFile(h.config, 'utf8')), config);
});

test('a tampered binary fails the checksum: nothing installed, config untouched', async () => {
  const h = await home('tampered');
  await mkdir(join(h.dir, '.docker'));
  await writeFile(h.config, '{}\n');
  const result = await run('bash', [INSTALL, '--registry', 'r1.example'], { env: { ...h.env, DOCKER_CREDENTIAL_OIDC_BASE_URL: tampered.url } });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /install\.sh: checksum mismatch for docker-credential-oidc-linux-\w+: expected [0-9a-f]{64}, got [0-9a-f]{64}; nothing was installed\n$/);
  await assert.rejects(lstat(h.prefix));
  assert.equal(await readFile(h.config, 'utf8'), '{}\n');
});

test('an unknown platform is a clear error; a pinned version downloads that version', async () => {
  const h = await home('platform');
  const result = await run('bash', [INSTALL], { env: { ...h.env, DOCKER_CREDENTIAL_OIDC_OS: 'Plan9' } });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'install.sh: unsupported operating system: Plan9 (builds exist for Linux and macOS)\n');
  const arch = await run('bash', [INSTALL], { env: { ...h.env, DOCKER_CREDENTIAL_OIDC_ARCH: 'mips' } });
  assert.match(arch.stderr, /unsupported architecture: mips/);
  const pinned = await run('bash', [INSTALL, '--version', VERSION, '--prefix', join(h.dir, 'bin')], { env: h.env });
  assert.equal(pinned.code, 0, pinned.stderr);
  assert.ok(mirror.requests.includes(`/download/v${VERSION}/${ASSET}`));
});

test('piped execution (curl | bash -s --) and --uninstall restores the config', async () => {
  const h = await home('piped');
  const script = await readFile(INSTALL);
  const installed = await run('bash', ['-s', '--', '--registry', 'piped.example'], { env: h.env, input: script });
  assert.equal(installed.code, 0, installed.stderr);
  assert.deepEqual(JSON.parse(await readFile(h.config, 'utf8')), { credHelpers: { 'piped.example': 'oidc' } });
  const removed = await run('bash', ['-s', '--', '--uninstall'], { env: h.env, input: script });
  assert.equal(removed.code, 0, removed.stderr);
  await assert.rejects(lstat(join(h.prefix, 'docker-credential-oidc')));
  await assert.rejects(lstat(join(h.prefix, 'registry-login')));
  assert.deepEqual(JSON.parse(await readFile(h.config, 'utf8')), {});
  assert.match(removed.stderr, /Keychain items were kept/);
});

test('a truncated download runs nothing', async () => {
  const h = await home('truncated');
  const script = await readFile(INSTALL, 'utf8');
  const cut = script.slice(0, script.lastIndexOf('main "$@"'));
  const result = await run('bash', ['-s', '--'], { env: h.env, input: cut });
  assert.equal(result.code, 0);
  assert.equal(result.stderr, '');
  await assert.rejects(lstat(h.prefix));
  // Cut inside a function: bash refuses the half script before running any of it.
  const half = await run('bash', ['-s', '--'], { env: h.env, input: script.slice(0, Math.floor(script.length / 2)) });
  assert.notEqual(half.code, 0);
  await assert.rejects(lstat(h.prefix));
});

test('--uninstall --purge also removes the keychain items', async () => {
  const h = await home('purge');
  const installed = await run('bash', [INSTALL], { env: h.env });
  assert.equal(installed.code, 0, installed.stderr);
  const binary = join(h.prefix, 'docker-credential-oidc');
  await run(binary, ['store'], { env: h.env, input: JSON.stringify({ ServerURL: 'purge.example', Username: 'u', Secret: 'purge-secret' }) });
  assert.equal((await run(binary, ['get'], { env: h.env, input: 'purge.example' })).code, 0);
  const purged = await run('bash', [INSTALL, '--uninstall', '--purge'], { env: h.env });
  assert.equal(purged.code, 0, purged.stderr);
  const lookup = await run('secret-tool', ['search', '--all', 'service', 'docker-credential-oidc', 'username', 'purge.example'], { env: keyring.env });
  assert.equal(lookup.stdout, '');
});

test('without curl it downloads with wget; without sha256sum it verifies with shasum', async () => {
  const h = await home('fallbacks');
  // A PATH holding only what install.sh needs, minus curl and sha256sum.
  const bin = join(h.dir, 'minimal-bin');
  await mkdir(bin);
  for (const tool of ['bash', 'uname', 'mktemp', 'rm', 'awk', 'cut', 'mkdir', 'cp', 'chmod', 'mv', 'ln', 'cat', 'wget', 'shasum', 'perl']) {
    const found = await run('bash', ['-c', `command -v ${tool}`]);
    assert.equal(found.code, 0, `${tool} is needed for this test`);
    await symlink(found.stdout.trim(), join(bin, tool));
  }
  const result = await run(join(bin, 'bash'), [INSTALL, '--prefix', join(h.dir, 'bin')], { env: { ...h.env, PATH: bin } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await stat(join(h.dir, 'bin', 'docker-credential-oidc'))).mode & 0o777, 0o755);
  const tamperedResult = await run(join(bin, 'bash'), [INSTALL, '--prefix', join(h.dir, 'bin2')], { env: { ...h.env, PATH: bin, DOCKER_CREDENTIAL_OIDC_BASE_URL: tampered.url } });
  assert.match(tamperedResult.stderr, /checksum mismatch/);
  await assert.rejects(lstat(join(h.dir, 'bin2')));
});

test('install.sh is shellcheck clean', async () => {
  const result = await run('shellcheck', [INSTALL]);
  assert.equal(result.code, 0, result.stdout);
  await chmod(INSTALL, 0o755);
});

test('curl | sh runs under dash, Debian\'s /bin/sh, with every option', async () => {
  const h = await home('dash');
  const script = await readFile(INSTALL);
  const installed = await run('dash', ['-s', '--', '--registry', 'dash-1.example', '--registry', 'dash-2.example:5000', '--migrate'], { env: h.env, input: script });
  assert.equal(installed.code, 0, installed.stderr);
  assert.deepEqual(JSON.parse(await readFile(h.config, 'utf8')), { credHelpers: { 'dash-1.example': 'oidc', 'dash-2.example:5000': 'oidc' } });
  assert.ok((await lstat(join(h.prefix, 'registry-login'))).isSymbolicLink());
  const removed = await run('dash', [INSTALL, '--uninstall'], { env: h.env });
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(JSON.parse(await readFile(h.config, 'utf8')), {});
});

test('a directory where the binary or registry-login belongs is refused, and nothing is installed', async () => {
  for (const name of ['docker-credential-oidc', 'registry-login']) {
    const h = await home(`dir-${name}`);
    await mkdir(join(h.prefix, name), { recursive: true });
    const result = await run('sh', [INSTALL], { env: h.env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`install\\.sh: .*/${name} is a directory: remove it or choose another --prefix; nothing was installed\\n$`));
    assert.deepEqual(await readdir(join(h.prefix, name)), [], 'nothing was moved into it');
    assert.doesNotMatch(result.stderr, /Installed/);
  }
});
