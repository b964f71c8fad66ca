"""Helpers for tests that start real processes (gunicorn, Celery, redis-server) beside the test
database: the database's URL for their environment and a free local port."""

import socket

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
