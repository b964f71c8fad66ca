"""A beat run: select what fell due in the window, write the delivery records (at most one per
patient, day and kind), recover stale ones, create the weekly digests, enqueue after commit."""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from reminders import rules, selectors
from reminders.models import URGENT_KINDS, Delivery, DeliveryStatus, Digest, ReminderRun
from reminders.services.enqueue import enqueue_deliveries, enqueue_digests

RUN_HISTORY_DAYS = 30


@dataclass(frozen=True)
class RunResult:
    window_start: datetime
    window_end: datetime
    selected: int
    created: int
    requeued: int
    digests: int


def run_window(*, now: datetime) -> tuple[datetime, datetime]:
    """From the end of the last run (at most ``REMINDER_CATCH_UP_HOURS`` back) until now."""
    ends = ReminderRun.objects.order_by("-window_end").values_list("window_end", flat=True)
    last_end = next(iter(ends[:1]), None)
    if last_end is None or last_end >= now:
        return now - timedelta(minutes=settings.REMINDER_WINDOW_MINUTES), now
    return max(last_end, now - timedelta(hours=settings.REMINDER_CATCH_UP_HOURS)), now


@transaction.atomic
def reminders_run(
    *, now: datetime | None = None, start: datetime | None = None, record: bool = True
) -> RunResult:
    """One beat run: select what fell due in the window, write the records, recover stale
    ones, create the weekly digests, and enqueue all of it once the transaction commits."""
    clock = timezone.now()  # record keeping runs on real time, whatever instant is selected
    now = now or clock
    if start is None:
        start, now = run_window(now=now)
    due = selectors.due_reminders(start=start, end=now)
    created = deliveries_create(due=due, now=clock)
    if record:
        ReminderRun.objects.create(
            started_at=clock,
            window_start=start,
            window_end=now,
            selected=len(due),
            created=len(created),
        )
        ReminderRun.objects.filter(window_end__lt=now - timedelta(days=RUN_HISTORY_DAYS)).delete()
    requeued = deliveries_recover(now=clock)
    digests = digests_create(now=now, clock=clock)
    transaction.on_commit(lambda: enqueue_deliveries(created + requeued["deliveries"]))
    transaction.on_commit(lambda: enqueue_digests(digests + requeued["digests"]))
    return RunResult(
        window_start=start,
        window_end=now,
        selected=len(due),
        created=len(created),
        requeued=len(requeued["deliveries"]) + len(requeued["digests"]),
        digests=len(digests),
    )


def deliveries_create(*, due: Sequence[selectors.DueReminder], now: datetime) -> list[int]:
    """Write the records (existing ones are left alone) and return the ids this call created."""
    if not due:
        return []
    if connection.vendor == "postgresql":
        return _deliveries_insert_unnest(due=due, now=now)
    batch = uuid.uuid4()
    Delivery.objects.bulk_create(
        [
            Delivery(
                patient_id=reminder.patient_id,
                day=reminder.day,
                kind=reminder.kind,
                details=reminder.details or {},
                batch=batch,
                updated_at=now,
            )
            for reminder in due
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    return list(Delivery.objects.filter(batch=batch).values_list("pk", flat=True))


def _deliveries_insert_unnest(*, due: Sequence[selectors.DueReminder], now: datetime) -> list[int]:
    """PostgreSQL: one ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING id``
    for the whole run. A run of 100 000 patients writes a few hundred thousand records; model
    instances and batches of ``bulk_create`` took half a minute for them, this a few seconds."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    sql = f"""
        INSERT INTO {table}
            (patient_id, day, kind, details, batch, status, attempts, error, created_at, updated_at)
        SELECT due.patient_id, due.day, due.kind, due.details::jsonb, %s, %s, 0, '', %s, %s
        FROM unnest(%s::bigint[], %s::date[], %s::text[], %s::text[])
            AS due(patient_id, day, kind, details)
        ON CONFLICT DO NOTHING
        RETURNING id
    """  # noqa: S608 - the table name is the model's, every value a parameter
    params: list[Any] = [
        uuid.uuid4(),
        DeliveryStatus.PENDING,
        now,
        now,
        [reminder.patient_id for reminder in due],
        [reminder.day for reminder in due],
        [str(reminder.kind) for reminder in due],
        [json.dumps(reminder.details or {}) for reminder in due],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


def deliveries_recover(*, now: datetime) -> dict[str, list[int]]:
    """Expire pending records that are too old to be useful (not urgent ones: they are sent
    whenever possible), mark records stuck in ``sending`` as ``unknown`` (not resent: the
    message may be out), and hand back pending records nobody picked up (urgent ones are the
    every-minute task's, ``urgent_run``)."""
    stuck_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 2)
    requeue_before = now - timedelta(minutes=settings.REMINDER_REQUEUE_AFTER_MINUTES)
    expire_before = now - timedelta(hours=settings.REMINDER_EXPIRE_HOURS)
    result: dict[str, list[int]] = {}
    sources: tuple[tuple[str, type[Delivery | Digest], QuerySet[Delivery] | QuerySet[Digest]], ...]
    sources = (
        ("deliveries", Delivery, Delivery.objects.exclude(kind__in=URGENT_KINDS)),
        ("digests", Digest, Digest.objects.all()),
    )
    for name, model, ordinary in sources:
        ordinary.filter(status=DeliveryStatus.PENDING, created_at__lt=expire_before).update(
            status=DeliveryStatus.SKIPPED, error="expired: not sent in time", updated_at=now
        )
        model.objects.filter(status=DeliveryStatus.SENDING, updated_at__lt=stuck_before).update(
            status=DeliveryStatus.UNKNOWN,
            error="interrupted while sending: the mail server may have accepted it, so it is "
            "not sent again",
            updated_at=now,
        )
        stale = ordinary.filter(status=DeliveryStatus.PENDING, updated_at__lt=requeue_before)
        ids = list(stale.values_list("pk", flat=True))
        if ids:
            model.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(updated_at=now)
        result[name] = ids
    return result


def digests_create(*, now: datetime, clock: datetime | None = None) -> list[int]:
    """The week's digest records for therapists with patients, once the digest time came."""
    at = rules.parse_time(settings.REMINDER_DIGEST_TIME)
    if at is None:
        return []
    local_now = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    week = rules.digest_week(local_now, weekday=settings.REMINDER_DIGEST_WEEKDAY, at=at)
    if week is None:
        return []
    therapists = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, patients__isnull=False)
        .exclude(email="")
        .exclude(reminder_digests__week=week)
        .order_by()
        .values_list("pk", flat=True)
        .distinct()
    )
    batch = uuid.uuid4()
    Digest.objects.bulk_create(
        [
            Digest(therapist_id=pk, week=week, batch=batch, updated_at=clock or now)
            for pk in therapists
        ],
        ignore_conflicts=True,
    )
    return list(Digest.objects.filter(batch=batch).values_list("pk", flat=True))
