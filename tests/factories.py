"""The one place tests build their people and records (factory-boy).

Users and therapists are plain model factories (therapists are staff in the "Therapeut" group,
as the practice admin sets them up); patients, screenings, assignments and sessions go through
the services, as the admin, the portal and the API make them, so a test never holds data the app
could not have written. The conftest fixtures of each test folder are thin wrappers over these.
"""

from datetime import date, datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from patients import services
from patients.models import Assignment, Patient, SessionLog
from programs.models import Exercise, Program

PASSWORD = "correct horse battery staple"
THERAPIST_GROUP = "Therapeut"


class UserFactory(DjangoModelFactory):
    """A user; ``password=None`` (the default) leaves the password unusable."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda number: f"user{number}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = ""
    last_name = ""

    @classmethod
    def _create(cls, model_class, *args, password=None, **fields):
        return model_class.objects.create_user(*args, password=password, **fields)


class TherapistFactory(UserFactory):
    """A staff user in the Therapeut group (its permissions come from the migration that
    creates it; the group is made again after a flush that lost it)."""

    username = factory.Sequence(lambda number: f"therapist{number}")
    is_staff = True

    @factory.post_generation
    def in_therapist_group(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get_or_create(name=THERAPIST_GROUP)[0])


class PatientFactory(factory.Factory):
    """A patient made by ``services.patient_create`` (consent at intake, audit entry), by their
    therapist; ``password`` sets one they can log in with. Other keywords are profile fields."""

    class Meta:
        model = Patient

    therapist = factory.SubFactory(TherapistFactory)
    username = factory.Sequence(lambda number: f"patient{number}")
    email = factory.LazyAttribute(lambda patient: f"{patient.username}@example.org")
    first_name = factory.LazyAttribute(lambda patient: patient.username.capitalize())
    last_name = "Muster"
    password = None

    @classmethod
    def _create(cls, model_class, *, therapist, password, **fields):
        patient = services.patient_create(therapist=therapist, created_by=therapist, **fields)
        if password:
            patient.user.set_password(password)
            patient.user.save(update_fields=["password"])
        return patient


def master() -> Program:
    return Program.objects.get(slug="master")


def screen(patient: Patient, *, signs=(), by=None, **fields):
    """A red-flag screening recorded by the service (no signs: cleared for training)."""
    return services.screening_record(
        patient=patient, screened_by=by or patient.therapist, signs=list(signs), **fields
    )


def assign(
    patient: Patient,
    *,
    phase: int = 1,
    start_date: date | None = None,
    days_ago: int | None = None,
    program: Program | None = None,
    screened: bool = True,
    reason: str = "test",
) -> Assignment:
    """The MASTER programme (or ``program``) through the services: the screening it needs first
    (unless ``screened=False``: the patient has one), then moved on to ``phase``."""
    therapist = patient.therapist
    if screened:
        screen(patient)
    if days_ago is not None:
        start_date = timezone.localdate() - timedelta(days=days_ago)
    assignment = services.assignment_create(
        patient=patient, program=program or master(), created_by=therapist, start_date=start_date
    )
    for _ in range(phase - 1):
        services.assignment_advance(assignment=assignment, changed_by=therapist, reason=reason)
    assignment.refresh_from_db()
    return assignment


def assigned_patient(*, phase: int = 1, start_date=None, days_ago=None, **fields) -> Patient:
    """``PatientFactory(**fields)``, screened and on the MASTER programme in ``phase``."""
    patient = PatientFactory(**fields)
    assign(patient, phase=phase, start_date=start_date, days_ago=days_ago)
    return patient


def log_session(
    patient: Patient,
    *,
    performed_at: datetime | None = None,
    days_ago: float | None = None,
    exercises=None,
    slugs=None,
    pain: int | None = None,
    sets_done: int = 2,
    reps: int | None = None,
    pain_before: int = 2,
    pain_after: int | None = 2,
    rpe: int | None = 4,
    **fields,
) -> SessionLog:
    """A session logged through ``services.session_log_create`` (flags, alerts and audit
    included): one entry per exercise of ``exercises`` (ids), of ``slugs``, or else of every
    active prescribed exercise; performed ``days_ago`` days (default: five minutes) ago."""
    if performed_at is None:
        performed_at = timezone.now() - timedelta(days=days_ago or 0, minutes=5)
    if exercises is None and slugs is not None:
        ids = dict(Exercise.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        exercises = [ids[slug] for slug in slugs]
    if exercises is None:
        exercises = (
            Assignment.objects.get(patient=patient, status="active")
            .items.filter(removed_at__isnull=True)
            .values_list("exercise_id", flat=True)
        )
    entry = {"sets_done": sets_done, "pain": pain}
    if reps is not None:
        entry["reps"] = reps
    fields = {
        "red_flag_saddle_numbness": False,
        "red_flag_bladder_bowel": False,
        "red_flag_leg_weakness": False,
        **fields,
    }
    session, _created = services.session_log_create(
        patient=patient,
        performed_at=performed_at,
        pain_before=pain_before,
        pain_after=pain_after,
        rpe=rpe,
        entries=[{"exercise": pk, **entry} for pk in exercises],
        **fields,
    )
    return session
