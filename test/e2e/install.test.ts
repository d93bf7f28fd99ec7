// install.sh against a loopback mirror of a release, with the real binary, in a temp HOME.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, repoRoot, run } from '../support/helperBinary.js';
import { serveDirectory } from '../support/staticServer.js';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { makeSigningKey, RELEASE_ARCHIVE, RELEASE_VERSION as VERSION, sha256, writeRelease, type SigningKey } from '../support/releaseMirror.js';

const INSTALL = join(repoRoot, 'install.sh');

type Mirror = Awaited<ReturnType<typeof serveDirectory>>;
let root: string;
let keyring: TestKeyring;
let key: SigningKey;
/** Signed with the test release key. */
let mirror: Mirror;
/** The archive swapped for another program, SHA256SUMS rewritten to match, the old signature kept. */
let swapped: Mirror;
/** The same swap, re-signed with a key that is not the release key. */
let resigned: Mirror;
/** No SHA256SUMS.sig. */
let unsigned: Mirror;
/** Signed sums, but the archive changed after signing (a corrupt or altered download). */
let corrupt: Mirror;

/** A .tar.xz holding a docker-credential-oidc that is not ours: it leaves a mark if it ever runs. */
async function hostileArchive(dir: string): Promise<Buffer> {
  await mkdir(join(dir, 'hostile'));
  await writeFile(join(dir, 'hostile', 'docker-credential-oidc'), '#!/bin/sh\ntouch "$HOME/pwned"\n', { mode: 0o755 });
  execFileSync('tar', ['-cJf', join(dir, 'hostile.tar.xz'), '-C', join(dir, 'hostile'), 'docker-credential-oidc']);
  return readFile(join(dir, 'hostile.tar.xz'));
}

before(async () => {
  assertBuilt();
  root = await mkdtemp(join(tmpdir(), 'dco-install-'));
  keyring = await startKeyring();
  key = makeSigningKey(root);
  const packed = await writeRelease(join(root, 'release'), { key });
  const hostile = await hostileArchive(root);
  await writeRelease(join(root, 'swapped'), { key, packed });
  for (const sub of [`download/v${VERSION}`, 'latest/download']) {
    // The hostile mirror rewrites the archive and SHA256SUMS but can only keep the real signature.
    await writeFile(join(root, 'swapped', sub, RELEASE_ARCHIVE), hostile);
    await writeFile(join(root, 'swapped', sub, 'SHA256SUMS'), `${sha256(hostile)}  ${RELEASE_ARCHIVE}\n`);
  }
  await writeRelease(join(root, 'resigned'), { archive: hostile, packed, key: makeSigningKey(root, 'not-the-release-key') });
  await writeRelease(join(root, 'unsigned'), { packed });
  await writeRelease(join(root, 'corrupt'), { key, packed });
  for (const sub of [`download/v${VERSION}`, 'latest/download']) await writeFile(join(root, 'corrupt', sub, RELEASE_ARCHIVE), 'echo pwned\n', { flag: 'a' });
  [mirror, swapped, resigned, unsigned, corrupt] = await Promise.all(
    ['release', 'swapped', 'resigned', 'unsigned', 'corrupt'].map((d) => serveDirectory(join(root, d))),
  );
});
after(async () => {
  await Promise.all([mirror, swapped, resigned, unsigned, corrupt].map((m) => m?.stop()));
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
    DOCKER_CREDENTIAL_OIDC_RELEASE_KEY: key.publicLine,
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
  assert.match(
    first.stderr,
    /Installed .*docker-credential-oidc \(docker-credential-oidc .* \(Node\.js v24\.\d+\.\d+ inside\)\)/,
    'install.sh says which runtime is inside',
  );

  const before = await stat(binary);
  const second = await run('bash', [INSTALL, '--registry', 'r1.example', '--registry', 'r2.example:5000'], { env: h.env });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /already installed/);
  assert.equal((await stat(binary)).mtimeMs, before.mtimeMs);
  assert.deepEqual(JSON.parse(await readFile(h.config, 'utf8')), config);
});

