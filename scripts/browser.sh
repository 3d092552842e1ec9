#!/usr/bin/env bash
# Idempotent: makes sure Debian's chromium is installed for the explorer's browser tests (driven by the Playwright
# .NET package, which ships its own driver: nothing else to download). Fails loudly when it cannot install it.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "browser: /usr/bin/chromium is missing and apt-get is not available; install Debian's chromium to run the explorer's browser tests" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "browser: installing chromium (apt-get) …" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
if [ ! -x /usr/bin/chromium ]; then
  echo "browser: apt-get install chromium did not provide /usr/bin/chromium" >&2
  exit 1
fi
