#!/usr/bin/env bash
# Writes `.env` for local development once (make run, make manage, make shell): DEBUG on, a
# generated development SECRET_KEY, the port (PORT, default 8000) and the demo's admin without an
# authenticator app. An existing .env is never touched; edit it freely (it is not committed).
# The settings read it in development only (mtt/envfile.py, docs/operations.md "Configuration").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -e .env ]] && exit 0
key=$(od -An -N36 -tx1 /dev/urandom | tr -d ' \n')
umask 077
cat >.env <<ENV
# Local development settings, written once by \`make run\` (scripts/dev-env.sh). The settings read
# this file while DEBUG is true in it (manage.py, make run, make shell); variables set in the
# environment win over it. Production never reads it unless ENV_FILE or READ_DOT_ENV says so
# (docs/operations.md "Configuration"). .env.example lists every variable.
DEBUG=true
SECRET_KEY=dev-only-$key
PORT=${PORT:-8000}
# The demo opens the admin with the password alone; delete this line to enrol an authenticator.
ADMIN_REQUIRE_2FA=false
ENV
echo "wrote .env (development settings: DEBUG=true, a new SECRET_KEY, PORT=${PORT:-8000})"
