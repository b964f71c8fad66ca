#!/usr/bin/env bash
# `make run`: write the development .env once (scripts/dev-env.sh), migrate, create the demo data
# when the database is empty, then run in the foreground the same three processes as
# docker-compose.yml and the Dockerfile (tests/mtt/test_deploy.py compares them):
#   web     gunicorn mtt.wsgi --bind 127.0.0.1:$PORT     (the rest in gunicorn.conf.py)
#   worker  celery -A mtt --quiet worker --loglevel=INFO --concurrency 2
#   beat    celery -A mtt --quiet beat --loglevel=INFO
# and print the demo logins once, when the web server answers. Ctrl-C (or SIGTERM) stops all of
# them; when one of them exits on its own, the others are stopped too and the script exits non-zero.
# Environment: DEBUG (default true here), PORT (default: PORT in .env, else 8000),
# ADMIN_REQUIRE_2FA (default false here while DEBUG is on) and whatever mtt.settings reads
# (DATABASE_URL, REDIS_URL, …; without them SQLite and a file-system broker under var/).
# Web Push: the VAPID keys from the environment or .env, else var/vapid.env (made when missing).
# The processes share their metrics counters in var/metrics (PROMETHEUS_MULTIPROC_DIR, emptied
# at every start; docs/operations.md "Metrics").
# Expects the virtual environment that `make venv` builds (VENV, default .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${VENV:-.venv}
bin=$PWD/$VENV/bin
scripts/dev-env.sh
export DEBUG=${DEBUG:-true}
# The embedded demo lets staff into the admin without an authenticator app, unless
# ADMIN_REQUIRE_2FA is set; setup_demo and the admin login page say so loudly.
if [[ ${DEBUG,,} =~ ^(true|1|yes|on)$ && -z ${ADMIN_REQUIRE_2FA:-} ]]; then
    export ADMIN_REQUIRE_2FA=false
fi
if [[ -z ${PORT:-} ]]; then
    PORT=$(sed -n 's/^[[:space:]]*PORT=//p' .env | tail -n 1 | tr -d "\"' ")
fi
export PORT=${PORT:-8000}
# The demo practice's phone number for the urgent banner and the footer (a real practice sets its
# own; docs/clinical-safety.md).
export PRACTICE_PHONE=${PRACTICE_PHONE:-"+49 30 1234 5678 (Demo)"}
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/metrics}
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db
url=http://127.0.0.1:$PORT/

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "error: something already listens on 127.0.0.1:$PORT; stop it or choose another port:" \
        "PORT=8001 make run" >&2
    exit 1
fi

# Web Push reminders need a VAPID key pair (README "Push reminders (Web Push)"): unless the
# environment or .env has one, make one once under var/ and use it from then on.
if [[ -z ${VAPID_PRIVATE_KEY:-} ]] && ! grep -qs '^[[:space:]]*VAPID_PRIVATE_KEY=.' .env; then
    "$bin/python" manage.py vapid_keys --write var/vapid.env
    set -a
    # shellcheck source=/dev/null
    source var/vapid.env
    set +a
fi
"$bin/python" manage.py migrate --noinput
# The cache all processes share when there is no REDIS_URL (docs/operations.md "Cache").
"$bin/python" manage.py createcachetable --verbosity 0  # the migrations create it; this repairs a dropped one
# The logins are printed once, below the processes' start-up lines (see the end of this script).
demo_logins=$("$bin/python" manage.py setup_demo)

declare -a pids=()
declare -A names=()

# Stops every child still running: SIGTERM, then SIGKILL for any that lingers past 20 seconds.
stop_all() {
    trap - INT TERM EXIT
    ((${#pids[@]})) || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    (
        for _ in {1..200}; do sleep 0.1; done
        kill -KILL "${pids[@]}" 2>/dev/null
    ) >/dev/null 2>&1 &
    local watchdog=$!
    wait "${pids[@]}" 2>/dev/null || true
    kill "$watchdog" 2>/dev/null || true
    wait "$watchdog" 2>/dev/null || true
    pids=()
}
trap 'echo "stopping web, worker and beat" >&2; stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

start() {
    local name=$1
    shift
    "$@" &
    pids+=("$!")
    names[$!]=$name
}

start web "$bin/gunicorn" mtt.wsgi --bind "127.0.0.1:$PORT"
start worker "$bin/celery" -A mtt --quiet worker --loglevel=INFO --concurrency 2
start beat "$bin/celery" -A mtt --quiet beat --loglevel=INFO

# Print the address once the web server answers, below the start-up logs.
web_pid=${pids[0]}
for _ in {1..300}; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || ! kill -0 "$web_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
{
    echo
    echo "MTT Rücken runs on $url (web, Celery worker and beat; Ctrl-C stops all)."
    [[ -z $demo_logins ]] || printf '%s\n' "$demo_logins"
    echo
}

set +e
wait -n
status=$?
set -e
# `wait -n` reaped the child that exited; the others still answer kill -0.
stopped=()
for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || stopped+=("${names[$pid]}")
done
echo "${stopped[*]:-a process} exited with status $status; stopping the others" >&2
stop_all
exit $((status == 0 ? 1 : status))
