"""The reminder selection timed on 100 000 patients (docs/product.md), in its own database:
seed_demo with two weeks of logs is enough history for due-ness (the scheduling rule looks back
21 days at most, and the selection reads only the current and previous local day besides), and
it loads in a fraction of the time 26 weeks would take.

Two windows on today's date (Europe/Berlin, where most demo patients live):
- ``beat``: the 15-minute window of one beat run, ending at 18:00, the busiest reminder time
  (every patient is considered; about a sixth have their reminder then). The target applies
  to this one: it is what runs every 15 minutes.
- ``catch_up``: 12:00–18:00, the longest window a run covers (``REMINDER_CATCH_UP_HOURS``,
  after the worker was down), holding the habit reminder and three of the reminder times.
Each is run three times; the best time counts (the first fills PostgreSQL's cache). Writing the
delivery records of the catch-up window is timed too, in a transaction that is rolled back.
"""

import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patients.models import Patient
from reminders import selectors, services

ZONE = ZoneInfo("Europe/Berlin")
REPEATS = 3


def windows(day: date) -> dict[str, tuple[datetime, datetime]]:
    def at(hour: int, minute: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)

    return {"beat": (at(17, 45), at(18, 0)), "catch_up": (at(12, 0), at(18, 0))}


def _timed(function):
    best, queries, result = None, 0, None
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = function()
            elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
        queries = len(captured)
    return best, queries, result


class _Rollback(Exception):
    pass


def measure() -> dict:
    patients = Patient.objects.count()
    day = timezone.now().astimezone(ZONE).date()
    report: dict[str, Any] = {"patients": patients, "day": day.isoformat(), "windows": {}}
    for name, (start, end) in windows(day).items():
        seconds, queries, due = _timed(
            lambda s=start, e=end: selectors.due_reminders(start=s, end=e)
        )
        report["windows"][name] = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "seconds": seconds,
            "per_10k": seconds * 10_000 / max(patients, 1),
            "queries": queries,
            "selected": len(due),
        }
    start, end = windows(day)["catch_up"]
    due = selectors.due_reminders(start=start, end=end)
    timings = []
    for _ in range(2):
        try:
            with transaction.atomic():
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    created = services.deliveries_create(due=due, now=timezone.now())
                    timings.append(time.perf_counter() - started)
                raise _Rollback
        except _Rollback:
            pass
    report["write"] = {
        "rows": len(created),
        "seconds": min(timings),
        "queries": len(captured),
    }
    report["write"]["seconds_per_100k"] = report["write"]["seconds"] * 100_000 / max(len(due), 1)
    return report


def window_label(window: dict) -> str:
    start = datetime.fromisoformat(window["start"])
    end = datetime.fromisoformat(window["end"])
    return f"{start:%H:%M}–{end:%H:%M} {ZONE.key}"


def one_line(report: dict) -> str:
    beat, catch_up = report["windows"]["beat"], report["windows"]["catch_up"]
    return (
        f"reminder selection, {report['patients']:,} patients: beat run "
        f"{beat['seconds']:.2f} s ({beat['per_10k']:.3f} s per 10 000), {beat['queries']} "
        f"queries, {beat['selected']:,} selected; 6-hour catch-up {catch_up['seconds']:.2f} s, "
        f"{catch_up['queries']} queries, {catch_up['selected']:,} selected; writing "
        f"{report['write']['rows']:,} records {report['write']['seconds']:.2f} s"
    )
