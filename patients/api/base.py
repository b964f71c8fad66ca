"""The caller's patient profile and day, for the patient-data resources (the shared plumbing is
``api.base``)."""

from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from patients import rules
from patients.models import Patient


def caller_patient(user) -> Patient | None:
    """The caller's own patient profile (None for staff and for logins without one). Token
    requests have it already: the authentication fetched it with the user."""
    if not user.is_authenticated or user.is_staff:
        return None
    try:
        return user.patient
    except Patient.DoesNotExist:
        return None


def patient_day(patient: Patient) -> date:
    """Today in the patient's own calendar (docs/product.md, what is due)."""
    return rules.local_day(timezone.now(), patient.time_zone)


def practice_day() -> date:
    return rules.local_day(timezone.now(), settings.TIME_ZONE)


class IsPatient(permissions.BasePermission):
    message = _("Only patients can use this; therapists work with patients/ and sessions/.")

    def has_permission(self, request, view):
        return caller_patient(request.user) is not None


def scoped_patient(request, patient: Patient | None) -> Patient:
    """The patient a write is for: a patient writes for themselves; a therapist names one of
    their patients (the serializer's field is scoped already)."""
    own = caller_patient(request.user)
    if own is not None:
        if patient is not None and patient.pk != own.pk:
            raise exceptions.ValidationError({"patient": [_("You can only write your own data.")]})
        return own
    if patient is None:
        raise exceptions.ValidationError({"patient": [_("Name the patient.")]})
    return patient
