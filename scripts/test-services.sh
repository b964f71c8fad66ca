#!/usr/bin/env bash
# The PostgreSQL and Redis servers the test suite talks to: finds them, or starts throwaway ones,
# and exports DATABASE_URL and REDIS_URL.
#
#   source scripts/test-services.sh      from a bash script (scripts/test.sh): exports the URLs and
#                                        sets traps on EXIT, INT and TERM that stop what it started
#   scripts/test-services.sh CMD [ARG…]  runs CMD with the URLs exported, then stops what it started;
#                                        without CMD it prints the URLs (and stops them again)
#
# For each server, in this order:
#   1. DATABASE_URL / REDIS_URL when set;
#   2. the server on its standard port when it answers (PostgreSQL 127.0.0.1:5432 as user postgres,
#      database mtt; Redis 127.0.0.1:6379, database 15);
#   3. a throwaway server in a temporary directory on a free port from 54329 (PostgreSQL: initdb with
#      trust auth, fsync off) or 63799 (Redis: nothing saved to disk), stopped and deleted at exit.
# MTT_FORCE_THROWAWAY=1 skips steps 1 and 2, to check step 3.
# PostgreSQL's initdb and pg_ctl are taken from PATH or /usr/lib/postgresql/*/bin. initdb refuses to
# run as root, so as root the throwaway cluster runs as the system user postgres.

_MTT_PG_OWNER=()
_MTT_PG_DIR=
_MTT_REDIS_DIR=

_mtt_log() { printf 'test-services: %s\n' "$*" >&2; }

# True when something accepts TCP connections on 127.0.0.1:$1.
_mtt_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The first port from $1 on (50 tried) that nothing listens on.
_mtt_free_port() {
    local port=$1
    while ((port < $1 + 50)); do
        if ! _mtt_port_open "$port"; then
            echo "$port"
            return 0
        fi
        port=$((port + 1))
    done
    _mtt_log "no free port in $1…$((port - 1))"
    return 1
}

# Path of a PostgreSQL server program: PATH first, then the newest /usr/lib/postgresql/*/bin.
_mtt_pg_program() {
    local dir
    if command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
        return 0
    fi
    while read -r dir; do
        if [[ -x $dir/$1 ]]; then
            echo "$dir/$1"
            return 0
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
    return 1
}

