"""Alerts to the therapist and their escalation (docs/operations.md "The urgent path"): one
record per alert, urgent ones retried until sent and picked up every minute (``urgent_run``)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from patients.models import Alert, FlagKind
from reminders.models import URGENT_KINDS, Delivery, DeliveryStatus, ReminderKind
from reminders.services.enqueue import enqueue_deliveries, retry_delay

# Which alert kinds e-mail the therapist, and as what: a red flag at once and until sent, the
# others the same day (ordinary retries). Any other kind waits for the admin and the digest.
ALERT_MESSAGE_KINDS: dict[str, ReminderKind] = {
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


def _reachable(therapist: User) -> bool:
    return bool(therapist.is_active and therapist.email)


def _alert_day(alert: Alert, now: datetime) -> date:
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
