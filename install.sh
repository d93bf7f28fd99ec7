#!/bin/sh
# Installs docker-credential-oidc (and its second name, registry-login) for the current user.
#
#   curl -fsSL https://github.com/docker-credential-oidc/docker-credential-oidc/releases/latest/download/install.sh | sh
#   sh install.sh [--version V] [--prefix DIR] [--registry REG]... [--creds-store] [--migrate] [--skip-signature]
#   sh install.sh --uninstall [--purge]
#
# The binary carries its own Node.js LTS runtime (Node 24): nothing else needs to be installed.
# Downloads come from $DOCKER_CREDENTIAL_OIDC_BASE_URL (a mirror for air-gapped sites), laid out as
# release downloads are:  BASE/download/vVERSION/<asset>  and  BASE/latest/download/<asset>, with
# <asset> = docker-credential-oidc-OS-ARCH.tar.xz and SHA256SUMS + SHA256SUMS.sig beside it.
# SHA256SUMS is trusted only once its SSH signature verifies (ssh-keygen -Y verify, OpenSSH 8.1+)
# against RELEASE_KEY below (or $DOCKER_CREDENTIAL_OIDC_RELEASE_KEY, for mirrors that re-sign): whoever
# can change the download origin can rewrite SHA256SUMS, but cannot sign it. Then the archive's
# checksum is verified, and only then is anything installed. docker's config.json is edited by the
# binary (configure-docker), never by this script. The whole body is in functions and `main` runs on
# the last line, so a truncated download runs nothing.
# Test knobs: DOCKER_CREDENTIAL_OIDC_OS and DOCKER_CREDENTIAL_OIDC_ARCH override detection.
#
# POSIX sh (dash, ash, bash, macOS's sh), since `curl ... | sh` is what people type. `local` is not in
# POSIX but every one of those shells has it. No pipefail: no pipeline's failure goes unnoticed here
# (a failed sha256sum gives an empty sum, which never matches).
# shellcheck disable=SC3043
set -eu

DEFAULT_BASE_URL="https://github.com/docker-credential-oidc/docker-credential-oidc/releases"
NAME="docker-credential-oidc"
# The project's release signing key (its private half signs SHA256SUMS; docs/install.md).
RELEASE_KEY="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA+ETZ19+tGJ22FDxnVembiupBVpt0jir6/X+razwYoV docker-credential-oidc release"

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
  --skip-signature   do not verify SHA256SUMS.sig (no ssh-keygen 8.1+ here); the checksum is still checked
  -h, --help         this help
Environment: DOCKER_CREDENTIAL_OIDC_BASE_URL (mirror of the release downloads),
             DOCKER_CREDENTIAL_OIDC_RELEASE_KEY (the public-key line a re-signing mirror uses)
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

# Fails (without a word) when the URL cannot be fetched.
try_download() {
  local url="$1" out="$2"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 -o "$out" "$url"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$out" "$url"
  else
    die "neither curl nor wget is installed"
  fi
}

download() {
  try_download "$1" "$2" || die "download failed: $1"
}

# The command that installs a package on this machine, for the one-line advice when a tool is missing.
install_advice() {
  local debian="$1" other="$2"
  if command -v apt-get >/dev/null 2>&1; then printf 'sudo apt-get install %s' "$debian"
  elif command -v dnf >/dev/null 2>&1; then printf 'sudo dnf install %s' "$other"
  elif command -v yum >/dev/null 2>&1; then printf 'sudo yum install %s' "$other"
  elif command -v apk >/dev/null 2>&1; then printf 'apk add %s' "$other"
  elif command -v zypper >/dev/null 2>&1; then printf 'sudo zypper install %s' "$other"
  else printf 'install the %s package (%s on Debian and Ubuntu)' "$other" "$debian"
  fi
}

# tar reads .tar.xz through xz (GNU tar, busybox) or by itself (bsdtar: macOS, FreeBSD, Windows).
check_unpacker() {
  command -v tar >/dev/null 2>&1 || die "tar is not installed: $(install_advice tar tar), then run install.sh again; nothing was installed"
  if command -v xz >/dev/null 2>&1 || tar --version 2>/dev/null | grep -q bsdtar; then return 0; fi
  die "xz is not installed and the download is a .tar.xz: $(install_advice xz-utils xz), then run install.sh again; nothing was installed"
}

