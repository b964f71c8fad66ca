#!/usr/bin/env bash
# Installs Debian's wrk package (the HTTP load generator of `make bench`) when wrk is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
exec ./install-debian-package.sh wrk wrk "make bench needs the load generator" "make bench"
