#!/bin/sh
# Installs docker-credential-oidc (and its second name, registry-login) for the current user.
#
#   curl -fsSL https://github.com/docker-credential-oidc/docker-credential-oidc/releases/latest/download/install.sh | sh
#   sh install.sh [--version V] [--prefix DIR] [--registry REG]... [--creds-store] [--migrate]
#   sh install.sh --uninstall [--purge]
#
# The binary carries its own Node.js LTS runtime (Node 24): nothing else needs to be installed.
# Downloads come from $DOCKER_CREDENTIAL_OIDC_BASE_URL (a mirror for air-gapped sites), laid out as
# release downloads are:  BASE/download/vVERSION/<asset>  and  BASE/latest/download/<asset>, with
# <asset> = docker-credential-oidc-OS-ARCH and a SHA256SUMS file beside it. The checksum is verified
# before anything is installed. docker's config.json is edited by the binary (configure-docker),
# never by this script. The whole body is in functions and `main` runs on the last line, so a
# truncated download runs nothing.
# Test knobs: DOCKER_CREDENTIAL_OIDC_OS and DOCKER_CREDENTIAL_OIDC_ARCH override detection.
#
# POSIX sh (dash, ash, bash, macOS's sh), since `curl ... | sh` is what people type. `local` is not in
# POSIX but every one of those shells has it. No pipefail: no pipeline's failure goes unnoticed here
# (a failed sha256sum gives an empty sum, which never matches).
# shellcheck disable=SC3043
set -eu

DEFAULT_BASE_URL="https://github.com/docker-credential-oidc/docker-credential-oidc/releases"
NAME="docker-credential-oidc"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<'USAGE'
Usage: install.sh [options]
  --version V        install version V (default: latest)
  --prefix DIR       install into DIR (default: ~/.local/bin; no root needed)
  --registry REG     after installing, send REG to the helper in docker's config.json (repeatable)
  --creds-store      set "credsStore": "oidc" instead (docker and BuildKit only)
  --migrate          move clear-text passwords from config.json into the keychain
  --uninstall        remove the binary, registry-login and our docker config entries
  --purge            with --uninstall: also remove every keychain item of the helper
  -h, --help         this help
Environment: DOCKER_CREDENTIAL_OIDC_BASE_URL (mirror of the release downloads)
USAGE
}

detect_platform() {
  local os arch
  os="${DOCKER_CREDENTIAL_OIDC_OS:-$(uname -s)}"
  arch="${DOCKER_CREDENTIAL_OIDC_ARCH:-$(uname -m)}"
  case "$os" in
    Linux|linux) os=linux ;;
    Darwin|darwin) os=darwin ;;
    *) die "unsupported operating system: $os (builds exist for Linux and macOS)" ;;
  esac
  case "$arch" in
    x86_64|amd64|x64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) die "unsupported architecture: $arch (builds exist for x64 and arm64)" ;;
  esac
  printf '%s-%s' "$os" "$arch"
}

download() {
  local url="$1" out="$2"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 -o "$out" "$url" || die "download failed: $url"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$out" "$url" || die "download failed: $url"
  else
    die "neither curl nor wget is installed"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    die "neither sha256sum nor shasum is installed: cannot verify the download"
  fi
}

path_hint() {
  local prefix="$1"
  case ":${PATH}:" in
    *":${prefix}:"*) ;;
    *) say "Add ${prefix} to your PATH, e.g. in ~/.profile:"
       say "  export PATH=\"${prefix}:\$PATH\"" ;;
  esac
}

