"""The planner's statistics before measuring. PostgreSQL on the bench machines runs with
autovacuum off, so nothing analyses freshly loaded tables unless we do: the first run after
``seed_demo`` once measured ``me/today/`` at 5 requests per second with plans made for empty
tables (docs/benchmarks.md)."""

import time

from django.db import connection


def analyze() -> float:
    """``ANALYZE`` every table of the bench database; returns the seconds it took."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started
