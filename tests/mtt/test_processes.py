"""Deploys that match the development run, and a clean start.

Structural (no Docker engine here): scripts/run.sh (`make run`), the Dockerfile and
docker-compose.yml start web, worker and beat with the same commands, migrate before web, and give
the three processes the same settings. Live: the three commands of scripts/run.sh, started as
`make run` starts them in a copy of the checkout (SQLite-free: the test database; a file-system
broker of its own), log every line in one layout — ISO 8601 in UTC with offset, level, logger —
and print no warning. ``setup_demo`` prints the demo logins once, with the real password."""

import io
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.processes import database_url as _database_url
from tests.processes import free_port as _free_port

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv")
# What a copy of the checkout leaves out: local state, caches, and what manage.py never loads.
SKIP = {".git", ".venv", "var", ".env", "node_modules", "tests", "docs", "test-results"}
SKIP |= {".hypothesis", ".ruff_cache", ".pytest_cache", "__pycache__"}
ISO_LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+ .*"
)


# --- the three commands, as each deploy writes them ---------------------------------------------


def run_sh_commands() -> dict[str, list[str]]:
    """``start NAME "$bin/PROGRAM" ARGS…`` lines of scripts/run.sh."""
    commands = {}
    for line in (ROOT / "scripts" / "run.sh").read_text().splitlines():
        if line.startswith("start ") and not line.startswith("start()"):
            name, program, *args = shlex.split(line)[1:]
            commands[name] = [program.removeprefix("$bin/"), *args]
    return commands


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_commands() -> dict[str, list[str]]:
    services = compose()["services"]
    commands = {}
    for name in ("web", "worker", "beat"):
        command = services[name]["command"]
        if isinstance(command, list) and command[:2] == ["sh", "-c"]:
            # "python manage.py migrate --noinput && exec gunicorn …": the process after exec.
            command = command[2].split("exec ", 1)[1]
        commands[name] = shlex.split(command) if isinstance(command, str) else command
    return commands


def dockerfile() -> list[str]:
    return (ROOT / "Dockerfile").read_text().splitlines()


def dockerfile_cmd() -> list[str]:
    [line] = [line for line in dockerfile() if line.startswith("CMD ")]
    return json.loads(line.removeprefix("CMD "))


def _without_bind(command: list[str]) -> tuple[list[str], str]:
    index = command.index("--bind")
    return command[:index] + command[index + 2 :], command[index + 1]


def test_web_worker_and_beat_run_the_same_commands_everywhere():
    local, composed = run_sh_commands(), compose_commands()

    assert set(local) == {"web", "worker", "beat"}
    # Worker and beat: the very same command line.
    assert local["worker"] == composed["worker"]
    assert local["beat"] == composed["beat"]
    assert local["worker"][:4] == ["celery", "-A", "mtt", "--quiet"]
    # Web: gunicorn with gunicorn.conf.py (workers, access log), only the address differs.
    web, local_bind = _without_bind(local["web"])
    assert web == ["gunicorn", "mtt.wsgi"]
    assert local_bind == "127.0.0.1:$PORT"
    for command in (composed["web"], dockerfile_cmd()):
        assert _without_bind(command) == (["gunicorn", "mtt.wsgi"], "0.0.0.0:8000")


def test_migrations_run_before_web_everywhere():
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    assert run_sh.index("manage.py migrate --noinput") < run_sh.index("start web")
    web = compose()["services"]["web"]["command"][2]
    assert web.startswith("python manage.py migrate --noinput &&")


def test_the_three_processes_get_the_same_settings():
    services = compose()["services"]
    environments = [services[name]["environment"] for name in ("web", "worker", "beat")]
    assert environments[0] == environments[1] == environments[2]
    environment = environments[0]
    assert environment["DEBUG"] == "false"
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SITE_URL", "METRICS_TOKEN"} <= set(
        environment
    )
    # One settings module everywhere: nobody overrides the default of manage.py, wsgi and Celery.
    assert "DJANGO_SETTINGS_MODULE" not in environment
    assert not [line for line in dockerfile() if "DJANGO_SETTINGS_MODULE" in line]
    assert "DJANGO_SETTINGS_MODULE" not in (ROOT / "scripts" / "run.sh").read_text()
    for module in ("mtt/wsgi.py", "mtt/celery.py", "manage.py"):
        assert '"DJANGO_SETTINGS_MODULE", "mtt.settings"' in (ROOT / module).read_text()
    # The same image for all three, and the metrics directory they share.
    assert {services[name]["image"] for name in ("web", "worker", "beat")} == {"mtt-ruecken:latest"}
    env_line = next(line for line in dockerfile() if "PROMETHEUS_MULTIPROC_DIR=" in line)
    directory = env_line.split("PROMETHEUS_MULTIPROC_DIR=")[1].strip(" \\")
    for name in ("web", "worker", "beat"):
        assert f"metrics:{directory}" in services[name]["volumes"]
    assert "export PROMETHEUS_MULTIPROC_DIR=" in (ROOT / "scripts" / "run.sh").read_text()
    # The containers never read a .env file: it stays out of the image.
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_the_image_has_ffmpeg_for_video_poster_frames():
    """programs/media.py cuts poster frames with ``ffmpeg`` when it is on the PATH; the image
    installs Debian's package as root, before it switches to the unprivileged user, and keeps
    no package lists (docs/operations.md "Media files")."""
    lines = dockerfile()
    text = "\n".join(lines)
    [install] = [
        index for index, line in enumerate(lines) if "apt-get install" in line and "ffmpeg" in line
    ]
    run = text[text.rindex("RUN ", 0, text.index(lines[install])) :].split("\n\n")[0]
    assert "apt-get update" in run
    assert "--no-install-recommends ffmpeg" in run
    assert "rm -rf /var/lib/apt/lists/*" in run
    assert install < lines.index("USER mtt")
    assert [line for line in lines if line.startswith("FROM ")] == ["FROM python:3.12-slim"]
    assert 'shutil.which("ffmpeg")' in (ROOT / "programs" / "media.py").read_text()
    assert "installed in the Docker image" in (ROOT / "docs" / "operations.md").read_text()


