"""Push devices: a patient registers the browsers and phones that receive their push reminders,
and removes them; a device the push service no longer knows is deleted when a send finds out
(README "Push reminders (Web Push)")."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from patients import services as patient_services
from patients.models import Patient
from patients.selectors import push_configured
from reminders import push
from reminders.models import PushSubscription


def _validate(*, endpoint: str, p256dh: str, auth: str) -> None:
    if not push_configured():
        raise ValidationError({"endpoint": _("Push reminders are not available on this server.")})
    errors = {
        field: problem
        for field, problem in (
            ("endpoint", push.endpoint_problem(endpoint)),
            ("p256dh", push.key_problem(p256dh, size=push.P256DH_BYTES, point=True)),
            ("auth", push.key_problem(auth, size=push.AUTH_BYTES)),
        )
        if problem
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def push_subscription_save(
    *,
    patient: Patient,
    endpoint: str,
    p256dh: str,
    auth: str,
    expires_at: datetime | None = None,
) -> tuple[PushSubscription, bool]:
    """Register a device for the patient, or update it: an endpoint exists once, so the same
    subscription sent again (a page load, a renewed key) changes the stored one, and one sent
    from another login on a shared phone moves to that patient. Returns (device, created).

    Registering a device is the patient asking for push reminders, so it switches the push
    channel on (e-mail stays as it was; the profile can turn either off)."""
    _validate(endpoint=endpoint, p256dh=p256dh, auth=auth)
    subscription, created = PushSubscription.objects.select_for_update().update_or_create(
        endpoint=endpoint,
        defaults={"patient": patient, "p256dh": p256dh, "auth": auth, "expires_at": expires_at},
    )
    if not patient.remind_by_push:
        patient_services.patient_profile_update(patient=patient, remind_by_push=True)
    return subscription, created


@transaction.atomic
def push_subscription_delete(*, subscription: PushSubscription) -> None:
    """The patient removes a device: it gets no more pushes. The push channel stays chosen (a
    device registered later receives them)."""
    subscription.delete()


@transaction.atomic
def push_subscriptions_forget(*, ids: Iterable[int]) -> int:
    """Devices the push service answered 404/410 for: the browser unsubscribed or the
    subscription expired; sending there again is pointless."""
    deleted, _rows = PushSubscription.objects.filter(pk__in=list(ids)).delete()
    return deleted
