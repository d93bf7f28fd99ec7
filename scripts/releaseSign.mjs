// DCO_SIGNING_KEY=PATH: SHA256SUMS.sig, an SSH signature (`ssh-keygen -Y sign -n file`, OpenSSH 8.1+)
// over SHA256SUMS. install.sh checks it against the release public key it carries before it trusts
// any checksum, so a mirror (or a changed download origin) cannot ship a binary with a matching sum.
// SSH signatures need nothing but ssh-keygen, which every Linux and macOS machine has; minisign and
// GPG would be one more tool to install, and Sigstore needs the network at verification time.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The public-key line install.sh carries (RELEASE_KEY="..."). */
export function builtInReleaseKey(installScript) {
  const match = /^RELEASE_KEY="([^"]+)"$/m.exec(readFileSync(installScript, 'utf8'));
  if (!match) throw new Error(`${installScript} carries no RELEASE_KEY line`);
  return match[1];
}

/** Signs DIR/SHA256SUMS with the private key at KEY into DIR/SHA256SUMS.sig; returns the key's public line. */
export function signSums(dir, key) {
  if (!existsSync(key)) throw new Error(`DCO_SIGNING_KEY=${key}: no such file`);
  const sums = join(dir, 'SHA256SUMS');
  execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', key, '-n', 'file', sums], { stdio: ['ignore', 'ignore', 'inherit'] });
  // The public half, derived from the private key (a .pub beside it may be stale or absent).
  return execFileSync('ssh-keygen', ['-y', '-f', key], { encoding: 'utf8' }).trim();
}

/** The type and base64 of a public-key line, without its comment. */
export const keyBody = (line) => line.trim().split(/\s+/).slice(0, 2).join(' ');
