"""Intake: a new patient's login, profile and the consent the practice takes at intake."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from patients.hooks import hook
from patients.models import Patient
from patients.services.profile import ensure_may_name_therapist


@transaction.atomic
def patient_create(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    therapist: User | None,
    created_by: User | None,
    **profile_fields: Any,
) -> Patient:
    """A login without a usable password (the invitation sets one) and its patient profile.
    The practice takes the patient's consent at intake: it is recorded with the version the
    therapist gives, or the current one, so the portal asks again only when the text changes.
    A therapist creates patients of their own; only the practice admin names another
    therapist."""
    ensure_may_name_therapist(
        by=created_by, therapist=therapist, current_id=getattr(created_by, "pk", None)
    )
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = user_model(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    patient = Patient(user=user, therapist=therapist, **profile_fields)
    patient.full_clean()
    patient.save()
    # privacy records the consent (PATIENT_HOOKS "patient_created"), in this transaction.
    hook("patient_created")(patient=patient, by=created_by)
    return patient
