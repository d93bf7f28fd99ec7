// `npm run release` end to end, as the release workflow runs it on Linux: build, the .tar.xz, the
// .deb, SHA256SUMS signed with a throw-away SSH key (DCO_SIGNING_KEY). Then what people do with the
// result: verify the signature by hand, unpack and run, install the .deb (apt resolves it; dpkg
// installs, runs and removes it in a throw-away root), and install.sh from a loopback mirror of it.
// The release goes to a temp directory (DCO_BUILD_OUT), never over the dist/ binary other tests run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run, type RunResult } from '../support/helperBinary.js';
import { serveDirectory } from '../support/staticServer.js';
import { makeSigningKey, packArchive, RELEASE_ARCHIVE, RELEASE_VERSION as VERSION, sha256, type SigningKey } from '../support/releaseMirror.js';

const DEB = `docker-credential-oidc_${VERSION.replace('-', '~')}_${process.arch === 'arm64' ? 'arm64' : 'amd64'}.deb`;
const MiB = 1024 * 1024;

let out: string;
let key: SigningKey;
let release: RunResult;
let assets: string;

before(async () => {
  out = await mkdtemp(join(tmpdir(), 'dco-release-'));
  key = makeSigningKey(out);
  release = await run(process.execPath, [join(repoRoot, 'scripts', 'release.mjs')], {
    env: { ...process.env, DCO_BUILD_OUT: join(out, 'build'), DCO_SIGNING_KEY: key.privateKey },
    timeoutMs: 3_600_000, // packing is minutes of CPU (docs/install.md); a loaded machine stretches it
  });
  assert.equal(release.code, 0, release.stderr + release.stdout);
  assets = join(out, 'build', 'release', 'download', `v${VERSION}`);
});
after(async () => {
  await rm(out, { recursive: true, force: true });
});

test(`npm run release prints each download's size; ${RELEASE_ARCHIVE} is at most 32 MiB`, async () => {
  const size = (await stat(join(assets, RELEASE_ARCHIVE))).size;
  assert.match(release.stdout, new RegExp(`release ${VERSION}: ${RELEASE_ARCHIVE.replace(/\./g, '\\.')} ${(size / MiB).toFixed(1).replace('.', '\\.')} MiB\n`));
  assert.match(release.stdout, new RegExp(`release ${VERSION}: ${DEB.replace(/[.~]/g, '\\$&')} \\d+\\.\\d MiB\n`));
  assert.ok(size <= 32 * MiB, `${RELEASE_ARCHIVE} is ${(size / MiB).toFixed(1)} MiB`);
  assert.match(
    release.stdout,
    /SHA256SUMS\.sig signed with ssh-ed25519 \S+ test release-key \(NOT the key install\.sh carries: installs need DOCKER_CREDENTIAL_OIDC_RELEASE_KEY\)/,
  );
});

test('SHA256SUMS lists every download with its true sum; latest/download is the same files', async () => {
  const sums = await readFile(join(assets, 'SHA256SUMS'), 'utf8');
  const listed = sums
    .trimEnd()
    .split('\n')
    .map((line) => line.split('  ')[1]);
  assert.deepEqual(listed.sort(), [RELEASE_ARCHIVE, DEB, 'install.sh'].sort());
  for (const line of sums.trimEnd().split('\n')) {
    const [hash, name] = line.split('  ');
    assert.equal(sha256(await readFile(join(assets, name))), hash, name);
  }
  const latest = join(out, 'build', 'release', 'latest', 'download');
  assert.deepEqual((await readdir(latest)).sort(), (await readdir(assets)).sort());
  for (const name of await readdir(assets)) assert.ok((await readFile(join(latest, name))).equals(await readFile(join(assets, name))), name);
});

test('SHA256SUMS.sig verifies by hand with ssh-keygen -Y verify (docs/install.md), and fails for changed sums', async () => {
  const signers = join(out, 'allowed_signers');
  await writeFile(signers, `release@docker-credential-oidc namespaces="file" ${key.publicLine}\n`);
  const verify = (input: string | Buffer) =>
    run('ssh-keygen', ['-Y', 'verify', '-f', signers, '-I', 'release@docker-credential-oidc', '-n', 'file', '-s', join(assets, 'SHA256SUMS.sig')], { input });
  const good = await verify(await readFile(join(assets, 'SHA256SUMS')));
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /Good "file" signature for release@docker-credential-oidc/);
  const changed = await verify((await readFile(join(assets, 'SHA256SUMS'), 'utf8')).replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')));
  assert.notEqual(changed.code, 0);
  const docs = await readFile(join(repoRoot, 'docs', 'install.md'), 'utf8');
  assert.match(docs, /ssh-keygen -Y verify -f allowed_signers -I release@docker-credential-oidc -n file -s SHA256SUMS\.sig < SHA256SUMS/);
  const carried = /^RELEASE_KEY="([^"]+)"$/m.exec(await readFile(join(repoRoot, 'install.sh'), 'utf8'))![1];
  assert.ok(docs.includes(carried), 'docs/install.md shows the key install.sh carries');
});

