// One compressed download per platform, holding the executable under both of its names:
//   docker-credential-oidc-OS-ARCH.tar.xz   docker-credential-oidc + registry-login (a symlink to it)
//   docker-credential-oidc-win32-ARCH.zip   docker-credential-oidc.exe + registry-login.exe (a copy:
//                                           a zip carries no symlink Windows would honour)
// xz because the uncompressed 114.6 MB binary is too big to download on every CI job; level and
// timings in docs/install.md ("Release"). Entries are owned by root with a fixed time, so the same
// binary gives the same archive bytes (and the same SHA256SUMS line) wherever it is packed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, rmSync, symlinkSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const XZ_LEVEL = '-6';
const NAME = 'docker-credential-oidc';
// A fixed date for every entry (the format's 1980 floor would do for zip; tar takes any).
const FIXED_TIME = new Date('2026-01-01T00:00:00Z');

const isGnuTar = () => execFileSync('tar', ['--version'], { encoding: 'utf8' }).includes('GNU tar');

/** The archive name install.sh (and a person) downloads for TARGET (linux-x64, win32-x64, ...). */
function archiveName(target) {
  return `${NAME}-${target}${target.startsWith('win32-') ? '.zip' : '.tar.xz'}`;
}

/**
 * Packs BINARY (the built executable for TARGET) into DIR/archiveName(target); returns that path.
 * XZ is the xz level (tests that only need a valid archive of the real binary pass a fast one).
 */
export function packArchive({ target, binary, dir, xz = XZ_LEVEL }) {
  const staging = join(dir, `.staging-${target}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const out = join(dir, archiveName(target));
  rmSync(out, { force: true });
  try {
    if (target.startsWith('win32-')) packZip(binary, staging, out);
    else packTarXz(binary, staging, out, xz);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return out;
}

function stage(binary, staging, name) {
  copyFileSync(binary, join(staging, name));
  chmodSync(join(staging, name), 0o755);
  utimesSync(join(staging, name), FIXED_TIME, FIXED_TIME);
}

function packTarXz(binary, staging, out, level) {
  stage(binary, staging, NAME);
  symlinkSync(NAME, join(staging, 'registry-login'));
  const owner = isGnuTar()
    ? ['--owner=0', '--group=0', '--numeric-owner', `--mtime=${FIXED_TIME.toISOString()}`, '--format=ustar']
    : ['--uid', '0', '--gid', '0', '--numeric-owner', '--format', 'ustar']; // bsdtar (macOS)
  const tar = join(staging, 'archive.tar');
  execFileSync('tar', ['-cf', tar, ...owner, '-C', staging, NAME, 'registry-login']);
  // --check=crc64 (xz's default) and one thread: the output is the same on every machine, and xz
  // 5.2 or later is what install.sh's `tar -xJf` / `xz -dc` reads.
  execFileSync('xz', [level, '--threads=1', '--keep', '--force', tar]);
  copyFileSync(`${tar}.xz`, out);
  if (statSync(out).size === 0) throw new Error(`xz wrote an empty ${out}`);
}

function packZip(binary, staging, out) {
  stage(binary, staging, `${NAME}.exe`);
  stage(binary, staging, 'registry-login.exe');
  const names = [`${NAME}.exe`, 'registry-login.exe'];
  // Info-ZIP where it exists (Linux, macOS); Windows 10+ ships bsdtar as tar.exe, which writes zips.
  if (hasCommand('zip')) execFileSync('zip', ['-q', '-X', '-9', out, ...names], { cwd: staging });
  else execFileSync('tar', ['-a', '-cf', out, ...names], { cwd: staging });
}

function hasCommand(command) {
  try {
    execFileSync(command, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
