#!/usr/bin/env bash
# Installs Debian's chromium package for the browser tests when /usr/bin/chromium is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./install-debian-package.sh /usr/bin/chromium chromium "the browser tests need Chromium at" \
    "make test" "on Ubuntu it is a snap"
/usr/bin/chromium --version || true
