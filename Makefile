# MTT Rücken — developer commands (README.md describes them).
# Needs GNU make, bash and Python >= 3.12 (`.python-version` selects 3.12 under pyenv).
#
#   make run       install, migrate, demo data, web + Celery worker + beat on http://127.0.0.1:8000
#   make manage ARGS='…'   manage.py with the settings of make run (.env), e.g. ARGS='seed_demo --help'
#   make shell     Django's shell with the same settings
#   make test      install, lint, migrations check and the whole test suite (scripts/test.sh)
#   make bench     benchmark against Django's own ceiling, write docs/benchmarks.md (scripts/bench.sh)
#   make messages  update locale/*/LC_MESSAGES/django.po and compile them
#   make clean     remove var/ (SQLite database, Celery broker files, collected static files)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The interpreter that creates .venv; when it is older than 3.12 the venv recipe also tries
# python3, python3.12, python3.13 and python3.14 from PATH.
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
UV_VERSION := 0.13.9

# One virtual environment from requirements/dev.txt serves `make run` and `make test` alike:
# dev.txt is base.txt plus the test tools, with the same pinned versions, so the app runs on exactly
# what is tested and switching between the two targets never reinstalls anything. Only the Docker
# image installs requirements/base.txt alone.
REQUIREMENTS := requirements/dev.txt
# The stamp's name carries a checksum of the lock file and the uv version, so a changed lock file
# (a pull, a branch switch) re-syncs the venv even when its modification time says otherwise.
REQ_SUM := $(firstword $(shell cksum < $(REQUIREMENTS) 2>/dev/null))
STAMP := $(VENV)/.installed-$(REQ_SUM)-uv$(UV_VERSION)

# A venv whose Python is gone (pyenv version removed) or too old is rebuilt even if a stamp exists.
VENV_OK := $(shell $(VPY) -c 'import sys; print(int(sys.version_info >= (3, 12)))' 2>/dev/null)
ifneq ($(VENV_OK),1)
$(STAMP): FORCE
endif

PYTEST_ARGS ?=
BENCH_ARGS ?=

ARGS ?=

.PHONY: help venv run manage shell test bench messages compilemessages clean FORCE

help:
	@sed -n 's/^#   make /  make /p' $(firstword $(MAKEFILE_LIST))

venv: $(STAMP)

$(STAMP): $(REQUIREMENTS)
	@py=""; \
	for candidate in $(PYTHON) python3 python3.12 python3.13 python3.14; do \
	  if command -v "$$candidate" >/dev/null 2>&1 \
	     && "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	    py=$$candidate; break; \
	  fi; \
	done; \
	if [ -z "$$py" ]; then \
	  echo "error: MTT Rücken needs Python >= 3.12, but $(PYTHON) is $$($(PYTHON) -V 2>&1 || echo missing)." >&2; \
	  echo "  Install Python 3.12 (with pyenv: 'pyenv install 3.12' — this checkout's .python-version" >&2; \
	  echo "  then selects it — or your system's python3.12 package with venv support), then run make again;" >&2; \
	  echo "  'make PYTHON=/path/to/python3.12 ...' picks a specific interpreter." >&2; \
	  exit 1; \
	fi; \
	if [ -e $(VENV) ] && ! $(VPY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	  echo "$(VENV) has no working Python >= 3.12; recreating it with $$py" >&2; \
	  rm -rf $(VENV); \
	fi; \
	if [ ! -x $(VPY) ]; then \
	  echo "creating $(VENV) with $$("$$py" -V 2>&1)"; \
	  "$$py" -m venv $(VENV); \
	fi
	@if [ "$$($(VENV)/bin/uv --version 2>/dev/null)" != "uv $(UV_VERSION)" ]; then \
	  $(VPY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; \
	fi
	$(VENV)/bin/uv pip sync --python $(VPY) --require-hashes $(REQUIREMENTS)
	@rm -f $(VENV)/.installed-*
	@touch $@

# Compiled .mo files are committed; this refreshes them from locale/*.po when GNU gettext is there
# (Django skips catalogues whose .mo is already newer than the .po).
compilemessages: venv
	@if find locale -name '*.po' 2>/dev/null | grep -q .; then \
	  if command -v msgfmt >/dev/null 2>&1; then \
	    DEBUG=true $(VPY) manage.py compilemessages --ignore=.venv --ignore=var --verbosity 0; \
	  else \
	    echo "note: msgfmt (GNU gettext) not found; using the committed .mo files" >&2; \
	  fi; \
	fi

# `make run` writes .env once (scripts/dev-env.sh: DEBUG=true, a generated development SECRET_KEY,
# PORT), which the settings read in development, so manage.py in this checkout runs with the same
# settings (docs/operations.md "Configuration"). `DEBUG=false make run` runs the production
# settings locally (then SECRET_KEY and DATABASE_URL must be in the environment, and DEMO_TOOLS=true
# for the demo data); PORT=8001 picks another port.
run: venv compilemessages
	scripts/run.sh

manage: venv
	@scripts/dev-env.sh
	$(VPY) manage.py $(ARGS)

shell: venv
	@scripts/dev-env.sh
	$(VPY) manage.py shell

test: venv compilemessages
	scripts/test.sh $(PYTEST_ARGS)

# The scale data stays in PostgreSQL (databases mtt_bench, mtt_bench_reminders) between runs.
# One row besides the two ceilings: make bench BENCH_ARGS='--rows me_today' (docs/benchmarks.md).
bench: venv compilemessages
	scripts/bench.sh $(BENCH_ARGS)

messages: venv
	@command -v xgettext >/dev/null 2>&1 || { echo "error: 'make messages' needs GNU gettext (apt-get install gettext)" >&2; exit 1; }
	DEBUG=true $(VPY) manage.py makemessages -l de -l en --ignore=.venv --ignore=var --ignore=node_modules
	DEBUG=true $(VPY) manage.py compilemessages --ignore=.venv --ignore=var

clean:
	rm -rf var

FORCE:
