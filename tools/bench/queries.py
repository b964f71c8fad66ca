"""SQL queries per request, counted in a separate pass with Django's test client against the
bench database (the load itself runs without any counting). The second request of each row is
counted: the first may fill per-process caches (content types, translations)."""

import uuid

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


def count_queries(credentials: Credentials) -> dict[str, dict]:
    """Row key → queries of the counted request, its status and the SQL (for the report)."""
    client = Client(HTTP_HOST="127.0.0.1")
    result = {}
    for row in ROWS:
        lines = credentials.lines.get(row.credentials, [""])
        _call(client, row, lines[0])
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
