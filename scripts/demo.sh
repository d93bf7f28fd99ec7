#!/usr/bin/env bash
# npm run demo [-- --auto-approve]: from a fresh clone to a registry push through SSO, on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent release
exec node --import tsx scripts/demo.ts "$@"
