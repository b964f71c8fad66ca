"""Writes for reminders: a run creates delivery records and enqueues their sends after commit;
a sender claims one record, sends it and records the outcome; calendar feed keys.

At most once: the records are unique per patient, day and kind (``INSERT … ON CONFLICT DO
NOTHING``), a run enqueues only the records it created itself, and a sender must move a record
from ``pending`` to ``sending`` in a conditional UPDATE before it sends. A record left in
``sending`` by a killed worker is marked ``unknown``, never sent again: the e-mail may have gone
out. Messages about alerts have a record per alert; urgent ones (red flag, escalation) are retried
until sent and picked up every minute (``urgent_run``), see docs/operations.md.

Faults: enqueueing happens ``on_commit`` and a broker failure is logged (without patient data),
never raised, so the request or run that wrote the records succeeds; the records stay pending
and the next run enqueues them again (``deliveries_recover``).
"""

import json
import logging
import secrets
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import F, Model
from django.urls import reverse
from django.utils import timezone

from mtt.celery import app as celery_app
from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    FlagKind,
    Patient,
    SessionLog,
)
from reminders import emails, rules, selectors
from reminders.models import (
    URGENT_KINDS,
    Delivery,
    DeliveryStatus,
    Digest,
    ReminderKind,
    ReminderRun,
)

logger = logging.getLogger(__name__)

# Publishing gives up quickly when the broker is down: the records wait for the next run.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
RUN_HISTORY_DAYS = 30


class SendFailed(Exception):
    """Sending failed and the record is pending again: retry later."""

    def __init__(self, pk: int, attempts: int, delay: int | None = None, urgent: bool = False):
        super().__init__(pk, attempts)
        self.pk, self.attempts, self.urgent = pk, attempts, urgent
        self.delay = retry_delay(attempts) if delay is None else delay