test('the .tar.xz holds the executable and registry-login, owned by root, and it runs', async () => {
  const list = await run('tar', ['-tvJf', join(assets, RELEASE_ARCHIVE)]);
  assert.equal(list.code, 0, list.stderr);
  const entries = list.stdout.trimEnd().split('\n');
  assert.equal(entries.length, 2);
  assert.match(entries[0], /^-rwxr-xr-x 0\/0 +\d+ \S+ \S+ docker-credential-oidc$/);
  assert.match(entries[1], /^lrwxrwxrwx 0\/0 +0 \S+ \S+ registry-login -> docker-credential-oidc$/);
  const unpacked = join(out, 'unpacked');
  await mkdir(unpacked);
  assert.equal((await run('tar', ['-xJf', join(assets, RELEASE_ARCHIVE), '-C', unpacked])).code, 0);
  const version = await run(join(unpacked, 'registry-login'), ['--help']);
  assert.match(version.stdout, /registry-login/);
  assert.match(
    (await run(join(unpacked, 'docker-credential-oidc'), ['version'])).stdout,
    new RegExp(`^docker-credential-oidc ${VERSION.replace(/\./g, '\\.')} \\(Node\\.js v24\\.`),
  );
});

test('install.sh installs from a loopback mirror of the signed release', async () => {
  const mirror = await serveDirectory(join(out, 'build', 'release'));
  try {
    const home = join(out, 'home');
    await mkdir(home);
    const env = {
      HOME: home,
      PATH: '/usr/local/bin:/usr/bin:/bin',
      DOCKER_CREDENTIAL_OIDC_BASE_URL: mirror.url,
      DOCKER_CREDENTIAL_OIDC_RELEASE_KEY: key.publicLine,
    };
    const result = await run('sh', [join(out, 'build', 'release', 'install.sh'), '--version', VERSION], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Installed .*docker-credential-oidc \(docker-credential-oidc /);
    assert.deepEqual(mirror.requests, [`/download/v${VERSION}/SHA256SUMS`, `/download/v${VERSION}/SHA256SUMS.sig`, `/download/v${VERSION}/${RELEASE_ARCHIVE}`]);
  } finally {
    await mirror.stop();
  }
});

/** A dpkg root whose database holds only the packages the .deb depends on (copied from this machine's). */
async function dpkgRoot(name: string, packages: string[]): Promise<string> {
  const root = join(out, name);
  await mkdir(join(root, 'var', 'lib', 'dpkg', 'info'), { recursive: true });
  await mkdir(join(root, 'var', 'lib', 'dpkg', 'updates'));
  const stanzas = await Promise.all(packages.map(async (p) => (await run('dpkg-query', ['-s', p])).stdout.trimEnd()));
  await writeFile(join(root, 'var', 'lib', 'dpkg', 'status'), stanzas.map((s) => `${s}\n\n`).join(''));
  await writeFile(join(root, 'var', 'lib', 'dpkg', 'available'), '');
  return root;
}

// --force-script-chrootless: the maintainer script runs without chroot(2) into the throw-away root
// (which holds no /bin/sh), with DPKG_ROOT set, as dpkg 1.18.5+ allows.
const dpkg = (root: string, args: string[]) =>
  run('dpkg', [`--root=${root}`, '--force-script-chrootless', '--log=/dev/null', ...args], {
    env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
  });

test('the .deb: apt accepts it, dpkg installs it (run, man page), removes only its files, and purge says what it leaves', async () => {
  const deb = join(assets, DEB);
  const info = await run('dpkg-deb', ['-f', deb]);
  assert.match(info.stdout, /^Package: docker-credential-oidc$/m);
  assert.match(info.stdout, new RegExp(`^Version: ${VERSION.replace('-', '~').replace(/\./g, '\\.')}$`, 'm'));
  assert.match(info.stdout, /^Depends: libc6 \(>= 2\.28\), libstdc\+\+6 \(>= 5\), libgcc-s1 \| libgcc1$/m);
  assert.match(info.stdout, /^Recommends: gnome-keyring \| keepassxc \| libkf5wallet-bin$/m);
  const contents = await run('dpkg-deb', ['-c', deb]);
  for (const path of [
    './usr/bin/docker-credential-oidc',
    './usr/bin/registry-login -> docker-credential-oidc',
    './usr/share/man/man1/docker-credential-oidc.1.gz',
    './usr/share/doc/docker-credential-oidc/copyright',
  ]) {
    assert.ok(contents.stdout.includes(` ${path}\n`), `${path} in\n${contents.stdout}`);
  }
  assert.doesNotMatch(contents.stdout, /^\S+ (?!root\/root)/m, 'every entry is owned by root');

  // apt-get install ./x.deb, simulated (-s): apt reads the package and resolves its Depends here.
  const apt = await run('apt-get', ['install', '-s', '--no-install-recommends', deb]);
  assert.equal(apt.code, 0, apt.stderr);
  assert.match(apt.stdout, new RegExp(`^Inst docker-credential-oidc \\(${VERSION.replace(/\./g, '\\.')} local-deb`, 'm'));

  // Without its Depends in the database, dpkg refuses it.
  const bare = await dpkgRoot('bare-root', []);
  const refused = await dpkg(bare, ['-i', deb]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /depends on libc6 \(>= 2\.28\)/);

  const root = await dpkgRoot('deb-root', ['libc6', 'libstdc++6', 'libgcc-s1']);
  // What a person owns beside the package: another program, settings, docker's config.json.
  const theirs = [
    'usr/bin/their-tool',
    'home/u/.config/docker-credential-oidc/config.json',
    'home/u/.docker/config.json',
    'usr/share/man/man1/their-tool.1.gz',
  ];
  for (const path of theirs) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), `${path}\n`);
  }
  const installed = await dpkg(root, ['-i', deb]);
  assert.equal(installed.code, 0, installed.stderr);
  const binary = join(root, 'usr', 'bin', 'docker-credential-oidc');
  assert.match((await run(binary, ['version'])).stdout, new RegExp(`^docker-credential-oidc ${VERSION.replace(/\./g, '\\.')} `));
  assert.equal(await readlink(join(root, 'usr', 'bin', 'registry-login')), 'docker-credential-oidc');
  const man = await run('man', ['-P', 'cat', '-l', join(root, 'usr', 'share', 'man', 'man1', 'docker-credential-oidc.1.gz')], {
    env: { ...process.env, MANWIDTH: '200' },
  });
  assert.equal(man.code, 0, man.stderr);
  assert.match(man.stdout, /docker-credential-oidc, registry-login - Docker credential helper/);
  assert.match(man.stdout, /configure-docker \[options\] \[registry\.\.\.\]/, 'the man page is the --help text');
  const listed = (await dpkg(root, ['-L', 'docker-credential-oidc'])).stdout;

  const removed = await dpkg(root, ['-r', 'docker-credential-oidc']);
  assert.equal(removed.code, 0, removed.stderr);
  for (const path of listed
    .trimEnd()
    .split('\n')
    .filter((p) => !['/.', '/usr', '/usr/bin', '/usr/share', '/usr/share/man', '/usr/share/man/man1'].includes(p))) {
    await assert.rejects(lstat(join(root, path)), `${path} removed`);
  }
  for (const path of theirs) assert.equal(await readFile(join(root, path), 'utf8'), `${path}\n`, `${path} kept`);
  const purged = await dpkg(root, ['--purge', 'docker-credential-oidc']);
  assert.equal(purged.code, 0, purged.stderr);
  assert.match(
    purged.stderr,
    /docker-credential-oidc: purged the package's files\. Left in place, because they belong to each user and not to the package:\n {2}keychain items, ~\/\.config\/docker-credential-oidc\/ \(settings\), and the credHelpers\/credsStore entries in ~\/\.docker\/config\.json\./,
  );
  for (const path of theirs) assert.equal(await readFile(join(root, path), 'utf8'), `${path}\n`, `${path} kept after purge`);
  assert.equal((await dpkg(root, ['-s', 'docker-credential-oidc'])).code, 1, 'dpkg knows it no more');
});

test('a build that wrote an .exe is zipped with both names (packed from a small real executable)', async () => {
  const dir = join(out, 'zip');
  await mkdir(dir);
  const input = join(dir, 'docker-credential-oidc.exe');
  await copyFile('/bin/true', input);
  const zip = packArchive({ target: 'win32-x64', binary: input, dir });
  assert.equal(zip, join(dir, 'docker-credential-oidc-win32-x64.zip'));
  const list = await run('unzip', ['-Z1', zip]);
  assert.deepEqual(list.stdout.trimEnd().split('\n'), ['docker-credential-oidc.exe', 'registry-login.exe']);
  assert.equal((await run('unzip', ['-q', zip, '-d', join(dir, 'unzipped')])).code, 0);
  for (const name of ['docker-credential-oidc.exe', 'registry-login.exe']) {
    assert.ok((await readFile(join(dir, 'unzipped', name))).equals(await readFile('/bin/true')), name);
  }
});
