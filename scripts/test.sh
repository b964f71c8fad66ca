#!/usr/bin/env bash
# `make test`: the whole suite, stopping at the first failure (exit status non-zero):
#   ruff check, ruff format --check, mypy, the import contract (lint-imports, pyproject.toml),
#   makemigrations --check, then pytest (-n 2, pytest-xdist) with
#   unit, integration (real PostgreSQL and Redis) and browser tests (Debian's Chromium).
# Servers come from scripts/test-services.sh (DATABASE_URL / REDIS_URL, the local standard ports, or
# throwaway servers that are stopped again when this script ends, failed or not).
# Then, for the whole suite, the coverage gates: at least 95 % of the lines (branch coverage
# measured too; pyproject.toml [tool.coverage]) and 100 % for the modules listed in FULL_COVERAGE.
# Last, a smoke run of the main flows on SQLite, the database `make run` uses (tests/smoke/).
# Arguments go to pytest, e.g. `scripts/test.sh -k today` or `make test PYTEST_ARGS='-k today'`;
# a run with arguments is a subset, so it measures no coverage.
# Expects the virtual environment that `make venv` builds (VENV, default .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${VENV:-.venv}
bin=$VENV/bin
step() { printf '\n==> %s\n' "$*"; }

# Lint first: it needs no servers and fails fastest.
step "ruff check"
"$bin/ruff" check .
step "ruff format --check"
"$bin/ruff" format --check .
# Types (pyproject.toml [tool.mypy]): strict for rules, services and selectors, gradual elsewhere.
# Needs no servers: the Django plugin loads mtt.settings_test, which connects to nothing.
step "mypy"
"$bin/mypy"
step "import contract"
"$bin/lint-imports"

step "Chromium for the browser tests"
scripts/install-chromium.sh

step "PostgreSQL and Redis"
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
echo "DATABASE_URL=$DATABASE_URL"
echo "REDIS_URL=$REDIS_URL"

step "makemigrations --check"
DEBUG=1 "$bin/python" manage.py makemigrations --check --dry-run

# Pure rules, reads and the two security-critical apps stay fully covered (the way Zulip keeps a
# list): every app's rules.py and selectors.py, the API tokens and the audit trail. Patterns, not
# paths, so they hold wherever those modules live.
FULL_COVERAGE="*/rules.py,*/selectors.py,*/tokens/*,audit/*"

coverage=()
if [[ $# -eq 0 ]]; then
  mkdir -p var
  coverage=(--cov --cov-branch --cov-report=term-missing:skip-covered)
fi

# The run leaves Redis as it found it (tests/conftest.py): as many keys after as before.
redis_keys() {
  "$bin/python" -c 'import os, redis; print(redis.Redis.from_url(os.environ["REDIS_URL"]).dbsize())'
}
keys_before=$(redis_keys)

step "pytest"
"$bin/pytest" -n 2 -p no:cacheprovider "${coverage[@]}" "$@"

step "Redis keys: $keys_before before the tests, $(redis_keys) after"
if (($(redis_keys) > keys_before)); then
  echo "error: the tests left keys in $REDIS_URL (tests/conftest.py cleans the broker's)" >&2
  exit 1
fi

if [[ $# -eq 0 ]]; then
  step "coverage: 100 % for $FULL_COVERAGE"
  "$bin/coverage" report --include="$FULL_COVERAGE" --fail-under=100

  # The migrations from zero, the demo data, a patient's day and the admin on SQLite without
  # Redis (the file-system broker, the database cache), as `make run` has them (tests/smoke/).
  step "smoke run on SQLite"
  DATABASE_URL=sqlite:///$PWD/var/smoke-test.sqlite3 REDIS_URL= \
    "$bin/pytest" -p no:cacheprovider -q tests/smoke
fi
