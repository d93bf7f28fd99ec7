// docker-credential-oidc_VERSION_ARCH.deb, made with dpkg-deb alone (no debhelper toolchain):
//   /usr/bin/docker-credential-oidc, /usr/bin/registry-login -> docker-credential-oidc,
//   /usr/share/man/man1/{docker-credential-oidc,registry-login}.1.gz (from the program's --help),
//   /usr/share/doc/docker-credential-oidc/copyright
// Depends are what `objdump -T` of the executable needs (GLIBC_2.28, GLIBCXX_3.4.21 = GCC 5,
// GCC_3.4; measured on the linux-x64 build of Node.js 24.21.0). A Secret Service provider is
// Recommended, not Depended on: headless CI agents use the kernel keyring or the token file store.
// Nothing a person owns is touched: keychain items, settings and ~/.docker/config.json entries
// belong to each user, not to the package, so `dpkg -r` and `dpkg --purge` leave them (postrm says so).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const NAME = 'docker-credential-oidc';
const DEB_ARCH = { x64: 'amd64', arm64: 'arm64' };
const HOMEPAGE = 'https://github.com/docker-credential-oidc/docker-credential-oidc';

/** npm's 1.2.0-rc.1 sorts before 1.2.0 in Debian only as 1.2.0~rc.1. */
const debianVersion = (version) => version.replace('-', '~');

function debName(version, arch) {
  return `${NAME}_${debianVersion(version)}_${DEB_ARCH[arch]}.deb`;
}

const POSTRM = `#!/bin/sh
set -e
if [ "$1" = purge ]; then
  echo "${NAME}: purged the package's files. Left in place, because they belong to each user and not to the package:" >&2
  echo "  keychain items, ~/.config/${NAME}/ (settings), and the credHelpers/credsStore entries in ~/.docker/config.json." >&2
  echo "  To remove them, each user runs '${NAME} logout --all' and '${NAME} configure-docker --undo' (with the package installed)." >&2
fi
`;

/** Packs BINARY (linux, ARCH = x64 | arm64) into DIR/debName(); HELP is the program's --help text, LICENSE package.json's. */
export function buildDeb({ version, arch, binary, help, license, dir }) {
  if (!DEB_ARCH[arch]) throw new Error(`no Debian architecture for ${arch}`);
  const root = join(dir, `.deb-${arch}`);
  rmSync(root, { recursive: true, force: true });
  const file = (path, content, mode = 0o644) => {
    mkdirSync(join(root, path, '..'), { recursive: true, mode: 0o755 });
    writeFileSync(join(root, path), content);
    chmodSync(join(root, path), mode);
  };
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  copyFileSync(binary, join(root, 'usr', 'bin', NAME));
  chmodSync(join(root, 'usr', 'bin', NAME), 0o755);
  symlinkSync(NAME, join(root, 'usr', 'bin', 'registry-login'));
  file(`usr/share/man/man1/${NAME}.1.gz`, gzipSync(manPage(version, help), { level: 9 }));
  symlinkSync(`${NAME}.1.gz`, join(root, 'usr', 'share', 'man', 'man1', 'registry-login.1.gz'));
  file(`usr/share/doc/${NAME}/copyright`, copyright(licenseText(license)));

  const installedKiB = Math.ceil(sizeOf(join(root, 'usr')) / 1024);
  file('DEBIAN/control', control(version, arch, installedKiB));
  file('DEBIAN/postrm', POSTRM, 0o755);
  file('DEBIAN/md5sums', md5sums(root));
  for (const d of walk(root).filter((p) => lstatSync(p).isDirectory())) chmodSync(d, 0o755);
  chmodSync(root, 0o755);

  const out = join(dir, debName(version, arch));
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, out], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(root, { recursive: true, force: true });
  return out;
}

function control(version, arch, installedKiB) {
  return `Package: ${NAME}
Version: ${debianVersion(version)}
Architecture: ${DEB_ARCH[arch]}
Maintainer: docker-credential-oidc maintainers <${NAME}@users.noreply.github.com>
Installed-Size: ${installedKiB}
Depends: libc6 (>= 2.28), libstdc++6 (>= 5), libgcc-s1 | libgcc1
Recommends: gnome-keyring | keepassxc | libkf5wallet-bin
Suggests: docker.io | docker-ce-cli | podman | skopeo
Section: admin
Priority: optional
Homepage: ${HOMEPAGE}
Description: Docker credential helper that signs in with OpenID Connect
 docker-credential-oidc signs in to private container registries with an
 OpenID Connect provider (device code, MFA included) and keeps every secret
 in the OS keychain (a Secret Service such as gnome-keyring, or the kernel
 keyring on headless machines). registry-login signs in people and pipelines
 (GitHub Actions, GitLab, Jenkins, Azure Pipelines) without a stored password.
 .
 The executable carries its own Node.js runtime: nothing else is needed.
`;
}

/** A man page that is the program's own --help (one source of truth), as help2man would make it. */
function manPage(version, help) {
  // roff: a backslash is an escape, and a line starting with . or ' is a request.
  const body = help
    .replace(/\\/g, '\\e')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
  return `.TH DOCKER-CREDENTIAL-OIDC 1 "" "docker-credential-oidc ${version}" "User Commands"
.SH NAME
docker-credential-oidc, registry-login \\- Docker credential helper that signs in with OpenID Connect
.SH SYNOPSIS
.B docker-credential-oidc
[\\fIcommand\\fR] [\\fIoptions\\fR]
.br
.B registry-login
\\fIregistry\\fR [\\fIoptions\\fR]
.SH DESCRIPTION
.nf
${body.trimEnd()}
.fi
.SH SEE ALSO
${HOMEPAGE}/tree/main/docs
`;
}

function copyright(license) {
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ${NAME}
Source: ${HOMEPAGE}

Files: *
License: MIT
${license
  .trim()
  .split('\n')
  .map((line) => (line.trim() === '' ? ' .' : ` ${line}`))
  .join('\n')}
`;
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    return entry.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

function sizeOf(dir) {
  return walk(dir).reduce((sum, path) => sum + lstatSync(path).size, 0);
}

function md5sums(root) {
  return walk(join(root, 'usr'))
    .filter((p) => lstatSync(p).isFile())
    .map((p) => `${createHash('md5').update(readFileSync(p)).digest('hex')}  ${relative(root, p)}\n`)
    .join('');
}

function licenseText(spdx) {
  if (spdx !== 'MIT') throw new Error(`the .deb copyright file knows the MIT licence only, not ${spdx}`);
  return `Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;
}
