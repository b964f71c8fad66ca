"""Writes for privacy: consent, erasure, anonymisation and retention. Each service is one
transaction; permissions are the entry points' job (the admin lets only the practice admin erase
or anonymise, the portal and the API let a patient give or withdraw only their own consent).

What counts as personal data here (docs/security.md, "Privacy"):

- identity: the login's username, first and last name, e-mail, password, last login, date of
  birth; the secret calendar feed key; API tokens and browser sessions;
- free text anyone wrote about or for the patient: diagnosis, relevant conditions, screening notes,
  red-flag notes and clearances, session notes, reasons for skipping an exercise, next-day check
  and symptom report notes, reasons for phase changes, notes on calls about an alert;
- traces of the login elsewhere: login-failure records (django-axes), second-factor devices,
  admin history entries that name the patient, reminder delivery records, push devices.

Clinical numbers — pain, effort, sets and repetitions, loads, flags, phases and dates of sessions,
prescriptions, questionnaire answers and scores, habit ticks, alerts — are kept by anonymisation
for the practice's aggregate statistics; without the identity above they no longer point to a
person. Erasure removes them too.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import (
    Alert,
    ExerciseEntry,
    NextDayCheck,
    Patient,
    PhaseChange,
    RedFlag,
    Screening,
    SessionLog,
    SymptomReport,
)
from privacy import rules, selectors
from privacy.models import ConsentAction, ConsentRecord, ConsentSource
from reminders.models import Delivery, Digest, PushSubscription, ReminderRun
from tokens.models import ApiToken

logger = logging.getLogger(__name__)

PSEUDONYM_PREFIX = "anon-"


# --- consent ---------------------------------------------------------------------------------


def consent_current_version() -> str:
    version: str = settings.CONSENT_VERSION
    return version


def consent_required(patient: Patient) -> bool:
    return rules.consent_required(
        consent_at=patient.consent_at,
        consent_version=patient.consent_version,
        current=consent_current_version(),
    )


@transaction.atomic
def consent_give(
    *,
    patient: Patient,
    by: User | None,
    source: str,
    version: str | None = None,
    at: datetime | None = None,
) -> ConsentRecord:
    """Record consent to ``version`` (the text in force unless a therapist records an earlier
    paper form at intake) and make it the profile's current consent."""
    version = (version or consent_current_version()).strip()
    if not version:
        raise ValidationError({"version": _("Name the version of the consent text.")})
    at = at or timezone.now()
    patient.consent_at, patient.consent_version = at, version
    patient.save(update_fields=["consent_at", "consent_version"])
    return ConsentRecord.objects.create(
        patient=patient,
        action=ConsentAction.GIVEN,
        version=version,
        source=source,
        recorded_at=at,
        recorded_by=by,
    )


def consent_at_intake(*, patient: Patient, by: User | None) -> ConsentRecord:
    """``PATIENT_HOOKS["patient_created"]``: the consent the practice takes at intake, with the
    version the therapist gave on the profile, or the one in force, so the portal asks again
    only when the text changes. Runs in the transaction that creates the patient."""
    return consent_give(
        patient=patient,
        by=by,
        source=ConsentSource.INTAKE,
        version=patient.consent_version or None,
        at=patient.consent_at,
    )


@transaction.atomic
def consent_withdraw(*, patient: Patient, by: User | None, source: str) -> ConsentRecord:
    """Withdraw consent (GDPR Art. 7(3)). The portal and the API then ask for it again before
    anything else; the data stays until the practice erases it, and the patient can still
    download it."""
    version = patient.consent_version or consent_current_version()
    patient.consent_at, patient.consent_version = None, ""
    patient.save(update_fields=["consent_at", "consent_version"])
    return ConsentRecord.objects.create(
        patient=patient,
        action=ConsentAction.WITHDRAWN,
        version=version,
        source=source,
        recorded_at=timezone.now(),
        recorded_by=by,
    )


