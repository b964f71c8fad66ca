#!/usr/bin/env bash
# `make bench` (docs/product.md, "Performance and scale"; docs/benchmarks.md): the busiest
# endpoints against Django's own ceiling, and the reminder selection for 100 000 patients. Prints
# the table and writes docs/benchmarks.md (not when the machine was busy, or for some rows only:
# then var/bench/benchmarks.md).
#
#   1. wrk (scripts/install-wrk.sh) and PostgreSQL + Redis (scripts/test-services.sh: the
#      environment's URLs, the local standard ports, or throwaway servers);
#   2. the scale data, made once and reused while it is there (seed_demo adds only what is
#      missing, so a complete database costs a few seconds):
#        mtt_bench            seed_demo --therapists 50 --patients 10000 --weeks 26
#        mtt_bench_reminders  seed_demo --therapists 500 --patients 100000 --weeks 2
#      (BENCH_DATABASE_URL / BENCH_REMINDERS_DATABASE_URL override them; with a throwaway
#      PostgreSQL they are made again on every run, which takes a long while);
#   3. manage.py bench --part reminders, then --part web (tools/bench, a Django app installed
#      only by mtt.settings_bench), both with DEBUG off and a SECRET_KEY made for the run; each
#      part ANALYZEs its database first (autovacuum is off on the bench machines).
# Arguments go to the web part, e.g. `scripts/bench.sh --seconds 30 --rounds 3`
# (or `make bench BENCH_ARGS='--seconds 30'`); `--rows me_today sessions_list` loads only those
# rows besides the two ceilings and skips the reminder part. BENCH_SKIP_REMINDERS=1 skips the
# reminder part too; BENCH_IDLE_TIMEOUT (seconds, default 600) bounds the wait for an idle
# machine.
# Expects the virtual environment that `make venv` builds (VENV, default .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${VENV:-.venv}
py=$PWD/$VENV/bin/python
step() { printf '\n==> %s\n' "$*"; }

step "wrk"
scripts/install-wrk.sh
wrk -v 2>&1 | head -n 1 || true

step "PostgreSQL and Redis"
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
server=${DATABASE_URL%/*}
web_db=${BENCH_DATABASE_URL:-$server/mtt_bench}
reminders_db=${BENCH_REMINDERS_DATABASE_URL:-$server/mtt_bench_reminders}
echo "web rows:  $web_db"
echo "reminders: $reminders_db"

# Production settings (DEBUG off) over plain HTTP on localhost; the key lives for this run only.
export DEBUG=false
SECRET_KEY=$("$py" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=false
export LOG_LEVEL=${LOG_LEVEL:-WARNING}
export DJANGO_SETTINGS_MODULE=mtt.settings_bench

# Creates the database of a URL unless it exists.
ensure_database() {
    "$py" - "$1" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

url = urlsplit(sys.argv[1])
name = url.path.lstrip("/")
with psycopg.connect(urlunsplit(url._replace(path="/postgres")), autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}")
PY
}

# Migrates a database and completes its demo data (a no-op when it is complete).
prepare() {
    local url=$1
    shift
    ensure_database "$url"
    DATABASE_URL=$url "$py" manage.py migrate --noinput --verbosity 0
    DATABASE_URL=$url "$py" manage.py seed_demo "$@" --seed 1
}

# Some rows only (--rows): a look at those rows, not a report, so no reminder part either.
skip_reminders=${BENCH_SKIP_REMINDERS:-0}
for arg in "$@"; do
    case $arg in --rows | --rows=* | --only | --only=*) skip_reminders=1 ;; esac
done

if [[ $skip_reminders != 1 ]]; then
    step "Reminder scale data (100 000 patients) and the reminder selection"
    prepare "$reminders_db" --therapists 500 --patients 100000 --weeks 2
    DATABASE_URL=$reminders_db "$py" manage.py bench --part reminders \
        ${BENCH_IDLE_TIMEOUT:+--idle-timeout "$BENCH_IDLE_TIMEOUT"}
fi

step "Scale data (10 000 patients, 26 weeks)"
prepare "$web_db" --therapists 50 --patients 10000 --weeks 26

step "Load (gunicorn + wrk)"
# Production serves hashed static files from the manifest, as the Dockerfile builds them.
"$py" manage.py collectstatic --noinput --verbosity 0
DATABASE_URL=$web_db "$py" manage.py bench --part web --command-line "make bench${*:+ BENCH_ARGS='$*'}" \
    ${BENCH_IDLE_TIMEOUT:+--idle-timeout "$BENCH_IDLE_TIMEOUT"} "$@"
