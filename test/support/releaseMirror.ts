// A release laid out as install.sh downloads it (BASE/download/vVERSION/…, BASE/latest/download/…),
// packed by the release script's own code from the built binary and signed with a throw-away SSH
// key, for install.sh and the GitHub Action to install from over a loopback mirror.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// @ts-expect-error: a plain .mjs of the release script, without types
import { packArchive as packArchiveUntyped } from '../../scripts/releaseArchive.mjs';
import { helperBinary, repoRoot } from './helperBinary.js';

/** scripts/releaseArchive.mjs's packer, typed. */
export const packArchive = packArchiveUntyped as (options: { target: string; binary: string; dir: string; xz?: string }) => string;

export const RELEASE_VERSION = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
export const RELEASE_TARGET = `linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
export const RELEASE_ARCHIVE = `docker-credential-oidc-${RELEASE_TARGET}.tar.xz`;

export interface SigningKey {
  privateKey: string;
  /** The public-key line (what DOCKER_CREDENTIAL_OIDC_RELEASE_KEY takes). */
  publicLine: string;
}

export function makeSigningKey(dir: string, name = 'release-key'): SigningKey {
  const privateKey = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `test ${name}`, '-f', privateKey]);
  return { privateKey, publicLine: execFileSync('ssh-keygen', ['-y', '-f', privateKey], { encoding: 'utf8' }).trim() };
}

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function signFile(file: string, key: SigningKey): void {
  execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', key.privateKey, '-n', 'file', file]);
}

/**
 * Writes a release of the built binary under DIR. An `archive` replaces the packed one (a swapped
 * download; SHA256SUMS is then written to match it, as a hostile mirror would). Without `key` there
 * is no SHA256SUMS.sig. Returns the packed archive's bytes.
 */
export async function writeRelease(dir: string, options: { key?: SigningKey; archive?: Buffer; packed?: Buffer } = {}): Promise<Buffer> {
  const packed = options.packed ?? (await readFile(packArchive({ target: RELEASE_TARGET, binary: helperBinary, dir: await mkdirp(dir), xz: '-0' })));
  const archive = options.archive ?? packed;
  for (const sub of [`download/v${RELEASE_VERSION}`, 'latest/download']) {
    const d = await mkdirp(join(dir, sub));
    await writeFile(join(d, RELEASE_ARCHIVE), archive);
    await writeFile(join(d, 'SHA256SUMS'), `${sha256(archive)}  ${RELEASE_ARCHIVE}\n`);
    await copyFile(join(repoRoot, 'install.sh'), join(d, 'install.sh'));
    if (options.key) signFile(join(d, 'SHA256SUMS'), options.key);
  }
  return packed;
}

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
