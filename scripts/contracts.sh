#!/usr/bin/env bash
# Idempotent: installs the pinned Solidity toolchain (solc, OpenZeppelin, anvil) from contracts/package-lock.json
# when node_modules is missing or older than the lock file, and compiles contracts/src + contracts/test into
# contracts/out/*.json when a source (or the build script, or the toolchain) changed since the last build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/contracts"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "contracts: Node.js and npm are required (apt-get install nodejs npm)" >&2
  exit 1
fi

stamp_install="node_modules/.verity-installed"
if [ ! -f "$stamp_install" ] || [ package-lock.json -nt "$stamp_install" ] || [ package.json -nt "$stamp_install" ]; then
  echo "contracts: npm ci …" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  touch "$stamp_install"
fi

stamp_build="out/.built"
changed=""
if [ -f "$stamp_build" ]; then
  changed=$(find src test build.mjs bindings.mjs "$stamp_install" -newer "$stamp_build" 2>/dev/null | head -1 || true)
fi
if [ ! -f "$stamp_build" ] || [ -n "$changed" ]; then
  node build.mjs
  touch "$stamp_build"
fi
