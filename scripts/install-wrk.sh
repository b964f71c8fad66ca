#!/usr/bin/env bash
# Installs Debian's wrk package (the HTTP load generator of `make bench`) when wrk is missing.
# Needs root or sudo; does nothing when wrk is already on PATH.
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi

fail() {
    {
        echo "error: make bench needs the load generator wrk, and $*."
        echo "  Install it as root (Debian: apt-get update && apt-get install -y wrk), then run"
        echo "  make bench again."
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

echo "Installing Debian's wrk (${as_root[*]:-as root}: apt-get install -y wrk)"
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update ||
        fail "'apt-get update' failed"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk ||
        fail "'apt-get install -y wrk' failed"
fi
command -v wrk >/dev/null 2>&1 || fail "the wrk package did not provide it"