def retry_delay(attempts: int) -> int:
    """Back-off before the next try after ``attempts`` tries: 60 s, doubling, capped below the
    broker's visibility timeout (a countdown longer than it would be delivered twice)."""
    return rules.retry_delay(attempts - 1, cap_seconds=settings.REMINDER_RETRY_CAP_SECONDS)


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
    last_end = ReminderRun.objects.order_by("-window_end").values_list("window_end", flat=True)[:1]
    last_end = next(iter(last_end), None)
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
    params = [
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
    result = {}
    for name, model in (("deliveries", Delivery), ("digests", Digest)):
        ordinary = model.objects.all()
        if model is Delivery:
            ordinary = ordinary.exclude(kind__in=URGENT_KINDS)
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


# Reminders that only make sense while the programme runs: a stopped (red flag) or paused one
# gets none, also when the record was written before it stopped.
TRAINING_KINDS = (
    ReminderKind.SESSION,
    ReminderKind.EVENING,
    ReminderKind.HABITS,
    ReminderKind.NEXT_DAY,
)


# --- Alerts to the therapist and escalation (docs/operations.md "The urgent path") -----------

# Which alert kinds e-mail the therapist, and as what: a red flag at once and until sent, the
# others the same day (ordinary retries). Any other kind waits for the admin and the digest.
ALERT_MESSAGE_KINDS = {
    FlagKind.RED_FLAG: ReminderKind.RED_FLAG,
    FlagKind.PAIN_HIGH: ReminderKind.ALERT,
    FlagKind.NEXT_DAY_WORSE: ReminderKind.ALERT,
    FlagKind.NEXT_DAY_PAIN_HIGH: ReminderKind.ALERT,
}


def alerts_notify(*, alerts: Sequence[Alert]) -> None:
    """Tell the therapist about new alerts. Call it in the transaction that creates them: one
    record per alert is written with them (so two red flags on one day are two e-mails), and
    the e-mails are enqueued after commit. A broker that is down delays the e-mail, never the
    patient's request; the every-minute task sends it once the broker is back."""
    now = timezone.now()
    batch = uuid.uuid4()
    rows = [
        Delivery(
            patient_id=alert.patient_id,
            alert=alert,
            day=_alert_day(alert, now),
            kind=ALERT_MESSAGE_KINDS[alert.kind],
            details={"alert_kind": str(alert.kind)},
            batch=batch,
            updated_at=now,
        )
        for alert in alerts
        if alert.kind in ALERT_MESSAGE_KINDS
    ]
    # A red flag whose therapist cannot get it (no address, account deactivated) goes to the
    # practice admin at once instead of after ALERT_ESCALATION_HOURS.
    unreachable = [
        alert
        for alert in alerts
        if alert.kind == FlagKind.RED_FLAG and not _reachable(alert.patient.therapist)
    ]
    rows += [
        Delivery(
            patient_id=alert.patient_id,
            alert=alert,
            day=_alert_day(alert, now),
            kind=ReminderKind.ESCALATION,
            details={"alert_kind": str(alert.kind), "reason": "therapist unreachable"},
            batch=batch,
            updated_at=now,
        )
        for alert in unreachable
    ]
    if not rows:
        return
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    if unreachable:
        Alert.objects.filter(pk__in=[alert.pk for alert in unreachable]).update(escalated_at=now)
    created = list(Delivery.objects.filter(batch=batch).values_list("pk", "kind"))
    urgent = [pk for pk, kind in created if kind in URGENT_KINDS]
    ordinary = [pk for pk, kind in created if kind not in URGENT_KINDS]
    transaction.on_commit(lambda: enqueue_deliveries(urgent, urgent=True))
    transaction.on_commit(lambda: enqueue_deliveries(ordinary))


def _reachable(therapist) -> bool:
    return bool(therapist.is_active and therapist.email)


def _alert_day(alert: Alert, now: datetime):
    """The alert's day in the patient's time zone."""
    zone = ZoneInfo(alert.patient.time_zone)
    return timezone.localtime(alert.created_at or now, zone).date()


@dataclass(frozen=True)
class UrgentResult:
    escalated: int
    enqueued: int


@transaction.atomic
def alerts_escalate(*, now: datetime | None = None) -> list[int]:
    """Red-flag alerts nobody acknowledged within ``ALERT_ESCALATION_HOURS``: one e-mail to the
    practice admin(s) per alert, once (``Alert.escalated_at``). Returns the new record ids;
    they are enqueued after commit."""
    now = now or timezone.now()
    due = list(
        Alert.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("patient")
        .filter(
            kind=FlagKind.RED_FLAG,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            created_at__lte=now - timedelta(hours=settings.ALERT_ESCALATION_HOURS),
        )
        .order_by("created_at")
    )
    if not due:
        return []
    batch = uuid.uuid4()
    Delivery.objects.bulk_create(
        [
            Delivery(
                patient_id=alert.patient_id,
                alert=alert,
                day=_alert_day(alert, now),
                kind=ReminderKind.ESCALATION,
                details={"alert_kind": str(alert.kind)},
                batch=batch,
                updated_at=now,
            )
            for alert in due
        ],
        ignore_conflicts=True,
    )
    Alert.objects.filter(pk__in=[alert.pk for alert in due]).update(escalated_at=now)
    ids = list(Delivery.objects.filter(batch=batch).values_list("pk", flat=True))
    transaction.on_commit(lambda: enqueue_deliveries(ids, urgent=True))
    return ids


def urgent_pending(*, now: datetime, all_pending: bool = False) -> list[int]:
    """Pending urgent records whose turn has come: never enqueued successfully (broker down) or
    past their back-off by a minute. ``all_pending``: every pending one (worker start)."""
    records = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, kind__in=URGENT_KINDS
    ).values_list("pk", "attempts", "updated_at")
    return [
        pk
        for pk, attempts, updated_at in records
        if all_pending
        or updated_at + timedelta(seconds=_urgent_wait(attempts)) + URGENT_GRACE <= now
    ]


URGENT_GRACE = timedelta(minutes=1)


def _urgent_wait(attempts: int) -> int:
    """Seconds between the last state change and the next try of an urgent record."""
    return 0 if attempts == 0 else retry_delay(attempts)


