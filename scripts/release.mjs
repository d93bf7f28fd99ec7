// npm run release: the artefacts this machine can build, laid out as install.sh downloads them
// (the same layout as GitHub release downloads, so a mirror is a static copy of this directory):
//   dist/release/download/vVERSION/docker-credential-oidc-OS-ARCH.tar.xz   (win32: .zip)
//   dist/release/download/vVERSION/docker-credential-oidc_VERSION_ARCH.deb (Linux)
//   dist/release/download/vVERSION/install.sh, SHA256SUMS, SHA256SUMS.sig (with DCO_SIGNING_KEY)
//   dist/release/latest/download/...   (the same files, for "latest")
//   dist/release/install.sh
// This machine builds its own platform, and with DCO_RELEASE_TARGETS=linux-arm64,win32-x64
// (comma-separated) the other Linux architecture and Windows too, from the runtime and addon
// package-lock.json pins (build.mjs); darwin is built on macOS runners (codesign). A target whose
// build wrote an .exe is zipped with both .exe files (registry-login.exe is a copy).
// DCO_SIGNING_KEY=PATH (an SSH private key) signs SHA256SUMS (scripts/releaseSign.mjs).
// DCO_BUILD_OUT=DIR builds and releases into DIR instead of dist/ (the release test does, so that
// the dist/ binary other tests run is never rebuilt under them).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packArchive } from './releaseArchive.mjs';
import { buildDeb } from './releaseDeb.mjs';
import { builtInReleaseKey, keyBody, signSums } from './releaseSign.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { version, license } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const osName = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[process.platform];
const archName = { x64: 'x64', arm64: 'arm64' }[process.arch];
if (!osName || !archName) throw new Error(`no release build for ${process.platform}-${process.arch}`);
const out = process.env.DCO_BUILD_OUT ? resolve(process.env.DCO_BUILD_OUT) : join(root, 'dist');

const builds = [{ target: `${osName}-${archName}`, dir: out, env: { DCO_BUILD_OUT: out } }];
for (const target of (process.env.DCO_RELEASE_TARGETS ?? '').split(',').filter((t) => t && t !== builds[0].target)) {
  const dir = join(out, `cross-${target}`);
  builds.push({ target, dir, env: { DCO_TARGET: target, DCO_BUILD_OUT: dir } });
}
for (const build of builds) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', env: { ...process.env, ...build.env } });
}
/** The executable a build wrote: docker-credential-oidc, or docker-credential-oidc.exe for Windows. */
const executable = (build) => ['docker-credential-oidc.exe', 'docker-credential-oidc'].map((name) => join(build.dir, name)).find(existsSync);

const release = join(out, 'release');
const assets = join(release, 'download', `v${version}`);
rmSync(release, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });
const written = [];
for (const build of builds) {
  const binary = executable(build);
  if (!binary) throw new Error(`the ${build.target} build wrote no executable in ${build.dir}`);
  written.push(packArchive({ target: build.target, binary, dir: assets }));
  if (build.target.startsWith('linux-')) {
    const help = execFileSync(executable(builds[0]), ['--help'], { encoding: 'utf8' });
    written.push(buildDeb({ version, arch: build.target.split('-')[1], binary, help, license, dir: assets }));
  }
}
copyFileSync(join(root, 'install.sh'), join(assets, 'install.sh'));
const sums = [...written, join(assets, 'install.sh')].map((file) => `${sha256(file)}  ${basename(file)}\n`).join('');
writeFileSync(join(assets, 'SHA256SUMS'), sums);
writeFileSync(join(assets, 'VERSION'), `${version}\n`);

let signedBy = '';
if (process.env.DCO_SIGNING_KEY) {
  const key = signSums(assets, resolve(process.env.DCO_SIGNING_KEY));
  const carried = keyBody(builtInReleaseKey(join(root, 'install.sh')));
  signedBy =
    keyBody(key) === carried
      ? 'the release key install.sh carries'
      : `${key} (NOT the key install.sh carries: installs need DOCKER_CREDENTIAL_OIDC_RELEASE_KEY)`;
}

const latest = join(release, 'latest', 'download');
mkdirSync(latest, { recursive: true });
for (const name of readdirSync(assets)) copyFileSync(join(assets, name), join(latest, name));
copyFileSync(join(root, 'install.sh'), join(release, 'install.sh'));

for (const file of written) console.log(`release ${version}: ${basename(file)} ${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB`);
console.log(
  signedBy ? `release ${version}: SHA256SUMS.sig signed with ${signedBy}` : `release ${version}: SHA256SUMS not signed (set DCO_SIGNING_KEY=PATH to sign)`,
);
console.log(`release ${version}: in ${release}`);

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