/** Runs install.sh against MIRROR; asserts it was refused with nothing installed and nothing run. */
async function assertRefused(name: string, mirrorUrl: string, message: RegExp, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) {
  const h = await home(name);
  await mkdir(join(h.dir, '.docker'));
  await writeFile(h.config, '{}\n');
  const result = await run('bash', [INSTALL, '--registry', 'r1.example', ...args], {
    env: { ...h.env, DOCKER_CREDENTIAL_OIDC_BASE_URL: mirrorUrl, ...extraEnv },
  });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, message);
  assert.match(result.stderr, /nothing was installed\n$/);
  await assert.rejects(lstat(h.prefix), 'nothing installed');
  await assert.rejects(lstat(join(h.dir, 'pwned')), 'the swapped program never ran');
  assert.equal(await readFile(h.config, 'utf8'), '{}\n', 'config untouched');
  return result;
}

test('a mirror that swaps the archive and rewrites SHA256SUMS to match is refused: the signature no longer verifies', async () => {
  const result = await assertRefused(
    'swapped',
    swapped.url,
    new RegExp(
      `install\\.sh: SHA256SUMS from ${swapped.url}/latest/download is not signed by the release key: the download may have been tampered with; nothing was installed\n$`,
    ),
  );
  assert.ok(!swapped.requests.some((path) => path.endsWith('.tar.xz')), 'the archive is not even downloaded once the sums fail');
  assert.doesNotMatch(result.stderr, /Downloading/);
});

test('the swap re-signed with another key, an unsigned release, and a release signed by a key other than the built-in one are refused', async () => {
  await assertRefused('resigned', resigned.url, /is not signed by the release key/);
  await assertRefused(
    'unsigned',
    unsigned.url,
    new RegExp(
      `install\\.sh: no SHA256SUMS\\.sig at ${unsigned.url}/latest/download: the release is unsigned or the mirror incomplete, so its checksums cannot be trusted; nothing was installed\n$`,
    ),
  );
  // Without DOCKER_CREDENTIAL_OIDC_RELEASE_KEY the project's key (carried in install.sh) is the judge,
  // and this test release is signed with a throw-away key.
  const h = await home('built-in-key');
  const result = await run('bash', [INSTALL], { env: { ...h.env, DOCKER_CREDENTIAL_OIDC_RELEASE_KEY: '' } });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /is not signed by the release key/);
  await assert.rejects(lstat(h.prefix));
  await assertRefused(
    'bad-key',
    mirror.url,
    /install\.sh: DOCKER_CREDENTIAL_OIDC_RELEASE_KEY is not an SSH public-key line \(like 'ssh-ed25519 AAAA\.\.\. comment'\); nothing was installed\n$/,
    [],
    { DOCKER_CREDENTIAL_OIDC_RELEASE_KEY: 'ssh-ed25519 AAAA$(touch pwned)' },
  );
});

test('signed sums but an altered archive: the checksum fails, with or without --skip-signature', async () => {
  const checksum =
    /install\.sh: checksum mismatch for docker-credential-oidc-linux-\w+\.tar\.xz: expected [0-9a-f]{64}, got [0-9a-f]{64}; nothing was installed\n$/;
  await assertRefused('corrupt', corrupt.url, checksum);
  await assertRefused('corrupt-skip', corrupt.url, checksum, ['--skip-signature']);
});

