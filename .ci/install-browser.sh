#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test (tests/test_app_browser.py), if it is not there yet.
# Playwright (a Python dev dependency) drives this binary; `playwright install` is never used.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "Chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: $CHROMIUM is missing and apt-get is not available to install it" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: installing Chromium needs root (or sudo)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# DejaVu covers Vietnamese, so the screenshots the test saves are readable.
$SUDO apt-get install -y -qq chromium fonts-dejavu-core
"$CHROMIUM" --version