def urgent_enqueue(*, ids: Sequence[int]) -> int:
    """Enqueue urgent records and mark the ones handed over (so the back-off counts from now).
    Returns how many were handed to the broker."""
    ids = list(ids)
    published = enqueue_deliveries(ids, urgent=True)
    if published:
        Delivery.objects.filter(pk__in=ids[:published], status=DeliveryStatus.PENDING).update(
            updated_at=timezone.now()
        )
    return published


def urgent_run(*, now: datetime | None = None, all_pending: bool = False) -> UrgentResult:
    """The every-minute task and the worker start: escalate what is overdue, then enqueue the
    urgent records that wait (after a broker outage, or past their back-off)."""
    now = now or timezone.now()
    escalated = alerts_escalate(now=now)
    ids = [pk for pk in urgent_pending(now=now, all_pending=all_pending) if pk not in escalated]
    return UrgentResult(escalated=len(escalated), enqueued=urgent_enqueue(ids=ids))


# --- Enqueueing ------------------------------------------------------------------------------


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


def _publish(task, ids: Sequence[int], size: int, what: str, queue: str | None = None) -> int:
    """Publish ``task`` for chunks of ``ids`` over one broker connection; returns how many ids
    were handed over. Failures are logged, not raised: the records wait for the next run."""
    ids = list(ids)
    published = 0
    if not ids:
        return 0
    routing = {"queue": queue} if queue else {}
    try:
        with celery_app.producer_or_acquire() as producer:
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


def enqueue_retry(task, failure: SendFailed) -> None:
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


# --- Sending ---------------------------------------------------------------------------------


def _claim(model: type[Model], pk: int, now: datetime) -> bool:
    """pending → sending, for exactly one caller."""
    return bool(
        model.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, updated_at=now
        )
    )


def _finish(model: type[Model], pk: int, status: str, *, error: str = "", sent_at=None) -> None:
    model.objects.filter(pk=pk, status=DeliveryStatus.SENDING).update(
        status=status, error=error[:300], updated_at=timezone.now(), sent_at=sent_at
    )


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _send(
    model: type[Model],
    pk: int,
    *,
    load: Callable,
    build: Callable,
    skip_reason: Callable,
    connection,
) -> str:
    """Claim, build, send and record one message; raises ``SendFailed`` when it should be
    retried. Returns the final status, or "" when someone else has the record."""
    now = timezone.now()
    if not _claim(model, pk, now):
        return ""
    record = load(pk)
    reason = skip_reason(record)
    if reason:
        _finish(model, pk, DeliveryStatus.SKIPPED, error=reason)
        return DeliveryStatus.SKIPPED
    try:
        message = build(record)
        connection.send_messages([message])
    except Exception as error:
        # Urgent messages (a red flag, its escalation) are retried until sent, never given up.
        urgent = getattr(record, "kind", None) in URGENT_KINDS
        gave_up = not urgent and record.attempts >= settings.REMINDER_MAX_ATTEMPTS
        status = DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING
        _finish(model, pk, status, error=_describe(error))
        logger.warning(
            "reminders: sending %s %s failed on attempt %d (%s)%s",
            model._meta.model_name,
            pk,
            record.attempts,
            type(error).__name__,
            "; giving up" if gave_up else "; will retry",
        )
        if gave_up:
            return DeliveryStatus.FAILED
        raise SendFailed(pk, record.attempts, urgent=urgent) from error
    _finish(model, pk, DeliveryStatus.SENT, sent_at=timezone.now())
    return DeliveryStatus.SENT


def _load_delivery(pk: int) -> Delivery:
    return Delivery.objects.select_related("patient__user", "patient__therapist", "alert").get(
        pk=pk
    )