test('--skip-signature installs an unsigned release on its checksum alone, and says so', async () => {
  const h = await home('skip');
  const result = await run('bash', [INSTALL, '--skip-signature'], { env: { ...h.env, DOCKER_CREDENTIAL_OIDC_BASE_URL: unsigned.url } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(`Not verifying the signature of SHA256SUMS \\(--skip-signature\\): trusting the checksums ${unsigned.url}/latest/download serves`),
  );
  assert.equal((await run(join(h.prefix, 'docker-credential-oidc'), ['version'], { env: h.env })).code, 0);
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
  assert.ok(mirror.requests.includes(`/download/v${VERSION}/${RELEASE_ARCHIVE}`));
  assert.ok(mirror.requests.includes(`/download/v${VERSION}/SHA256SUMS.sig`));
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

/** TOOLS is everything install.sh needs but what a test leaves out. */
const TOOLS = [
  'bash',
  'uname',
  'mktemp',
  'rm',
  'awk',
  'cut',
  'mkdir',
  'cp',
  'chmod',
  'mv',
  'ln',
  'cat',
  'tr',
  'grep',
  'tar',
  'xz',
  'ssh-keygen',
  'curl',
  'sha256sum',
];

/** A PATH directory holding only TOOLS (links to this machine's). */
async function minimalPath(dir: string, tools: string[]): Promise<string> {
  const bin = join(dir, 'minimal-bin');
  await mkdir(bin);
  for (const tool of tools) {
    const found = await run('bash', ['-c', `command -v ${tool}`]);
    assert.equal(found.code, 0, `${tool} is needed for this test`);
    await symlink(found.stdout.trim(), join(bin, tool));
  }
  return bin;
}

test('without curl it downloads with wget; without sha256sum it verifies with shasum', async () => {
  const h = await home('fallbacks');
  const bin = await minimalPath(h.dir, [...TOOLS.filter((t) => t !== 'curl' && t !== 'sha256sum'), 'wget', 'shasum', 'perl']);
  const result = await run(join(bin, 'bash'), [INSTALL, '--prefix', join(h.dir, 'bin')], { env: { ...h.env, PATH: bin } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await stat(join(h.dir, 'bin', 'docker-credential-oidc'))).mode & 0o777, 0o755);
  const tamperedResult = await run(join(bin, 'bash'), [INSTALL, '--prefix', join(h.dir, 'bin2')], {
    env: { ...h.env, PATH: bin, DOCKER_CREDENTIAL_OIDC_BASE_URL: corrupt.url },
  });
  assert.match(tamperedResult.stderr, /checksum mismatch/);
  await assert.rejects(lstat(join(h.dir, 'bin2')));
});

test('without xz (GNU tar needs it for .tar.xz) it names the package to install, before downloading anything', async () => {
  const h = await home('no-xz');
  const bin = await minimalPath(h.dir, [...TOOLS.filter((t) => t !== 'xz'), 'apt-get']);
  const before = mirror.requests.length;
  const result = await run(join(bin, 'bash'), [INSTALL], { env: { ...h.env, PATH: bin } });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    'install.sh: xz is not installed and the download is a .tar.xz: sudo apt-get install xz-utils, then run install.sh again; nothing was installed\n',
  );
  assert.equal(mirror.requests.length, before, 'nothing downloaded');
  await assert.rejects(lstat(h.prefix));
});

test('without ssh-keygen, or with one older than OpenSSH 8.1, it stops unless --skip-signature', async () => {
  const h = await home('no-ssh-keygen');
  const bin = await minimalPath(
    h.dir,
    TOOLS.filter((t) => t !== 'ssh-keygen'),
  );
  const missing = await run(join(bin, 'bash'), [INSTALL], { env: { ...h.env, PATH: bin } });
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^install\.sh: ssh-keygen is not installed: it verifies the release signature \(install the openssh-clients package \(openssh-client on Debian and Ubuntu\)\), or pass --skip-signature to rely on the checksum alone; nothing was installed\n$/,
  );
  await assert.rejects(lstat(h.prefix));
  // OpenSSH before 8.1 has no -Y: this stand-in answers as OpenSSH 8.0's ssh-keygen does.
  await writeFile(
    join(bin, 'ssh-keygen'),
    '#!/bin/sh\necho "ssh-keygen: illegal option -- Y" >&2\necho "usage: ssh-keygen [-q] [-b bits] [-C comment] [-f output_keyfile]" >&2\nexit 1\n',
    { mode: 0o755 },
  );
  const old = await run(join(bin, 'bash'), [INSTALL], { env: { ...h.env, PATH: bin } });
  assert.equal(old.code, 1);
  assert.match(
    old.stderr,
    /^install\.sh: ssh-keygen is too old to verify the release signature \(OpenSSH 8\.1 or later is needed\): update it, or pass --skip-signature to rely on the checksum alone; nothing was installed\n$/,
  );
  await assert.rejects(lstat(h.prefix));
  const skipped = await run(join(bin, 'bash'), [INSTALL, '--skip-signature'], { env: { ...h.env, PATH: bin } });
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal((await stat(join(h.prefix, 'docker-credential-oidc'))).mode & 0o777, 0o755);
});

test('install.sh is shellcheck clean', async () => {
  const result = await run('shellcheck', [INSTALL]);
  assert.equal(result.code, 0, result.stdout);
  await chmod(INSTALL, 0o755);
});

test("curl | sh runs under dash, Debian's /bin/sh, with every option", async () => {
  const h = await home('dash');
  const script = await readFile(INSTALL);
  const installed = await run('dash', ['-s', '--', '--registry', 'dash-1.example', '--registry', 'dash-2.example:5000', '--migrate'], {
    env: h.env,
    input: script,
  });
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
