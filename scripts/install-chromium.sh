#!/usr/bin/env bash
# Installs Debian's chromium package for the browser tests when /usr/bin/chromium is missing.
# Needs root or sudo; does nothing when Chromium is already there.
set -euo pipefail

chromium=/usr/bin/chromium
if [[ -x $chromium ]]; then
    exit 0
fi

fail() {
    {
        echo "error: the browser tests need Chromium at $chromium, and $*."
        echo "  Install it as root (Debian: apt-get update && apt-get install -y chromium), then run"
        echo "  make test again."
    } >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "this system has no apt-get"
if [[ $(id -u) == 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    # sudo asks for a password only on a terminal; without one it fails with its own message.
    if [[ -t 0 ]]; then as_root=(sudo); else as_root=(sudo -n); fi
else
    fail "installing it needs root or sudo"
fi

echo "Installing Debian's chromium (${as_root[*]:-as root}: apt-get update && apt-get install -y chromium)"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update ||
    fail "'apt-get update' failed"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium ||
    fail "'apt-get install -y chromium' failed"
[[ -x $chromium ]] || fail "the chromium package did not provide it (on Ubuntu it is a snap)"
"$chromium" --version || true
