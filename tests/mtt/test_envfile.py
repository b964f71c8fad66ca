"""`manage.py` in a checkout where `make run` ran (docs/operations.md "Configuration"): the
development .env that `make run` writes is read in development, never in production unless
asked (ENV_FILE, READ_DOT_ENV), and the environment always wins over it.

The subprocess tests run in a copy of the checkout, as a newcomer's clone, with only PATH and
HOME from the environment."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mtt import envfile

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv")
# What a copy of the checkout leaves out: local state, caches, and what manage.py never loads.
SKIP = {".git", ".venv", "var", ".env", "node_modules", "tests", "docs", "test-results"}
SKIP |= {".hypothesis", ".ruff_cache", ".pytest_cache", "__pycache__"}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# --- which file is read ----------------------------------------------------------------------


def test_a_development_file_is_read_when_the_environment_does_not_switch_debug_off(tmp_path):
    _write(tmp_path / ".env", "DEBUG=true\nSECRET_KEY=dev-key\nPORT=18001\n")
    environment = {"PORT": "18002"}

    assert envfile.load(tmp_path, environment) == tmp_path / ".env"
    # The environment wins; the file fills in the rest.
    assert environment == {"PORT": "18002", "DEBUG": "true", "SECRET_KEY": "dev-key"}


def test_production_ignores_the_file(tmp_path):
    _write(tmp_path / ".env", "DEBUG=true\nSECRET_KEY=dev-key\n")
    environment = {"DEBUG": "false"}

    assert envfile.load(tmp_path, environment) is None
    assert environment == {"DEBUG": "false"}


def test_a_file_that_is_not_for_development_is_not_read_by_surprise(tmp_path):
    """E.g. .env.example copied to .env for docker compose: DEBUG=false in it."""
    _write(tmp_path / ".env", "DEBUG=false\nSECRET_KEY=\n")

    assert envfile.chosen(tmp_path, {}) is None


def test_production_reads_a_file_when_told(tmp_path):
    _write(tmp_path / ".env", "SECRET_KEY=from-dot-env\n")
    named = _write(tmp_path / "production.env", "SECRET_KEY='from-env-file'\nexport X=1\n")

    environment = {"DEBUG": "false", "READ_DOT_ENV": "true"}
    assert envfile.load(tmp_path, environment) == tmp_path / ".env"
    assert environment["SECRET_KEY"] == "from-dot-env"

    environment = {"DEBUG": "false", "ENV_FILE": str(named)}
    assert envfile.load(tmp_path, environment) == named
    assert (environment["SECRET_KEY"], environment["X"]) == ("from-env-file", "1")


def test_read_dot_env_false_switches_the_development_file_off(tmp_path):
    _write(tmp_path / ".env", "DEBUG=true\n")

    assert envfile.chosen(tmp_path, {"READ_DOT_ENV": "false"}) is None


def test_a_missing_env_file_is_an_error_not_a_silent_default(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="ENV_FILE"):
        envfile.chosen(tmp_path, {"ENV_FILE": str(tmp_path / "missing.env")})


# --- a copy of the checkout, as after `make run` ------------------------------------------------


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    copy = tmp_path_factory.mktemp("checkout") / "mtt"
    shutil.copytree(ROOT, copy, ignore=lambda _dir, names: [n for n in names if n in SKIP])
    (copy / ".venv").symlink_to(VENV)
    return copy


def _run(checkout, *command, stdin=None, **env):
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return subprocess.run(  # noqa: S603 - our own commands
        list(command),
        cwd=checkout,
        env=base | env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _manage(checkout, *args, **env):
    return _run(checkout, str(VENV / "bin" / "python"), "manage.py", *args, **env)


def test_without_env_the_clone_explains_how_to_start(checkout):
    assert not (checkout / ".env").exists()

    result = _manage(checkout, "check")

    assert result.returncode != 0
    assert "run `make run` once" in result.stderr


def test_the_written_env_makes_manage_py_work_and_production_still_ignores_it(checkout):
    written = _run(checkout, "scripts/dev-env.sh", PORT="18745")
    assert written.returncode == 0, written.stderr
    text = (checkout / ".env").read_text()
    assert re.search(r"^DEBUG=true$", text, re.M)
    assert re.search(r"^SECRET_KEY=dev-only-[0-9a-f]{72}$", text, re.M)
    assert re.search(r"^PORT=18745$", text, re.M)
    assert (checkout / ".env").stat().st_mode & 0o077 == 0  # the key is the owner's only
    # Written once: a second run keeps the file (and its key).
    assert _run(checkout, "scripts/dev-env.sh").returncode == 0
    assert (checkout / ".env").read_text() == text

    # The commands of the README and docs/operations.md, as written.
    check = _manage(checkout, "check")
    assert check.returncode == 0, check.stderr
    assert "no issues" in check.stdout
    help_text = _manage(checkout, "seed_demo", "--help")
    assert help_text.returncode == 0, help_text.stderr
    assert "--therapists" in help_text.stdout
    shown = _manage(
        checkout,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.SITE_URL)",
    )
    assert shown.stdout.splitlines()[-1] == "True http://127.0.0.1:18745", shown.stderr

    production = _manage(checkout, "check", DEBUG="false")
    assert production.returncode != 0
    assert "SECRET_KEY must be set" in production.stderr
    told = _manage(
        checkout,
        "check",
        DEBUG="false",
        READ_DOT_ENV="true",
        ALLOWED_HOSTS="x.org",
        DATABASE_URL="sqlite:///var/mtt.sqlite3",
    )
    assert told.returncode == 0, told.stderr


def test_make_manage_and_make_shell(checkout):
    result = _run(checkout, "make", "--no-print-directory", "manage", "ARGS=seed_demo --help")
    assert result.returncode == 0, result.stderr
    assert "--therapists" in result.stdout

    result = _run(
        checkout,
        "make",
        "--no-print-directory",
        "shell",
        stdin="from django.conf import settings; print('debug is', settings.DEBUG)\n",
    )
    assert result.returncode == 0, result.stderr
    assert "debug is True" in result.stdout
