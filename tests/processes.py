"""Helpers for tests that start real processes (gunicorn, Celery, redis-server) beside the test
database: the database's URL for their environment and a free local port."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection


def database_url() -> str:
    """The URL of the database the test runs on, for a subprocess's DATABASE_URL."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


ROOT = Path(__file__).resolve().parents[1]
# Settings that belong to the developer's shell or .env, not to a server started by a test.
SHELL_ONLY = {"ENV_FILE", "READ_DOT_ENV", "SITE_URL", "CSRF_TRUSTED_ORIGINS"}


@contextmanager
def gunicorn(url: str, tmp_path: Path, **env: str) -> Iterator[tuple[int, Path]]:
    """gunicorn with the command of scripts/run.sh (gunicorn.conf.py does the rest) and two
    workers on the database at ``url``, on a free port (PORT, as make run sets it, so SITE_URL
    follows it); yields the port and its log file."""
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key not in SHELL_ONLY}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "mtt.settings_test",
        "DATABASE_URL": url,
        "PORT": str(port),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "WEB_CONCURRENCY": "2",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    output = tmp_path / "gunicorn.log"
    with output.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - the command of scripts/run.sh
            [str(Path(sys.executable).parent / "gunicorn"), "mtt.wsgi", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(1200):
            assert process.poll() is None, output.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port, output
    finally:
        process.terminate()
        process.wait(timeout=60)
