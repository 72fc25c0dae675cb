#!/usr/bin/env bash
# The classroom page tests drive Debian's Chromium through Playwright (which downloads no browser
# here). Install it when it is missing; as root directly, otherwise through sudo.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "Installing Debian's chromium for the page tests"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
