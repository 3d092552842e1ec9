#!/usr/bin/env bash
# Idempotent set-up shared by ./verity and ./test.sh: restore + build (only when sources changed) and test photos.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET SDK (dotnet) is required; see https://dot.net" >&2
  exit 1
fi

# Contracts: npm packages (solc, OpenZeppelin, anvil) and compiled artifacts + C# bindings, when sources changed.
scripts/contracts.sh >&2

bin="src/Verity.Cli/bin/Release/net10.0/verity.dll"
stamp=".cache/build.stamp"
mkdir -p .cache
changed=$(find src tests bench Directory.Build.props Directory.Packages.props Verity.sln -newer "$stamp" \
  \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.txt' -o -name '*.sln' -o -name '*.json' \
  -o -name '*.html' -o -name '*.js' -o -name '*.css' \) \
  -not -path '*/bin/*' -not -path '*/obj/*' 2>/dev/null | head -1 || true)
if [ ! -f "$bin" ] || [ ! -f "$stamp" ] || [ -n "$changed" ]; then
  echo "setup: building (Release) …" >&2
  dotnet build Verity.sln -c Release -nologo -v quiet "-clp:ErrorsOnly;NoSummary" >&2
  touch "$stamp"
fi

# Real photographs for ResNet18 calibration and accuracy, from the Debian archive (see scripts/fetch-images.sh).
scripts/fetch-images.sh >&2
