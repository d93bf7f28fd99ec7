#!/usr/bin/env bash
# npm run demo [-- --auto-approve]: from a fresh clone to a registry push through SSO, on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
# The demo's release is signed with a throw-away key (real releases carry the project's, which
# install.sh trusts); demo.ts hands its public line to install.sh as DOCKER_CREDENTIAL_OIDC_RELEASE_KEY.
mkdir -p dist
rm -f dist/demo-release-key dist/demo-release-key.pub
ssh-keygen -q -t ed25519 -N '' -C 'docker-credential-oidc demo release (throw-away)' -f dist/demo-release-key
DCO_SIGNING_KEY=dist/demo-release-key npm run --silent release
exec node --import tsx scripts/demo.ts "$@"
