#!/usr/bin/env bash
# `make test`: the whole suite, stopping at the first failure (exit status non-zero):
#   ruff check, ruff format --check, mypy, the import contract (lint-imports, pyproject.toml),
#   makemigrations --check, then pytest (-n 2, pytest-xdist) with
#   unit, integration (real PostgreSQL and Redis) and browser tests (Debian's Chromium).
# Servers come from scripts/test-services.sh (DATABASE_URL / REDIS_URL, the local standard ports, or
# throwaway servers that are stopped again when this script ends, failed or not).
# Arguments go to pytest, e.g. `scripts/test.sh -k today` or `make test PYTEST_ARGS='-k today'`.
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

step "pytest"
"$bin/pytest" -n 2 -p no:cacheprovider "$@"