# The public-key line to trust, without its comment; refuses anything that is not one key.
release_key() {
  local line="${DOCKER_CREDENTIAL_OIDC_RELEASE_KEY:-$RELEASE_KEY}" type body rest
  set -f # split the line into its fields, never glob them
  # shellcheck disable=SC2086 # splitting is the point
  set -- $line
  set +f
  type="${1:-}" body="${2:-}"
  case "$type" in
    ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|sk-ssh-ed25519@openssh.com|sk-ecdsa-sha2-nistp256@openssh.com) ;;
    *) die "DOCKER_CREDENTIAL_OIDC_RELEASE_KEY is not an SSH public-key line (like 'ssh-ed25519 AAAA... comment'); nothing was installed" ;;
  esac
  rest="$(printf '%s' "$body" | tr -d 'A-Za-z0-9+/=')"
  if [ -z "$body" ] || [ -n "$rest" ]; then
    die "DOCKER_CREDENTIAL_OIDC_RELEASE_KEY is not an SSH public-key line (like 'ssh-ed25519 AAAA... comment'); nothing was installed"
  fi
  printf '%s %s' "$type" "$body"
}

# SHA256SUMS is trusted only when SHA256SUMS.sig verifies against the release key.
verify_signature() {
  local tmp="$1" where="$2" key answer
  key="$(release_key)"
  command -v ssh-keygen >/dev/null 2>&1 ||
    die "ssh-keygen is not installed: it verifies the release signature ($(install_advice openssh-client openssh-clients)), or pass --skip-signature to rely on the checksum alone; nothing was installed"
  try_download "${where}/SHA256SUMS.sig" "${tmp}/SHA256SUMS.sig" ||
    die "no SHA256SUMS.sig at ${where}: the release is unsigned or the mirror incomplete, so its checksums cannot be trusted; nothing was installed"
  printf 'release@docker-credential-oidc namespaces="file" %s\n' "$key" >"${tmp}/allowed_signers"
  if answer="$(ssh-keygen -Y verify -f "${tmp}/allowed_signers" -I release@docker-credential-oidc -n file -s "${tmp}/SHA256SUMS.sig" <"${tmp}/SHA256SUMS" 2>&1)"; then
    return 0
  fi
  case "$answer" in
    *"illegal option"*|*"unknown option"*|*"invalid option"*|*[Uu]sage:*)
      die "ssh-keygen is too old to verify the release signature (OpenSSH 8.1 or later is needed): update it, or pass --skip-signature to rely on the checksum alone; nothing was installed" ;;
  esac
  die "SHA256SUMS from ${where} is not signed by the release key: the download may have been tampered with; nothing was installed"
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
  local base="$1" version="$2" prefix="$3" skip_signature="$4" platform asset where tmp expected actual binary
  platform="$(detect_platform)"
  asset="${NAME}-${platform}.tar.xz"
  if [ "$version" = "latest" ]; then where="${base}/latest/download"; else where="${base}/download/v${version#v}"; fi
  check_unpacker

  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: the trap must remove this very directory
  trap "rm -rf '$tmp'" EXIT
  download "${where}/SHA256SUMS" "${tmp}/SHA256SUMS"
  if [ "$skip_signature" = 1 ]; then
    say "Not verifying the signature of SHA256SUMS (--skip-signature): trusting the checksums ${where} serves"
  else
    verify_signature "$tmp" "$where"
  fi
  expected="$(awk -v f="$asset" '$2 == f || $2 == "*"f { print $1 }' "${tmp}/SHA256SUMS")"
  [ -n "$expected" ] || die "SHA256SUMS lists no ${asset}; nothing was installed"
  say "Downloading ${asset} (${version}) from ${where}"
  download "${where}/${asset}" "${tmp}/${asset}"
  actual="$(sha256_of "${tmp}/${asset}")"
  [ "$expected" = "$actual" ] || die "checksum mismatch for ${asset}: expected ${expected}, got ${actual}; nothing was installed"
  mkdir "${tmp}/unpacked"
  tar -xJf "${tmp}/${asset}" -C "${tmp}/unpacked" || die "could not unpack ${asset}; nothing was installed"
  binary="${tmp}/unpacked/${NAME}"
  if [ ! -f "$binary" ] || [ -L "$binary" ]; then die "${asset} holds no ${NAME} executable; nothing was installed"; fi
  actual="$(sha256_of "$binary")"

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
    cp "$binary" "${prefix}/.${NAME}.new"
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
  local version="latest" prefix="${HOME}/.local/bin" creds_store=0 migrate=0 remove=0 purge=0 skip_signature=0
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
      --skip-signature) skip_signature=1; shift ;;
      -h|--help) usage; return 0 ;;
      *) usage; die "unknown option: $1" ;;
    esac
  done
  base="${base%/}"

  if [ "$remove" = 1 ]; then
    uninstall "$prefix" "$purge"
    return 0
  fi

  install_binary "$base" "$version" "$prefix" "$skip_signature"
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
