"""SQL queries per request, counted in a separate pass with Django's test client against the
bench database (the load itself runs without any counting). Each of the three callers counted
has made a request before: a first one may fill per-process caches (content types,
translations, the catalogue snapshot of its language). The one-file Django app counts its own
in a process of its own (tools/bench/django_ceiling.py)."""

import json
import os
import subprocess
import sys
import uuid
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tools.bench.scenarios import IDEMPOTENCY_PREFIX, ROWS, Credentials, Row


class BadStatus(Exception):
    pass


def _call(client: Client, row: Row, line: str):
    if row.method == "POST":
        token, body = line.split("\t", 1)
        return client.post(
            row.path,
            body,
            content_type="application/json",
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": f"{IDEMPOTENCY_PREFIX}count-{uuid.uuid4().hex}",
            },
        )
    name, value = line.split(":", 1) if line else ("", "")
    return client.get(row.path, headers={name: value.strip()} if name else {})


def count_queries(credentials: Credentials, rows: tuple[Row, ...] = ROWS) -> dict[str, dict]:
    """Row key → queries of the counted request, its status and the SQL (for the report)."""
    client = Client(HTTP_HOST="127.0.0.1")
    result = {}
    for row in rows:
        if row.server == "django":
            result[row.key] = count_django_ceiling(row)
            continue
        lines = credentials.lines.get(row.credentials, [""])
        for line in lines[:3]:
            # Each caller once before counting: a first request may fill per-process caches,
            # e.g. the catalogue snapshot of a language no earlier request used.
            _call(client, row, line)
        counts = []
        for line in lines[:3]:
            with CaptureQueriesContext(connection) as queries:
                response = _call(client, row, line)
            if response.status_code != row.expect:
                raise BadStatus(
                    f"{row.label}: status {response.status_code}, expected {row.expect}: "
                    f"{response.content[:300]!r}"
                )
            counts.append(len(queries))
        result[row.key] = {
            "queries": max(counts),
            "counts": counts,
            "sql": [query["sql"] for query in queries.captured_queries],
        }
    return result


def database_url() -> str:
    """The URL of the database this process uses (in tests: the test database)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def count_django_ceiling(row: Row) -> dict:
    """Runs ``python -m tools.bench.django_ceiling`` on this process's database."""
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    finished = subprocess.run(
        [sys.executable, "-m", "tools.bench.django_ceiling"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode:
        raise BadStatus(f"{row.label}: {finished.stderr.strip()[-600:]}")
    answer = json.loads(finished.stdout)
    if answer["status"] != row.expect:
        raise BadStatus(f"{row.label}: status {answer['status']}, expected {row.expect}")
    return {**answer, "counts": [answer["queries"]]}
