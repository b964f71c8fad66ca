#!/usr/bin/env bash
# Installs a Debian package when the program a make target needs is missing.
#   scripts/install-debian-package.sh PROGRAM PACKAGE "WHO NEEDS IT" "make TARGET" [HINT]
# PROGRAM is a path (/usr/bin/chromium) or a command name (wrk). Needs root or sudo; does
# nothing when the program is already there.
set -euo pipefail

program=$1 package=$2 needed_by=$3 target=$4 hint=${5:-}

present() {
    if [[ $program == /* ]]; then [[ -x $program ]]; else command -v "$program" >/dev/null 2>&1; fi
}
present && exit 0

fail() {
    {
        echo "error: $needed_by $program, and $*."
        echo "  Install it as root (Debian: apt-get update && apt-get install -y $package), then run"
        echo "  $target again."
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

echo "Installing Debian's $package (${as_root[*]:-as root}: apt-get install -y $package)"
# A fresh package index only when the cached one does not know the package.
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$package"; then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update ||
        fail "'apt-get update' failed"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$package" ||
        fail "'apt-get install -y $package' failed"
fi
present || fail "the $package package did not provide it${hint:+ ($hint)}"
