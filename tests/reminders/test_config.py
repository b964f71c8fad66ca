"""The broker's visibility timeout follows the reminder window (docs/operations.md "Worker
faults"): minutes, not an hour, never shorter than the longest task may run, and retry countdowns
stay below it. Read from a fresh settings import per environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reminders import tasks

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
from django.conf import settings
from mtt.celery import app
print(json.dumps({
    "timeout": settings.BROKER_VISIBILITY_TIMEOUT,
    "transport": app.conf.broker_transport_options.get("visibility_timeout"),
    "retry_cap": settings.REMINDER_RETRY_CAP_SECONDS,
    "urgent": [settings.CELERY_BEAT_SCHEDULE["urgent"][key] for key in ("task", "schedule")],
    "queues": sorted(app.amqp.queues),
}))
"""


def _settings(**env) -> dict:
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "mtt.settings",
            "DEBUG": "true",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("window", "expected"),
    [("15", 900), ("30", 1800), ("5", 600)],  # one window, at least 10 minutes
)
def test_visibility_timeout_is_one_reminder_window(window, expected):
    values = _settings(REMINDER_WINDOW_MINUTES=window)
    assert values["timeout"] == values["transport"] == expected
    assert values["retry_cap"] == expected // 2  # a countdown task is never handed out twice
    # Longer than any task may run, so a running task is never given to a second worker.
    assert expected > tasks.run_reminders.time_limit > tasks.SEND_LIMITS["time_limit"]
    assert values["urgent"] == ["reminders.tasks.run_urgent", 60.0]


def test_a_worker_without_q_consumes_the_urgent_queue_too():
    """Workers are started without -Q (make run, docker-compose.yml): they take every queue
    of CELERY_TASK_QUEUES, the urgent one included."""
    assert _settings()["queues"] == ["celery", "urgent"]


def test_visibility_timeout_can_be_set():
    assert _settings(BROKER_VISIBILITY_TIMEOUT="1200")["transport"] == 1200
