#!/usr/bin/env bash
# `npm run demo`: the local demo on a fresh clone. Installs what is missing, builds (or reuses) the
# local control plane, then runs the demo until Ctrl-C. Flags are passed to `digicert-access-operator demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
if [[ "${USE_EXISTING_CLUSTER:-}" != "true" ]]; then
  bash test/controlplane/build.sh >/dev/null
fi
exec node --import tsx src/cli.ts demo "$@"