install_binary() {
  local base="$1" version="$2" prefix="$3" platform asset where tmp expected actual
  platform="$(detect_platform)"
  asset="${NAME}-${platform}"
  if [ "$version" = "latest" ]; then where="${base}/latest/download"; else where="${base}/download/v${version#v}"; fi

  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: the trap must remove this very directory
  trap "rm -rf '$tmp'" EXIT
  say "Downloading ${asset} (${version}) from ${where}"
  download "${where}/${asset}" "${tmp}/${asset}"
  download "${where}/SHA256SUMS" "${tmp}/SHA256SUMS"
  expected="$(awk -v f="$asset" '$2 == f || $2 == "*"f { print $1 }' "${tmp}/SHA256SUMS")"
  [ -n "$expected" ] || die "SHA256SUMS lists no ${asset}"
  actual="$(sha256_of "${tmp}/${asset}")"
  [ "$expected" = "$actual" ] || die "checksum mismatch for ${asset}: expected ${expected}, got ${actual}; nothing was installed"

  mkdir -p "$prefix"
  # mv onto a directory would move the binary into it and claim success.
  for target in "${prefix}/${NAME}" "${prefix}/registry-login"; do
    if [ -d "$target" ] && [ ! -L "$target" ]; then die "${target} is a directory: remove it or choose another --prefix; nothing was installed"; fi
  done
  if [ -e "${prefix}/${NAME}" ] && [ ! -f "${prefix}/${NAME}" ]; then
    die "${prefix}/${NAME} exists and is not a regular file: remove it or choose another --prefix; nothing was installed"
  fi
  if [ -f "${prefix}/${NAME}" ] && [ "$(sha256_of "${prefix}/${NAME}")" = "$actual" ]; then
    say "${NAME} ${version} is already installed in ${prefix}"
  else
    cp "${tmp}/${asset}" "${prefix}/.${NAME}.new"
    chmod 0755 "${prefix}/.${NAME}.new"
    mv -f "${prefix}/.${NAME}.new" "${prefix}/${NAME}"
    # The version line names the Node.js runtime inside the binary (no node is needed on the machine).
    say "Installed ${prefix}/${NAME} ($("${prefix}/${NAME}" version 2>/dev/null || echo "version unknown"))"
  fi
  ln -sfn "${NAME}" "${prefix}/.registry-login.new"
  mv -f "${prefix}/.registry-login.new" "${prefix}/registry-login"
}

uninstall() {
  local prefix="$1" purge="$2"
  if [ -x "${prefix}/${NAME}" ]; then
    "${prefix}/${NAME}" configure-docker --undo || say "could not undo the docker config entries; remove them by hand"
    if [ "$purge" = 1 ]; then
      "${prefix}/${NAME}" logout --all || say "could not remove the keychain items"
    fi
  fi
  rm -f "${prefix}/${NAME}" "${prefix}/registry-login"
  say "Removed ${NAME} and registry-login from ${prefix}"
  [ "$purge" = 1 ] || say "Keychain items were kept (run with --purge to remove them)"
}

main() {
  local version="latest" prefix="${HOME}/.local/bin" creds_store=0 migrate=0 remove=0 purge=0
  local base="${DOCKER_CREDENTIAL_OIDC_BASE_URL:-$DEFAULT_BASE_URL}"
  # Registry names have no white space: a space-separated list needs no arrays (POSIX sh has none).
  local registries=
  while [ $# -gt 0 ]; do
    case "$1" in
      --version) [ $# -ge 2 ] || die "--version needs a value"; version="$2"; shift 2 ;;
      --prefix) [ $# -ge 2 ] || die "--prefix needs a value"; prefix="$2"; shift 2 ;;
      --registry) [ $# -ge 2 ] || die "--registry needs a value"
        case "$2" in *[[:space:]]*|"") die "not a registry: '$2'" ;; esac
        registries="${registries} $2"; shift 2 ;;
      --creds-store) creds_store=1; shift ;;
      --migrate) migrate=1; shift ;;
      --uninstall) remove=1; shift ;;
      --purge) purge=1; shift ;;
      -h|--help) usage; return 0 ;;
      *) usage; die "unknown option: $1" ;;
    esac
  done
  base="${base%/}"

  if [ "$remove" = 1 ]; then
    uninstall "$prefix" "$purge"
    return 0
  fi

  install_binary "$base" "$version" "$prefix"
  local configure=""
  [ "$creds_store" = 0 ] || configure="${configure} --creds-store"
  [ "$migrate" = 0 ] || configure="${configure} --migrate"
  if [ -n "${registries}${configure}" ]; then
    set -f # split the lists on spaces, never glob them
    # shellcheck disable=SC2086 # word splitting is the point: flags and registry names, no spaces inside
    "${prefix}/${NAME}" configure-docker $configure $registries
    set +f
  fi
  path_hint "$prefix"
  say "Next: registry-login REGISTRY --issuer URL --client-id ID"
}

main "$@"
