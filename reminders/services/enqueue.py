"""Handing records to the workers, and the back-off of retries.

Enqueueing happens ``on_commit`` and a broker failure is logged (without patient data), never
raised, so the request or run that wrote the records succeeds; the records stay pending and the
next run enqueues them again (``deliveries_recover``)."""

import logging
from collections.abc import Sequence
from typing import Any

from celery import Task
from django.conf import settings

from reminders import rules

# One logger for the package: its lines keep the name they had in the log before the split.
logger = logging.getLogger("reminders.services")

# Publishing gives up quickly when the broker is down: the records wait for the next run.
PUBLISH_RETRY_POLICY: dict[str, Any] = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


class SendFailed(Exception):
    """Sending failed and the record is pending again: retry later."""

    def __init__(
        self, pk: int, attempts: int, delay: int | None = None, urgent: bool = False
    ) -> None:
        super().__init__(pk, attempts)
        self.pk, self.attempts, self.urgent = pk, attempts, urgent
        self.delay = retry_delay(attempts) if delay is None else delay


def retry_delay(attempts: int) -> int:
    """Back-off before the next try after ``attempts`` tries: 60 s, doubling, capped below the
    broker's visibility timeout (a countdown longer than it would be delivered twice)."""
    return rules.retry_delay(attempts - 1, cap_seconds=settings.REMINDER_RETRY_CAP_SECONDS)


def enqueue_deliveries(ids: Sequence[int], *, urgent: bool = False) -> int:
    """Hand records to the workers. Urgent ones (red flag, escalation) go to the queue of
    their own (``REMINDER_URGENT_QUEUE``), so they never wait behind a large reminder run."""
    from reminders import tasks

    return _publish(
        tasks.send_deliveries,
        ids,
        settings.REMINDER_SEND_BATCH,
        "deliveries",
        queue=settings.REMINDER_URGENT_QUEUE if urgent else None,
    )


def enqueue_digests(ids: Sequence[int]) -> int:
    from reminders import tasks

    return _publish(tasks.send_digests, ids, settings.REMINDER_SEND_BATCH, "digests")


def _publish(task: Task, ids: Sequence[int], size: int, what: str, queue: str | None = None) -> int:
    """Publish ``task`` for chunks of ``ids`` over one broker connection; returns how many ids
    were handed over. Failures are logged, not raised: the records wait for the next run."""
    ids = list(ids)
    published = 0
    if not ids:
        return 0
    routing: dict[str, str] = {"queue": queue} if queue else {}
    try:
        # The task's own app (the project's, mtt.celery): reminders imports nothing above it.
        with task.app.producer_or_acquire() as producer:
            for offset in range(0, len(ids), size):
                chunk = ids[offset : offset + size]
                task.apply_async(
                    (chunk,),
                    producer=producer,
                    retry=True,
                    retry_policy=PUBLISH_RETRY_POLICY,
                    **routing,
                )
                published += len(chunk)
    except Exception as error:  # kombu raises many kinds; none may reach the caller
        logger.warning(
            "reminders: could not enqueue %d of %d %s (%s); the next run enqueues them again",
            len(ids) - published,
            len(ids),
            what,
            type(error).__name__,
        )
    return published


def enqueue_retry(task: Task, failure: SendFailed) -> None:
    """Send again later, with exponential back-off over the record's attempts."""
    try:
        task.apply_async(
            (failure.pk,),
            countdown=failure.delay,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
            **({"queue": settings.REMINDER_URGENT_QUEUE} if failure.urgent else {}),
        )
    except Exception as error:
        logger.warning(
            "reminders: could not enqueue a retry (%s); the next run enqueues it again",
            type(error).__name__,
        )