# --- erasure and anonymisation --------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What identifies the patient's login, collected before it is changed or deleted."""

    user_id: int
    patient_id: int
    texts: tuple[str, ...]  # username, e-mail, full name: searched for in free-text traces


def _identity(patient: Patient) -> Identity:
    user = patient.user
    texts = {user.username, user.email, user.get_full_name().strip()}
    # Too short a text would match unrelated rows (a one-letter name).
    return Identity(
        user_id=user.pk,
        patient_id=patient.pk,
        texts=tuple(sorted(text for text in texts if len(text) >= 3)),
    )


def _forget_browser_sessions(user_ids: set[int]) -> int:
    """Delete the database sessions of these logins. Session data is encoded, so each one is
    decoded; expired sessions are cleared first, which keeps the scan short."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    if not hasattr(store, "get_model_class"):
        return 0  # cache or cookie sessions: nothing in the database
    store.clear_expired()
    wanted = {str(user_id) for user_id in user_ids}
    doomed = [
        session.session_key
        for session in store.get_model_class().objects.iterator(chunk_size=2000)
        if str(session.get_decoded().get("_auth_user_id")) in wanted
    ]
    for key in doomed:
        store(session_key=key).delete()  # also drops a cached copy (cached_db)
    return len(doomed)


def _forget_login_traces(identity: Identity) -> None:
    """Tokens, sessions, login-failure records, second-factor devices and admin history entries
    that name the patient. Optional apps (axes, django-otp) are handled when installed."""
    ApiToken.objects.filter(user_id=identity.user_id).delete()
    _forget_browser_sessions({identity.user_id})
    if apps.is_installed("axes"):
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        by_name = Q()
        for text in identity.texts:
            by_name |= Q(username__iexact=text)
        if by_name:
            for model in (AccessAttempt, AccessFailureLog, AccessLog):
                model.objects.filter(by_name).delete()
    if apps.is_installed("django_otp"):
        from django_otp import devices_for_user

        user = get_user_model()(pk=identity.user_id)
        for device in devices_for_user(user, confirmed=None):
            device.delete()
    _forget_admin_history(identity)


def _forget_admin_history(identity: Identity) -> int:
    types = ContentType.objects.get_for_models(Patient, get_user_model())
    about = Q(content_type=types[Patient], object_id=str(identity.patient_id)) | Q(
        content_type=types[get_user_model()], object_id=str(identity.user_id)
    )
    for text in identity.texts:
        about |= Q(object_repr__icontains=text) | Q(change_message__icontains=text)
    deleted, _rows = LogEntry.objects.filter(about).delete()
    return deleted


def _locked(patient: Patient) -> Patient:
    patient = (
        Patient.objects.select_related("user").select_for_update(of=("self",)).get(pk=patient.pk)
    )
    if patient.user.is_staff or patient.user.is_superuser:
        raise ValidationError(
            _("This login belongs to staff; remove its patient profile by hand instead.")
        )
    return patient


@transaction.atomic
def patient_erase(*, patient: Patient, by: User | None) -> int:
    """Delete the patient, their login and everything about them (GDPR Art. 17). Returns the
    number of rows deleted. ``by`` is the practice admin, or None for the retention run; the
    entry point records who erased whom (by id only)."""
    patient = _locked(patient)
    identity = _identity(patient)
    _forget_login_traces(identity)
    deleted, _rows = patient.user.delete()  # cascades to the profile and all its records
    logger.info(
        "patient %s erased by %s (%d rows)",
        identity.patient_id,
        getattr(by, "pk", "retention"),
        deleted,
    )
    return deleted


@transaction.atomic
def patient_anonymise(*, patient: Patient, by: User | None) -> Patient:
    """Remove everything that identifies the patient and keep the clinical numbers for the
    practice's statistics (the module docstring lists which is which). The login keeps existing
    under a random pseudonym, inactive and without a password, so the kept rows stay linked."""
    patient = _locked(patient)
    identity = _identity(patient)
    _forget_login_traces(identity)

    user = patient.user
    user.username = PSEUDONYM_PREFIX + secrets.token_hex(6)
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.is_active = False
    user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()

    patient.date_of_birth = None
    patient.diagnosis = patient.relevant_conditions = ""
    patient.calendar_token = None  # the feed URL stops working
    patient.reminder_opt_out = True
    patient.habit_reminders = False
    patient.save(
        update_fields=[
            "date_of_birth",
            "diagnosis",
            "relevant_conditions",
            "calendar_token",
            "reminder_opt_out",
            "habit_reminders",
        ]
    )
    Screening.objects.filter(patient=patient).delete()
    RedFlag.objects.filter(patient=patient).delete()
    Delivery.objects.filter(patient=patient).delete()
    PushSubscription.objects.filter(patient=patient).delete()
    SessionLog.objects.filter(patient=patient).update(
        notes="", idempotency_key=None, request_hash=""
    )
    ExerciseEntry.objects.filter(session__patient=patient).update(skip_reason="")
    NextDayCheck.objects.filter(session__patient=patient).update(notes="")
    SymptomReport.objects.filter(patient=patient).update(notes="")
    Alert.objects.filter(patient=patient).update(call_back_note="")
    PhaseChange.objects.filter(assignment__patient=patient).update(reason="")
    logger.info("patient %s anonymised by %s", patient.pk, getattr(by, "pk", None))
    return patient


def is_anonymised(patient: Patient) -> bool:
    return patient.user.username.startswith(PSEUDONYM_PREFIX) and not patient.user.is_active


# --- retention -------------------------------------------------------------------------------


@dataclass
class RetentionResult:
    patients: list[int]
    erased: int = 0
    deliveries: int = 0
    digests: int = 0
    runs: int = 0
    tokens: int = 0


def housekeeping(*, now: datetime, days: int, dry_run: bool = False) -> dict[str, int]:
    """Reminder delivery records, digests and reminder runs older than ``days``, and API tokens
    that expired or were revoked more than ``days`` ago: kept only as long as they serve the
    at-most-once delivery and the admin's troubleshooting. ``days`` 0 keeps everything."""
    if days <= 0:
        return {"deliveries": 0, "digests": 0, "runs": 0, "tokens": 0}
    cutoff = now - timedelta(days=days)
    querysets = {
        "deliveries": Delivery.objects.filter(created_at__lt=cutoff),
        "digests": Digest.objects.filter(created_at__lt=cutoff),
        "runs": ReminderRun.objects.filter(window_end__lt=cutoff),
        "tokens": ApiToken.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)),
    }
    if dry_run:
        return {name: queryset.count() for name, queryset in querysets.items()}
    counts = {}
    with transaction.atomic():
        for name, queryset in querysets.items():
            counts[name] = queryset.delete()[0]
    return counts


def retention_apply(
    *,
    now: datetime | None = None,
    days: int | None = None,
    delivery_days: int | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RetentionResult:
    """Erase the patients past the retention period (each in its own transaction, so a long
    run can be interrupted without losing what is done) and drop old housekeeping rows."""
    now = now or timezone.now()
    days = settings.RETENTION_DAYS if days is None else days
    delivery_days = settings.RETENTION_DELIVERY_DAYS if delivery_days is None else delivery_days
    cutoff = rules.retention_cutoff(now=now, days=days)
    ids = (
        []
        if cutoff is None
        else list(selectors.patients_past_retention(cutoff=cutoff).values_list("pk", flat=True))
    )
    result = RetentionResult(patients=ids)
    if not dry_run:
        for done, patient_id in enumerate(ids, start=1):
            patient = Patient.objects.filter(pk=patient_id).first()
            if patient is not None:
                patient_erase(patient=patient, by=None)
                result.erased += 1
            if progress is not None:
                progress(done, len(ids))
    counts = housekeeping(now=now, days=delivery_days, dry_run=dry_run)
    result.deliveries, result.digests = counts["deliveries"], counts["digests"]
    result.runs, result.tokens = counts["runs"], counts["tokens"]
    return result
