"""Sending: a sender claims one record (``pending`` → ``sending`` in a conditional UPDATE), sends
it and records the outcome. A record left in ``sending`` by a killed worker is marked
``unknown`` by the next run, never sent again: the e-mail may have gone out."""

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from patients.models import Assignment, AssignmentStatus, SessionLog
from patients.selectors import push_configured
from reminders import emails, push
from reminders.models import (
    URGENT_KINDS,
    Delivery,
    DeliveryStatus,
    Digest,
    PushSubscription,
    ReminderKind,
)
from reminders.selectors import push_subscriptions
from reminders.services.enqueue import SendFailed, enqueue_deliveries
from reminders.services.push import push_subscriptions_forget

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
    details: dict[str, Any] | None = None,
) -> None:
    extra = {} if details is None else {"details": details}
    model.objects.filter(pk=pk, status=DeliveryStatus.SENDING).update(
        status=status, error=error[:300], updated_at=timezone.now(), sent_at=sent_at, **extra
    )


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _send[R: (Delivery, Digest)](
    model: type[R],
    pk: int,
    *,
    load: Callable[[int], R],
    deliver: Callable[[R, BaseEmailBackend], str],
    skip_reason: Callable[[R], str],
    connection: BaseEmailBackend,
) -> str:
    """Claim, send and record one message; raises ``SendFailed`` when it should be retried.
    ``deliver`` sends (raising on failure) and answers why nothing went out, or "". Returns the
    final status, or "" when someone else has the record."""
    now = timezone.now()
    if not _claim(model, pk, now):
        return ""
    record = load(pk)
    reason = skip_reason(record)
    if reason:
        _finish(model, pk, DeliveryStatus.SKIPPED, error=reason)
        return DeliveryStatus.SKIPPED
    # A reminder records each channel's outcome in its details, kept whatever happens next.
    details = getattr(record, "details", None)
    try:
        reason = deliver(record, connection)
    except Exception as error:
        # Urgent messages (a red flag, its escalation) are retried until sent, never given up.
        urgent = getattr(record, "kind", None) in URGENT_KINDS
        gave_up = not urgent and record.attempts >= settings.REMINDER_MAX_ATTEMPTS
        status = DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING
        _finish(model, pk, status, error=_describe(error), details=details)
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
    if reason:
        _finish(model, pk, DeliveryStatus.SKIPPED, error=reason, details=details)
        return DeliveryStatus.SKIPPED
    _finish(model, pk, DeliveryStatus.SENT, sent_at=timezone.now(), details=details)
    return DeliveryStatus.SENT


def _by_email(record: Delivery | Digest, connection: BaseEmailBackend) -> str:
    message = (
        emails.digest_message(record)
        if isinstance(record, Digest)
        else emails.delivery_message(record)
    )
    connection.send_messages([message])
    return ""


def _push_devices(delivery: Delivery) -> list[PushSubscription]:
    """The devices a reminder goes to by push, if it goes by push at all."""
    patient = delivery.patient
    if not (patient.remind_by_push and delivery.kind in push.PUSH_KINDS and push_configured()):
        return []
    return list(push_subscriptions(patient))


def _deliver(delivery: Delivery, connection: BaseEmailBackend) -> str:
    """A reminder goes to each channel the patient chose: e-mail as it always did, and push to
    every registered device. The outcome per channel is kept in ``details["channels"]`` and the
    devices reached in ``details["push_sent"]``, so a retry after a failure sends only what did
    not go out (at most once per channel and device; docs/operations.md, "Reminder channels").
    Messages to the therapist (alerts) go by e-mail only."""
    if delivery.kind not in push.PUSH_KINDS:
        return _by_email(delivery, connection)
    patient = delivery.patient
    channels = delivery.details.setdefault("channels", {})
    failures: list[Exception] = []
    if patient.remind_by_email and channels.get("email") != DeliveryStatus.SENT:
        if patient.user.email:
            try:
                _by_email(delivery, connection)
                channels["email"] = DeliveryStatus.SENT
            except Exception as error:
                channels["email"] = DeliveryStatus.FAILED
                failures.append(error)
        else:
            channels["email"] = DeliveryStatus.SKIPPED
    devices = _push_devices(delivery)
    if devices and channels.get("push") != DeliveryStatus.SENT:
        push_failures = _push(delivery, devices)
        failures += push_failures
        sent = delivery.details.get("push_sent", [])
        channels["push"] = (
            DeliveryStatus.FAILED
            if push_failures
            else DeliveryStatus.SENT
            if sent
            else DeliveryStatus.SKIPPED
        )
    if failures:
        raise failures[0]
    if DeliveryStatus.SENT not in channels.values():
        return "no channel reached the patient (push devices expired)"
    return ""


def _push(delivery: Delivery, devices: list[PushSubscription]) -> list[Exception]:
    """Push to each device not reached yet; a device its push service no longer knows (404,
    410) is deleted. Returns the failures to retry."""
    details = delivery.details
    sent: list[int] = details.setdefault("push_sent", [])
    gone: list[int] = []
    failures: list[Exception] = []
    data = push.payload(delivery)
    for device in devices:
        if device.pk in sent:
            continue
        try:
            outcome = push.send(device, data)
        except push.PushFailed as error:
            failures.append(error)
            continue
        if outcome == push.Outcome.GONE:
            gone.append(device.pk)
        else:
            sent.append(device.pk)
    if gone:
        push_subscriptions_forget(ids=gone)
        details["push_gone"] = details.get("push_gone", 0) + len(gone)
    if sent:
        PushSubscription.objects.filter(pk__in=sent).update(last_sent_at=timezone.now())
    return failures


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
    if not patient.user.is_active:
        return "the account is deactivated"
    unreachable = _unreachable(delivery)
    if unreachable:
        return unreachable
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


def _unreachable(delivery: Delivery) -> str:
    """Why none of the patient's chosen channels can carry this reminder, or ""."""
    patient = delivery.patient
    by_email = patient.remind_by_email and bool(patient.user.email)
    by_push = bool(_push_devices(delivery)) if patient.remind_by_push else False
    if by_email or by_push:
        return ""
    reasons = []
    if patient.remind_by_email:
        reasons.append("no e-mail address")
    if patient.remind_by_push:
        reasons.append(
            "no push device registered" if push_configured() else "push is off (no VAPID keys)"
        )
    return " and ".join(reasons) or "no reminder channel chosen"


def delivery_send(*, delivery_id: int, connection: BaseEmailBackend | None = None) -> str:
    return _send(
        Delivery,
        delivery_id,
        load=_load_delivery,
        deliver=_deliver,
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
        deliver=_by_email,
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
