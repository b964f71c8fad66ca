"""Celery tasks: thin wrappers that fetch by id and call ``reminders.services``.

All of them acknowledge late (a worker that dies mid-task gets the message redelivered) and have
time limits; redelivery is harmless because a sender must claim the record first. A failed send
is enqueued again with exponential back-off over the record's attempts; the record gives up after
``REMINDER_MAX_ATTEMPTS`` and shows the last error in the admin. Urgent messages (red flag,
escalation) never give up; ``run_urgent`` (every minute) and the worker start pick up the ones
that wait (docs/operations.md "The urgent path").
"""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.utils.dateparse import parse_datetime

from reminders import services

logger = logging.getLogger(__name__)
SEND_LIMITS = {"soft_time_limit": 120, "time_limit": 180}


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=300, time_limit=360)
def run_reminders(now: str | None = None) -> None:
    """The beat task (every ``REMINDER_WINDOW_MINUTES``): select, record, enqueue."""
    services.reminders_run(now=parse_datetime(now) if now else None)


@shared_task(acks_late=True, ignore_result=True, **SEND_LIMITS)
def run_urgent() -> None:
    """The every-minute beat task: escalate unacknowledged red flags, enqueue urgent records
    that wait (broker outage, back-off over)."""
    services.urgent_run()


@worker_ready.connect
def enqueue_urgent_at_start(sender=None, **kwargs) -> None:
    """A worker that starts (perhaps after a broker or worker outage) sends every pending urgent
    record at once, without waiting for the beat."""
    try:
        services.urgent_run(all_pending=True)
    except Exception as error:  # never keep the worker from starting
        logger.warning(
            "reminders: urgent pick-up at worker start failed (%s)", type(error).__name__
        )


@shared_task(acks_late=True, ignore_result=True, **SEND_LIMITS)
def send_deliveries(delivery_ids: list[int]) -> None:
    """A chunk of a run's records over one mail connection; a failed one is retried alone."""
    for failure in services.deliveries_send(delivery_ids=delivery_ids):
        services.enqueue_retry(send_delivery, failure)


@shared_task(acks_late=True, ignore_result=True, **SEND_LIMITS)
def send_delivery(delivery_id: int) -> None:
    try:
        services.delivery_send(delivery_id=delivery_id)
    except services.SendFailed as failure:
        services.enqueue_retry(send_delivery, failure)


@shared_task(acks_late=True, ignore_result=True, **SEND_LIMITS)
def send_digests(digest_ids: list[int]) -> None:
    for failure in services.digests_send(digest_ids=digest_ids):
        services.enqueue_retry(send_digest, failure)


@shared_task(acks_late=True, ignore_result=True, **SEND_LIMITS)
def send_digest(digest_id: int) -> None:
    try:
        services.digest_send(digest_id=digest_id)
    except services.SendFailed as failure:
        services.enqueue_retry(send_digest, failure)
