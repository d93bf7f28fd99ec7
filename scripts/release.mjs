// npm run release: the artefacts this machine can build, laid out as install.sh downloads them
// (the same layout as GitHub release downloads, so a mirror is a static copy of this directory):
//   dist/release/download/vVERSION/docker-credential-oidc-OS-ARCH
//   dist/release/download/vVERSION/SHA256SUMS
//   dist/release/latest/download/...   (the same files, for "latest")
//   dist/release/install.sh
// A SEA embeds the node binary that builds it, so each platform is built on that platform (a CI
// matrix of linux-x64, linux-arm64, darwin-x64, darwin-arm64 runners); this machine builds its own.
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

execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });

const release = join(root, 'dist', 'release');
rmSync(release, { recursive: true, force: true });
const asset = `docker-credential-oidc-${osName}-${archName}`;
const sums = [];
for (const dir of [join(release, 'download', `v${version}`), join(release, 'latest', 'download')]) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(root, 'dist', 'docker-credential-oidc'), join(dir, asset));
  chmodSync(join(dir, asset), 0o755);
  const hash = createHash('sha256').update(readFileSync(join(dir, asset))).digest('hex');
  writeFileSync(join(dir, 'SHA256SUMS'), `${hash}  ${asset}\n`);
  writeFileSync(join(dir, 'VERSION'), `${version}\n`);
  sums.push(hash);
}
copyFileSync(join(root, 'install.sh'), join(release, 'install.sh'));
const size = statSync(join(release, 'download', `v${version}`, asset)).size;
console.log(`release ${version}: ${asset} (${(size / 1024 / 1024).toFixed(1)} MiB, sha256 ${sums[0]}) in ${release}`);
