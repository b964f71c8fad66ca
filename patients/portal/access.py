"""Who may open the portal: logged-in patients. Staff belong in the admin."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils import timezone

from patients import rules
from patients.models import Patient
from privacy.services import consent_required
from privacy.views import redirect_to_consent


def patient_required(view):
    """Anonymous → login; staff → the admin; a login without a patient profile → a clear page;
    a patient without consent to the current text → the consent page (``privacy``).
    Sets ``request.patient``, the only way a portal view reaches patient data."""

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
        if consent_required(request.patient):
            # Nothing else until the patient agrees to the consent text in force.
            return redirect_to_consent(request)
        # Times on portal pages are the patient's own clock.
        with timezone.override(request.patient.time_zone):
            return view(request, *args, **kwargs)

    return wrapper


def patient_today(patient: Patient):
    """Today in the patient's own calendar (docs/product.md: days are the patient's days)."""
    return rules.local_day(timezone.now(), patient.time_zone)
