#!/usr/bin/env bash
# Debian packages the tests and the demo use: a real Secret Service (dbus + gnome-keyring), a real
# registry (docker-registry = CNCF Distribution 2.8), real clients (skopeo, podman, buildah; the docker CLI when the
# machine has none), the Go helper we compare against, and tools the test servers need
# (dbus-tests: dbus-test-tool plays a Secret Service that never answers).
set -euo pipefail
packages=(
  dbus gnome-keyring libsecret-tools dbus-tests
  docker-registry skopeo golang-docker-credential-helpers
  apache2-utils openssl binutils ca-certificates curl shellcheck file dash
)
# The release and its tests: xz (the .tar.xz), zip/unzip (the Windows .zip), ssh-keygen (signing
# SHA256SUMS and install.sh's check), man (the .deb's man page is rendered); dpkg-deb and apt-get are
# part of every Debian system.
packages+=(xz-utils zip unzip openssh-client man-db)
# keyutils: keyctl(1) runs a helper in another kernel session keyring, to prove that the kernel store
# (which needs nothing installed) is readable across sessions.
packages+=(keyutils)
# podman and buildah: clients the README names; like skopeo they read credHelpers, and the e2e
# journeys pull, build and push with them (test/e2e/containersClients.test.ts).
packages+=(podman buildah)
# docker.io: dockerd, a real engine for the headline journey (docker pull/push/build), and the
# docker 20.10 CLI that drives the engine's BuildKit without buildx.
packages+=(docker.io)
# chromium: a real browser for the token server's web-UI sign-in test (driven by playwright-core, which
# downloads no browser of its own).
packages+=(chromium)
# The linux-arm64 build is smoke-tested here under qemu-user, with Debian's arm64 C/C++ runtimes and
# strip; on an arm64 machine the x64 build is.
case "$(uname -m)" in
  x86_64) packages+=(qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross binutils-aarch64-linux-gnu) ;;
  aarch64) packages+=(qemu-user libc6-amd64-cross libstdc++6-amd64-cross libgcc-s1-amd64-cross binutils-x86-64-linux-gnu) ;;
esac
# The win32-x64 build is run under Wine 8.0 (test/e2e/windowsWine.test.ts): wine64 and wine (the
# 64-bit loader is /usr/lib/wine/wine64), mingw to build the test's stand-in bcryptprimitives.dll
# (test/support/wine.ts). Wine runs x86-64 Windows programs on x86-64 machines only.
[ "$(uname -m)" = x86_64 ] && packages+=(wine64 wine gcc-mingw-w64-x86-64-win32)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
