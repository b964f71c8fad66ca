"""Settings for the Celery worker process the integration tests start: the test settings, plus
e-mail written to files the test reads and the test's own queue on the test's Redis database
(so parallel test runs never take each other's tasks)."""

import os

from kombu import Exchange, Queue

from mtt.settings import mailer_from_url
from mtt.settings_test import *  # noqa: F403

MAILERS = {"default": mailer_from_url(os.environ["MTT_TEST_EMAIL_URL"])}
if os.environ.get("MTT_TEST_SEND_BLOCKS"):  # tests/reminders/test_broker_outage.py
    MAILERS = {"default": {"BACKEND": "tests.reminders.backends.AcceptThenHangBackend"}}
CELERY_TASK_DEFAULT_QUEUE = os.environ["MTT_TEST_QUEUE"]
REMINDER_URGENT_QUEUE = os.environ.get(
    "MTT_TEST_URGENT_QUEUE", f"{CELERY_TASK_DEFAULT_QUEUE}-urgent"
)
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, REMINDER_URGENT_QUEUE)
]
# No remote control: its pidbox queue would leave keys in the test's Redis database.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
