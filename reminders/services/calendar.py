"""Calendar feed keys: the secret URL of a patient's iCalendar feed."""

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from patients.models import Patient


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
    path = reverse("reminders:calendar", args=[patient.calendar_token])
    return f"{settings.SITE_URL}{path}"
