"""Who may open the portal: logged-in patients. Staff belong in the admin."""

import functools
import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils import timezone

from api.base import caller_checks
from patients import rules, selectors
from patients.models import Patient


def patient_required(view=None, *, consent_exempt: bool = False):
    """Anonymous → login; staff → the admin; a login without a patient profile → a clear page;
    a patient without consent to the current text → the consent page (``privacy``'s check in
    ``PORTAL_CALLER_CHECKS``; the first check that answers wins), except on
    ``consent_exempt`` views: reporting a warning sign never waits for a consent click
    (docs/clinical-safety.md). Sets ``request.patient``, the only way a portal view reaches
    patient data."""
    if view is None:
        return functools.partial(patient_required, consent_exempt=consent_exempt)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.is_staff:
            return redirect("admin:index")
        try:
            request.patient = user.patient
        except Patient.DoesNotExist:
            return render(request, "portal/no_profile.html", status=403)
        if not consent_exempt:
            for check in caller_checks(tuple(settings.PORTAL_CALLER_CHECKS)):
                answer = check(request)
                if answer is not None:
                    return answer
        # Times on portal pages are the patient's own clock.
        with timezone.override(request.patient.time_zone):
            return view(request, *args, **kwargs)

    return wrapper


def patient_today(patient: Patient):
    """Today in the patient's own calendar (docs/product.md: days are the patient's days)."""
    return rules.local_day(timezone.now(), patient.time_zone)


def safety_state(request) -> selectors.SafetyState | None:
    """The patient's open red flags and today's high pain (``selectors.safety_state``), read at
    most once per request: the banner of every portal page and the page itself share it. None
    for anyone who is not a patient."""
    if not hasattr(request, "_portal_safety"):
        patient = request_patient(request)
        request._portal_safety = (
            selectors.safety_state(patient=patient, today=patient_today(patient))
            if patient is not None
            else None
        )
    return request._portal_safety


def day_state(request) -> selectors.DayState:
    """``selectors.day_state`` for ``/today/``: the safety state of the banner, the catalogue
    revision and today's habit ticks in one query; the banner then reads the safety state from
    here instead of asking again."""
    patient = request.patient
    state = selectors.day_state(patient=patient, today=patient_today(patient))
    request._portal_safety = state.safety
    return state


def request_patient(request) -> Patient | None:
    """The logged-in patient, also on pages outside ``patient_required`` (profile, consent)."""
    patient = getattr(request, "patient", None)
    if patient is not None:
        return patient
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff:
        return None
    try:
        return user.patient
    except Patient.DoesNotExist:
        return None


def practice_contact() -> dict:
    """The practice's name and phone for the footer and the urgent advice. The phone may be
    empty (then the pages say "your practice" and still give 112)."""
    phone = (settings.PRACTICE_PHONE or "").strip()
    return {
        "name": settings.PRACTICE_NAME,
        "phone": phone,
        "phone_href": "tel:" + re.sub(r"[^\d+]", "", phone) if phone else "",
    }