def _delivery_skip_reason(delivery: Delivery) -> str:
    """Things that changed since the record was written."""
    patient = delivery.patient
    if delivery.alert is not None and delivery.alert.acknowledged_at is not None:
        return "the alert was acknowledged meanwhile"
    if delivery.kind == ReminderKind.ESCALATION:
        return "" if emails.practice_admin_emails() else "no practice admin with an e-mail address"
    if delivery.kind in (ReminderKind.RED_FLAG, ReminderKind.ALERT):
        if not patient.therapist.is_active:
            return "the therapist's account is deactivated"
        return "" if patient.therapist.email else "the therapist has no e-mail address"
    if patient.reminder_opt_out:
        return "reminders switched off"
    if delivery.kind in TRAINING_KINDS and not (
        Assignment.objects.filter(patient=patient, status=AssignmentStatus.ACTIVE).exists()
    ):
        return "the programme is not active (paused, stopped after a red flag, or completed)"
    if not patient.user.email or not patient.user.is_active:
        return "no e-mail address"
    if delivery.kind in (ReminderKind.SESSION, ReminderKind.EVENING) and (
        SessionLog.objects.filter(patient=patient, local_date__gte=delivery.day).exists()
    ):
        return "the session was logged meanwhile"
    if delivery.kind == ReminderKind.NEXT_DAY and (
        SessionLog.objects.filter(
            pk=delivery.details.get("session"), next_day_check__isnull=False
        ).exists()
    ):
        return "answered meanwhile"
    if delivery.kind == ReminderKind.QUESTIONNAIRE and not emails.due_questionnaire_titles(
        delivery
    ):
        return "no questionnaire due"
    return ""


def delivery_send(*, delivery_id: int, connection=None) -> str:
    return _send(
        Delivery,
        delivery_id,
        load=_load_delivery,
        build=emails.delivery_message,
        skip_reason=_delivery_skip_reason,
        connection=connection or mailers.default,
    )


def _load_digest(pk: int) -> Digest:
    return Digest.objects.select_related("therapist").get(pk=pk)


def _digest_skip_reason(digest: Digest) -> str:
    therapist = digest.therapist
    return "" if therapist.is_active and therapist.email else "no active therapist e-mail"


def digest_send(*, digest_id: int, connection=None) -> str:
    return _send(
        Digest,
        digest_id,
        load=_load_digest,
        build=emails.digest_message,
        skip_reason=_digest_skip_reason,
        connection=connection or mailers.default,
    )


def deliveries_send(*, delivery_ids: Sequence[int]) -> list[SendFailed]:
    """Send several records over one mail connection; returns the failures to retry."""
    return _send_many(delivery_send, "delivery_id", delivery_ids)


def digests_send(*, digest_ids: Sequence[int]) -> list[SendFailed]:
    return _send_many(digest_send, "digest_id", digest_ids)


def _send_many(send: Callable, argument: str, ids: Sequence[int]) -> list[SendFailed]:
    retry = []
    with ExitStack() as stack:
        connection = mailers.default
        try:
            stack.enter_context(connection)
        except Exception as error:  # each send below opens it again and records its failure
            logger.warning("reminders: mail server unreachable (%s)", type(error).__name__)
        for pk in ids:
            try:
                send(**{argument: pk}, connection=connection)
            except SendFailed as failure:
                retry.append(failure)
    return retry


@transaction.atomic
def deliveries_retry(*, deliveries) -> int:
    """Admin action: failed records become pending again (with fresh attempts) and are
    enqueued after commit. Records that may have been sent (``unknown``, or failed as
    "interrupted" before that status existed) are left alone."""
    queryset = deliveries.filter(status=DeliveryStatus.FAILED).exclude(
        error__startswith="interrupted"
    )
    ids = list(queryset.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempts=0, error="", updated_at=timezone.now()
    )
    transaction.on_commit(lambda: enqueue_deliveries(ids))
    return len(ids)


# --- Calendar feed keys ------------------------------------------------------------------------


@transaction.atomic
def calendar_token_rotate(*, patient: Patient) -> str:
    """A new secret feed key; the old URL stops working at once."""
    patient.calendar_token = secrets.token_urlsafe(32)
    patient.save(update_fields=["calendar_token"])
    return patient.calendar_token


@transaction.atomic
def calendar_token_revoke(*, patient: Patient) -> None:
    patient.calendar_token = None
    patient.save(update_fields=["calendar_token"])


def calendar_url(patient: Patient) -> str | None:
    """The patient's secret iCalendar feed, or None while they have none."""
    if not patient.calendar_token:
        return None
    return settings.SITE_URL + reverse("reminders:calendar", args=[patient.calendar_token])
