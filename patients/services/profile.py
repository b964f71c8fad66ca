"""The patient record: the settings a patient changes themselves (portal, ``me/profile/``) and a
therapist's changes to names, clinical fields and settings (admin, API)."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from patients import rules
from patients.models import (
    CHANNEL_FIELDS,
    CLINICAL_FIELDS,
    PATIENT_SETTINGS,
    PERSONAL_FIELDS,
    THERAPIST_SETTINGS,
    Patient,
    ReminderChannel,
)
from patients.selectors import push_configured


def _channel_fields(patient: Patient, channels: Iterable[str]) -> dict[str, bool]:
    """A list of channel names (``me/profile/``'s ``reminder_channels``) as Patient fields."""
    chosen = set(channels)
    unknown = chosen - set(ReminderChannel.values)
    if unknown:
        raise ValidationError(
            {
                "reminder_channels": _("Unknown reminder channel: %(names)s")
                % {"names": ", ".join(sorted(unknown))}
            }
        )
    return {field: channel in chosen for channel, field in CHANNEL_FIELDS.items()}


def _check_channels(patient: Patient, fields: dict[str, Any]) -> None:
    """At least one channel unless reminders are off; push only where the server can send it
    (a patient who has it on keeps it when the keys go away: nothing is lost, nothing sent)."""
    turns_push_on = fields.get("remind_by_push") and not patient.remind_by_push
    if turns_push_on and not push_configured():
        raise ValidationError(
            {"reminder_channels": _("Push reminders are not available on this server.")}
        )
    problem = rules.reminder_channels_problem(
        email=fields.get("remind_by_email", patient.remind_by_email),
        push=fields.get("remind_by_push", patient.remind_by_push),
        opt_out=fields.get("reminder_opt_out", patient.reminder_opt_out),
    )
    if problem:
        raise ValidationError({"reminder_channels": problem})


@transaction.atomic
def patient_profile_update(
    *,
    patient: Patient,
    email: str | None = None,
    reminder_channels: Iterable[str] | None = None,
    **fields: Any,
) -> Patient:
    """The settings a patient may change themselves (portal profile, ``me/profile/``). Clinical
    fields such as the pain limit stay with the therapist. An e-mail address can log in, so it
    must not belong to another account. ``reminder_channels`` (names) sets the channel fields
    at once; at least one must stay chosen unless reminders are switched off."""
    unknown = set(fields) - set(PATIENT_SETTINGS)
    if unknown:
        raise ValidationError(
            {field: _("This setting cannot be changed here.") for field in unknown}
        )
    if reminder_channels is not None:
        fields.update(_channel_fields(patient, reminder_channels))
    if {"reminder_opt_out", *CHANNEL_FIELDS.values()} & set(fields):
        _check_channels(patient, fields)
    user = patient.user
    if email is not None and email.strip().lower() != user.email.lower():
        email = email.strip()
        taken = (
            get_user_model()
            ._default_manager.filter(email__iexact=email)
            .exclude(pk=user.pk)
            .exists()
        )
        if taken:
            raise ValidationError({"email": _("Another account uses this e-mail address.")})
        user.email = email
        user.full_clean(exclude=["password"])
        user.save(update_fields=["email"])
    for field, value in fields.items():
        setattr(patient, field, value)
    if fields:
        patient.full_clean(exclude=["user", "therapist"])
        patient.save(update_fields=list(fields))
    return patient


def ensure_may_name_therapist(
    *, by: User | None, therapist: User | None, current_id: int | None
) -> None:
    """Only the practice admin hands a patient to another therapist; a therapist's patients are
    their own (docs/security.md). ``by`` None is the system itself (a management command)."""
    if therapist is None or getattr(therapist, "pk", therapist) == current_id:
        return
    if by is not None and not by.is_superuser:
        raise ValidationError(
            {"therapist": _("Only the practice admin can assign another therapist.")}
        )


@transaction.atomic
def patient_update(
    *,
    patient: Patient,
    changed_by: User,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    therapist: User | None = None,
    **fields: Any,
) -> Patient:
    """A therapist's changes to a patient, the one write path of the admin's change form and
    the API's ``PATCH patients/{id}/``: names, clinical fields, quiet hours and the patient's
    own settings. Only the practice admin hands the patient to another therapist. Consent is
    not changed here: the patient's consent flow writes it with its record
    (``privacy.services``)."""
    if therapist is not None:
        stored = (
            Patient.objects.select_for_update()
            .filter(pk=patient.pk)
            .values_list("therapist_id", flat=True)
            .get()
        )
        ensure_may_name_therapist(by=changed_by, therapist=therapist, current_id=stored)
        if getattr(therapist, "pk", therapist) == stored:
            therapist = None
    settings_fields = {name: fields.pop(name) for name in list(fields) if name in PATIENT_SETTINGS}
    unknown = set(fields) - {*PERSONAL_FIELDS, *CLINICAL_FIELDS, *THERAPIST_SETTINGS}
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in unknown})
    patient_profile_update(patient=patient, email=email, **settings_fields)
    user = patient.user
    names = {
        name: value
        for name, value in (("first_name", first_name), ("last_name", last_name))
        if value is not None
    }
    if names:
        for name, value in names.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"], validate_unique=False)
        user.save(update_fields=list(names))
    if therapist is not None:
        fields["therapist"] = therapist
    for name, value in fields.items():
        setattr(patient, name, value)
    if fields:
        patient.full_clean(exclude=["user"], validate_unique=False)
        patient.save(update_fields=list(fields))
    return patient
