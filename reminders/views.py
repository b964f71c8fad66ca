"""The calendar feed: public by secret URL, like calendar apps expect (they cannot log in)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from patients import rules as patient_rules
from patients.models import Patient
from reminders import calendar


@require_safe
def calendar_feed(request, token: str):
    """404 for an unknown or revoked key, as for any other object a visitor may not see."""
    patient = get_object_or_404(Patient, calendar_token=token, user__is_active=True)
    now = timezone.now()
    today = patient_rules.local_day(now, patient.time_zone)
    with translation.override(patient.language):
        body = calendar.feed(
            token=token,
            due_days=calendar.coming_due_days(patient=patient, today=today),
            now=now,
            language=patient.language,
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="mtt-ruecken.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
