// npm run release: the artefacts this machine can build, laid out as install.sh downloads them
// (the same layout as GitHub release downloads, so a mirror is a static copy of this directory):
//   dist/release/download/vVERSION/docker-credential-oidc-OS-ARCH
//   dist/release/download/vVERSION/SHA256SUMS
//   dist/release/latest/download/...   (the same files, for "latest")
//   dist/release/install.sh
// This machine builds its own platform, and with DCO_RELEASE_TARGETS=linux-arm64,win32-x64
// (comma-separated) the other Linux architecture and Windows too, from the runtime and addon
// package-lock.json pins (build.mjs); darwin is built on macOS runners (codesign). Windows people
// download docker-credential-oidc-win32-x64.zip: both .exe files (registry-login.exe is a copy).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const osName = { linux: 'linux', darwin: 'darwin' }[process.platform];
const archName = { x64: 'x64', arm64: 'arm64' }[process.arch];
if (!osName || !archName) throw new Error(`no release build for ${process.platform}-${process.arch}`);

const builds = [{ target: `${osName}-${archName}`, binary: join(root, 'dist', 'docker-credential-oidc'), env: {} }];
for (const target of (process.env.DCO_RELEASE_TARGETS ?? '').split(',').filter((t) => t && t !== builds[0].target)) {
  const out = join(root, 'dist', `cross-${target}`);
  const exe = target.startsWith('win32-') ? '.exe' : '';
  builds.push({ target, binary: join(out, `docker-credential-oidc${exe}`), env: { DCO_TARGET: target, DCO_BUILD_OUT: out } });
}
for (const build of builds) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', env: { ...process.env, ...build.env } });
}

const release = join(root, 'dist', 'release');
rmSync(release, { recursive: true, force: true });
for (const dir of [join(release, 'download', `v${version}`), join(release, 'latest', 'download')]) {
  mkdirSync(dir, { recursive: true });
  const sums = [];
  for (const build of builds) {
    const asset = build.binary.endsWith('.exe') ? `docker-credential-oidc-${build.target}.zip` : `docker-credential-oidc-${build.target}`;
    if (asset.endsWith('.zip')) {
      // -X: no Unix owners or times beyond the entry's own; -j: the two files at the archive's root.
      execFileSync('zip', ['-q', '-X', '-j', join(dir, asset), build.binary, join(dirname(build.binary), 'registry-login.exe')]);
    } else {
      copyFileSync(build.binary, join(dir, asset));
      chmodSync(join(dir, asset), 0o755);
    }
    sums.push(`${createHash('sha256').update(readFileSync(join(dir, asset))).digest('hex')}  ${asset}\n`);
  }
  writeFileSync(join(dir, 'SHA256SUMS'), sums.join(''));
  writeFileSync(join(dir, 'VERSION'), `${version}\n`);
}
copyFileSync(join(root, 'install.sh'), join(release, 'install.sh'));
for (const build of builds) {
  const size = statSync(build.binary).size;
  console.log(`release ${version}: ${build.binary.endsWith('.exe') ? `docker-credential-oidc-${build.target}.zip` : `docker-credential-oidc-${build.target}`} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${release}`);
}
