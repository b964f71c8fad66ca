"""Sending: a sender claims one record (``pending`` → ``sending`` in a conditional UPDATE), sends
it and records the outcome. A record left in ``sending`` by a killed worker is marked
``unknown`` by the next run, never sent again: the e-mail may have gone out."""

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from patients.models import Assignment, AssignmentStatus, SessionLog
from reminders import emails
from reminders.models import URGENT_KINDS, Delivery, DeliveryStatus, Digest, ReminderKind
from reminders.services.enqueue import SendFailed, enqueue_deliveries

# One logger for the package: its lines keep the name they had in the log before the split.
logger = logging.getLogger("reminders.services")

# Reminders that only make sense while the programme runs: a stopped (red flag) or paused one
# gets none, also when the record was written before it stopped.
TRAINING_KINDS = (
    ReminderKind.SESSION,
    ReminderKind.EVENING,
    ReminderKind.HABITS,
    ReminderKind.NEXT_DAY,
)


def _claim(model: type[Delivery | Digest], pk: int, now: datetime) -> bool:
    """pending → sending, for exactly one caller."""
    return bool(
        model.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, updated_at=now
        )
    )


def _finish(
    model: type[Delivery | Digest],
    pk: int,
    status: str,
    *,
    error: str = "",
    sent_at: datetime | None = None,
) -> None:
    model.objects.filter(pk=pk, status=DeliveryStatus.SENDING).update(
        status=status, error=error[:300], updated_at=timezone.now(), sent_at=sent_at
    )


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _send[R: (Delivery, Digest)](
    model: type[R],
    pk: int,
    *,
    load: Callable[[int], R],
    build: Callable[[R], EmailMessage],
    skip_reason: Callable[[R], str],
    connection: BaseEmailBackend,
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


def delivery_send(*, delivery_id: int, connection: BaseEmailBackend | None = None) -> str:
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


def digest_send(*, digest_id: int, connection: BaseEmailBackend | None = None) -> str:
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


def _send_many(send: Callable[..., str], argument: str, ids: Sequence[int]) -> list[SendFailed]:
    retry: list[SendFailed] = []
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
def deliveries_retry(*, deliveries: QuerySet[Delivery]) -> int:
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
