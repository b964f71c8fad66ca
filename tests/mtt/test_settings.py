"""Production mode is DEBUG off: it must refuse to start without a secret and pass the deploy
checks. These run manage.py in a subprocess with a clean environment, as an operator would."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "mtt.example.org",
    "DATABASE_URL": os.environ["DATABASE_URL"],
    "REDIS_URL": os.environ["REDIS_URL"],
    "EMAIL_URL": "smtp://mail.example.org:587",
}


def _manage(*args, env):
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "mtt.settings"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_the_deploy_checks_cleanly():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout


BARE_MINIMUM = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 25 + "0123456789abcdefghijklmnopq",
    "ALLOWED_HOSTS": "example.org",
}


def test_production_refuses_to_start_without_a_database_url():
    """No silent SQLite file under var/ in production: the next deployment would lose it."""
    result = _manage("check", env=BARE_MINIMUM)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must be set when DEBUG is off" in result.stderr
    assert "sqlite:///" in result.stderr  # and it says how to ask for SQLite on purpose


def test_the_bare_minimum_production_environment_passes_the_deploy_checks(tmp_path):
    """What an operator types first: SQLite named explicitly, no mail URL."""
    database = tmp_path / "mtt.sqlite3"
    env = BARE_MINIMUM | {"DATABASE_URL": f"sqlite:///{database}"}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    shown = _manage(
        "shell",
        "-c",
        "from django.conf import settings; db = settings.DATABASES['default']; "
        "print(db['NAME'], db['OPTIONS']['transaction_mode'])",
        env=env,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout
    # The explicit SQLite file, with the embedded database's settings for concurrent writers.
    assert shown.stdout.splitlines()[-1].split() == [str(database), "IMMEDIATE"], shown.stderr


def test_the_demo_commands_are_not_installed_in_production_unless_asked_for():
    production = _manage("seed_demo", "--help", env=PRODUCTION_ENV)
    asked = _manage("seed_demo", "--help", env=PRODUCTION_ENV | {"DEMO_TOOLS": "true"})
    development = _manage("setup_demo", "--help", env=PRODUCTION_ENV | {"DEBUG": "true"})

    assert production.returncode != 0
    assert "Unknown command: 'seed_demo'" in production.stderr
    assert asked.returncode == 0, asked.stderr
    assert "--therapists" in asked.stdout
    assert development.returncode == 0, development.stderr
    assert "demo logins" in development.stdout


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 on changes
    assert "No changes detected" in out.getvalue()
