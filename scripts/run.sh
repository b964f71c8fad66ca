#!/usr/bin/env bash
# `make run`: migrate, create the demo data when the database is empty (and print the demo logins),
# then run in the foreground the same three processes as docker-compose.yml:
#   web     gunicorn mtt.wsgi on 127.0.0.1:$PORT
#   worker  celery -A mtt worker
#   beat    celery -A mtt beat
# until Ctrl-C (or SIGTERM) stops all of them. When one of them exits on its own, the others are
# stopped too and the script exits non-zero.
# Environment: DEBUG (default true here), PORT (default 8000), ADMIN_REQUIRE_2FA (default false here
# while DEBUG is on) and whatever mtt.settings reads
# (DATABASE_URL, REDIS_URL, …; without them SQLite and a file-system broker under var/).
# Expects the virtual environment that `make venv` builds (VENV, default .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${VENV:-.venv}
bin=$PWD/$VENV/bin
export DEBUG=${DEBUG:-true}
# The embedded demo lets staff into the admin without an authenticator app, unless
# ADMIN_REQUIRE_2FA is set; setup_demo and the admin login page say so loudly.
if [[ ${DEBUG,,} =~ ^(true|1|yes|on)$ && -z ${ADMIN_REQUIRE_2FA:-} ]]; then
    export ADMIN_REQUIRE_2FA=false
fi
export PORT=${PORT:-8000}
url=http://127.0.0.1:$PORT/

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "error: something already listens on 127.0.0.1:$PORT; stop it or choose another port:" \
        "make run PORT=8001" >&2
    exit 1
fi

"$bin/python" manage.py migrate --noinput
# The cache all processes share when there is no REDIS_URL (docs/operations.md "Cache").
"$bin/python" manage.py createcachetable
demo_logins=$("$bin/python" manage.py setup_demo)
[[ -z $demo_logins ]] || printf '%s\n' "$demo_logins"

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

start web "$bin/gunicorn" mtt.wsgi --bind "127.0.0.1:$PORT" --workers 2 --no-control-socket --access-logfile -
start worker "$bin/celery" -A mtt worker --loglevel=INFO --concurrency 2
start beat "$bin/celery" -A mtt beat --loglevel=INFO

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