# Runs a command as the owner of the throwaway cluster (postgres when we are root), from / so that
# the working directory needs no permissions.
_mtt_as_pg_owner() (
    cd / || exit
    if ((${#_MTT_PG_OWNER[@]} == 0)); then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "${_MTT_PG_OWNER[0]}" -- "$@"
    else
        su -s /bin/sh "${_MTT_PG_OWNER[0]}" -c "$(printf '%q ' "$@")"
    fi
)

_mtt_postgres_ready() {
    local port=$1
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h 127.0.0.1 -p "$port"
    else
        _mtt_port_open "$port"
    fi
}

# Creates database mtt on a trust-auth server unless it exists (best effort: the tests create their
# own test_* databases; the database itself is only used by `makemigrations --check`).
_mtt_ensure_database() {
    local port=$1 bindir=${2:-} psql createdb
    psql=$(command -v "${bindir:+$bindir/}psql" 2>/dev/null || command -v psql 2>/dev/null) || return 0
    createdb=$(command -v "${bindir:+$bindir/}createdb" 2>/dev/null || command -v createdb 2>/dev/null) ||
        return 0
    if [[ $("$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'mtt'" 2>/dev/null) != 1 ]]; then
        "$createdb" -h 127.0.0.1 -p "$port" -U postgres mtt 2>/dev/null ||
            _mtt_log "could not create database mtt on port $port (continuing)"
    fi
}

_mtt_start_postgres() {
    local initdb bindir pg_ctl port
    initdb=$(_mtt_pg_program initdb) || {
        _mtt_log "no PostgreSQL answers on 127.0.0.1:5432 and initdb was not found in PATH or" \
            "/usr/lib/postgresql/*/bin: install the PostgreSQL server (Debian: apt-get install" \
            "postgresql) or set DATABASE_URL"
        return 1
    }
    bindir=$(dirname "$initdb")
    pg_ctl=$bindir/pg_ctl
    [[ -x $pg_ctl ]] || pg_ctl=$(_mtt_pg_program pg_ctl) || {
        _mtt_log "pg_ctl not found next to $initdb"
        return 1
    }
    port=$(_mtt_free_port "${MTT_PG_PORT:-54329}") || return 1

    _MTT_PG_OWNER=()
    if [[ $(id -u) == 0 ]]; then
        if ! id postgres >/dev/null 2>&1; then
            _mtt_log "running as root: initdb refuses root and there is no system user postgres to run" \
                "it as; run as another user or set DATABASE_URL"
            return 1
        fi
        _MTT_PG_OWNER=(postgres)
    fi
    _MTT_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mtt-pg.XXXXXX") || return 1
    _MTT_PG_CTL=$pg_ctl
    if ((${#_MTT_PG_OWNER[@]})); then
        chown "${_MTT_PG_OWNER[0]}:" "$_MTT_PG_DIR" || return 1
    fi

    _mtt_log "starting a throwaway PostgreSQL ($("$initdb" --version)) on 127.0.0.1:$port in $_MTT_PG_DIR"
    _mtt_as_pg_owner "$initdb" -D "$_MTT_PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 \
        --no-locale --no-sync >"$_MTT_PG_DIR/initdb.log" 2>&1 || {
        _mtt_log "initdb failed:"
        cat "$_MTT_PG_DIR/initdb.log" >&2
        return 1
    }
    # -k: socket in the temporary directory; -h: TCP on loopback only; -F: fsync off.
    _mtt_as_pg_owner "$pg_ctl" -D "$_MTT_PG_DIR/data" -l "$_MTT_PG_DIR/postgres.log" -w -t 60 \
        -o "-k $_MTT_PG_DIR -h 127.0.0.1 -p $port -F" start >/dev/null || {
        _mtt_log "PostgreSQL did not start:"
        cat "$_MTT_PG_DIR/postgres.log" >&2
        return 1
    }
    _MTT_PG_PORT=$port
    _mtt_ensure_database "$port" "$bindir"
    DATABASE_URL=postgres://postgres@127.0.0.1:$port/mtt
}

_mtt_stop_postgres() {
    [[ -n ${_MTT_PG_DIR:-} ]] || return 0
    if [[ -f $_MTT_PG_DIR/data/postmaster.pid ]]; then
        _mtt_as_pg_owner "$_MTT_PG_CTL" -D "$_MTT_PG_DIR/data" -m immediate -w -t 30 stop >/dev/null ||
            _mtt_log "could not stop the throwaway PostgreSQL in $_MTT_PG_DIR"
        _mtt_log "stopped the throwaway PostgreSQL on port ${_MTT_PG_PORT:-?}"
    fi
    rm -rf "$_MTT_PG_DIR"
    _MTT_PG_DIR=
}

_mtt_redis_ready() {
    local port=$1
    if command -v redis-cli >/dev/null 2>&1; then
        [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]
    else
        _mtt_port_open "$port"
    fi
}

_mtt_start_redis() {
    local port i
    command -v redis-server >/dev/null 2>&1 || {
        _mtt_log "no Redis answers on 127.0.0.1:6379 and redis-server was not found: install Redis" \
            "(Debian: apt-get install redis-server) or set REDIS_URL"
        return 1
    }
    port=$(_mtt_free_port "${MTT_REDIS_PORT:-63799}") || return 1
    _MTT_REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mtt-redis.XXXXXX") || return 1
    _mtt_log "starting a throwaway Redis ($(redis-server --version | cut -d' ' -f3)) on 127.0.0.1:$port"
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
        --dir "$_MTT_REDIS_DIR" --pidfile "$_MTT_REDIS_DIR/redis.pid" \
        --logfile "$_MTT_REDIS_DIR/redis.log" || return 1
    _MTT_REDIS_PORT=$port
    for ((i = 0; i < 100; i++)); do
        _mtt_redis_ready "$port" && break
        sleep 0.1
    done
    _mtt_redis_ready "$port" || {
        _mtt_log "Redis did not start:"
        cat "$_MTT_REDIS_DIR/redis.log" >&2
        return 1
    }
    REDIS_URL=redis://127.0.0.1:$port/15
}

_mtt_stop_redis() {
    [[ -n ${_MTT_REDIS_DIR:-} ]] || return 0
    if [[ -n ${_MTT_REDIS_PORT:-} ]]; then
        if command -v redis-cli >/dev/null 2>&1; then
            redis-cli -h 127.0.0.1 -p "$_MTT_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        fi
        if [[ -f $_MTT_REDIS_DIR/redis.pid ]]; then
            kill "$(cat "$_MTT_REDIS_DIR/redis.pid")" 2>/dev/null || true
        fi
        _mtt_log "stopped the throwaway Redis on port $_MTT_REDIS_PORT"
    fi
    rm -rf "$_MTT_REDIS_DIR"
    _MTT_REDIS_DIR=
    _MTT_REDIS_PORT=
}

# Stops whatever this script started; safe to call more than once. Every command in the stop
# functions tolerates failure: they run in EXIT traps, where `set -e` would cut the cleanup short.
mtt_test_services_stop() {
    _mtt_stop_redis
    _mtt_stop_postgres
}

mtt_test_services_start() {
    local force=${MTT_FORCE_THROWAWAY:-0}
    trap 'mtt_test_services_stop' EXIT
    trap 'mtt_test_services_stop; exit 130' INT
    trap 'mtt_test_services_stop; exit 143' TERM

    if [[ $force != 1 && -n ${DATABASE_URL:-} ]]; then
        _mtt_log "PostgreSQL: DATABASE_URL from the environment"
    elif [[ $force != 1 ]] && _mtt_postgres_ready 5432; then
        _mtt_log "PostgreSQL: the server on 127.0.0.1:5432"
        _mtt_ensure_database 5432
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/mtt
    else
        _mtt_start_postgres || return 1
    fi

    if [[ $force != 1 && -n ${REDIS_URL:-} ]]; then
        _mtt_log "Redis: REDIS_URL from the environment"
    elif [[ $force != 1 ]] && _mtt_redis_ready 6379; then
        _mtt_log "Redis: the server on 127.0.0.1:6379 (database 15)"
        REDIS_URL=redis://127.0.0.1:6379/15
    else
        _mtt_start_redis || return 1
    fi
    export DATABASE_URL REDIS_URL
}

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
    # Sourced: export into the caller, whose EXIT trap now stops the servers.
    mtt_test_services_start || {
        mtt_test_services_stop
        return 1
    }
else
    set -uo pipefail
    mtt_test_services_start || exit 1
    if (($# == 0)); then
        printf 'DATABASE_URL=%s\nREDIS_URL=%s\n' "$DATABASE_URL" "$REDIS_URL"
        exit 0
    fi
    "$@"
    exit
fi