def test_one_beat_and_a_health_check_on_web():
    services = compose()["services"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "/health/" in " ".join(services["web"]["healthcheck"]["test"])


# --- a real start ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_start_logs_one_layout_in_utc_and_no_warning(tmp_path):
    checkout = tmp_path / "mtt"
    shutil.copytree(ROOT, checkout, ignore=lambda _dir, names: [n for n in names if n in SKIP])
    port = _free_port()
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env = base | {
        "DEBUG": "true",  # as `make run`
        "ADMIN_REQUIRE_2FA": "false",
        "PORT": str(port),
        "DATABASE_URL": _database_url(),
        "REDIS_URL": "",  # a broker on the file system in the copy's var/, as `make run`
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "TIME_ZONE": "Europe/Berlin",  # the local zone of the processes; the log stays in UTC
    }
    processes = {}
    for name, command in run_sh_commands().items():
        argv = [str(VENV / "bin" / command[0])] + [
            arg.replace("$PORT", str(port)) for arg in command[1:]
        ]
        log = (tmp_path / f"{name}.log").open("w")
        processes[name] = (
            subprocess.Popen(  # noqa: S603 - the commands of scripts/run.sh
                argv, cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT
            ),
            tmp_path / f"{name}.log",
        )
    ready = {
        "web": "Booting worker with pid",
        "worker": "celery@",
        "beat": "beat: Starting...",
    }
    try:
        for _ in range(1800):
            texts = {name: path.read_text() for name, (_process, path) in processes.items()}
            for name, (process, _path) in processes.items():
                assert process.poll() is None, (name, texts[name])
            if all(marker in texts[name] for name, marker in ready.items()) and re.search(
                r"celery@\S+ ready\.", texts["worker"]
            ):
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"not started: {texts}")
        with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
            client.sendall(b"GET /health/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            assert client.recv(100).startswith(b"HTTP/1.0 200")
        started = {name: path.read_text() for name, (_process, path) in processes.items()}
    finally:
        for process, _path in processes.values():
            process.send_signal(signal.SIGTERM)
        for process, _path in processes.values():
            process.wait(timeout=60)

    # What the start printed (the stop prints Celery's "Warm shutdown" line, not a log line).
    for name, text in started.items():
        lines = [line for line in text.splitlines() if line.strip()]
        assert lines, name
        for line in lines:
            # Every line is a log line in the one layout: no banners, no other clock.
            assert ISO_LINE.fullmatch(line), (name, line)
            assert " WARNING " not in line and "Warning" not in line, (name, line)
            assert "No hostname was supplied" not in line
    access = re.compile(r'\+00:00 INFO gunicorn\.access 127\.0\.0\.1 "GET /health/ HTTP/1\.0" 200 ')
    assert access.search((tmp_path / "web.log").read_text())


# --- the demo logins --------------------------------------------------------------------------


@pytest.mark.django_db
def test_setup_demo_prints_the_logins_once_with_the_real_password(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.ADMIN_REQUIRE_2FA = False
    settings.SITE_URL = "http://127.0.0.1:18743"
    out = io.StringIO()

    call_command("setup_demo", stdout=out)

    text = out.getvalue()
    password = re.search(r"therapist1 / (\S+)", text).group(1)
    assert text.count("therapist1 /") == 1
    assert text.count("Demo logins (http://127.0.0.1:18743/):") == 1
    assert text.count("Two-factor authentication is switched off") == 1
    assert "--password given" not in text
    users = get_user_model().objects
    assert users.get(username="therapist1").check_password(password)
    assert users.get(username="admin").check_password(password)
