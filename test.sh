#!/usr/bin/env bash
# Runs every test: the whole suite, then the determinism tests again with SIMD switched off and with AVX-512 off,
# which must reproduce the same pinned golden digests.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
# Debian's chromium for the explorer's browser tests; if it cannot be installed they fail with that reason.
scripts/browser.sh || echo "test.sh: chromium could not be installed: the explorer's browser tests will fail" >&2

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
run() { dotnet test "$@" -c Release --no-build -nologo 2>&1 | tee -a "$log" || status=1; }

run Verity.sln
echo "== determinism: DOTNET_EnableHWIntrinsic=0 (scalar) =="
DOTNET_EnableHWIntrinsic=0 run Verity.sln --filter "Category=Determinism"
echo "== determinism: DOTNET_EnableAVX512=0 (AVX-VNNI where the CPU has it, else AVX2) =="
DOTNET_EnableAVX512=0 run Verity.sln --filter "Category=Determinism"
echo "== determinism: DOTNET_EnableAVX512=0 DOTNET_EnableAVXVNNI=0 (AVX2) =="
DOTNET_EnableAVX512=0 DOTNET_EnableAVXVNNI=0 run Verity.sln --filter "Category=Determinism"

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
