"""Retention: patients without activity for RETENTION_DAYS are erased, old delivery records and
dead tokens dropped — by the command (with --dry-run) and by the beat task."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from patients import services as patient_services
from patients.models import Patient
from privacy import selectors, services, tasks
from reminders.models import Delivery, ReminderKind
from tests.privacy.conftest import make_marked_patient
from tokens.models import ApiToken
from tokens.services import token_create

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(days=3650 + 30)


def age(patient: Patient, by: timedelta) -> Patient:
    """Move everything the patient did ``by`` into the past."""
    then = timezone.now() - by
    Patient.objects.filter(pk=patient.pk).update(created_at=then)
    get_user_model().objects.filter(pk=patient.user_id).update(last_login=then, date_joined=then)
    patient.sessions.update(performed_at=then, created_at=then)
    patient.assignments.update(created_at=then)
    patient.questionnaire_responses.update(submitted_at=then)
    patient.habit_checks.update(day=then.date())
    ApiToken.objects.filter(user_id=patient.user_id).update(created_at=then, expires_at=then)
    from patients.models import NextDayCheck, PhaseChange

    NextDayCheck.objects.filter(session__patient=patient).update(answered_at=then)
    PhaseChange.objects.filter(assignment__patient=patient).update(changed_at=then)
    return patient


@pytest.fixture
def dormant(therapist):
    return age(make_marked_patient(therapist, "D", sessions=2).patient, LONG_AGO)


@pytest.fixture
def returning(therapist):
    """Old, but logged a session last week."""
    patient = age(make_marked_patient(therapist, "R", sessions=2).patient, LONG_AGO)
    patient.sessions.filter(pk=patient.sessions.order_by("pk").first().pk).update(
        performed_at=timezone.now() - timedelta(days=7)
    )
    return patient


@pytest.fixture
def recent(therapist):
    return patient_services.patient_create(
        username="neu",
        email="neu@example.org",
        first_name="Nele",
        last_name="Neu",
        therapist=therapist,
        created_by=therapist,
    )


@pytest.mark.parametrize("kind", ["session", "login", "questionnaire", "token"])
def test_any_recent_activity_keeps_a_patient(therapist, kind):
    patient = age(make_marked_patient(therapist, "K", sessions=1).patient, LONG_AGO)
    now = timezone.now()
    if kind == "session":
        patient.sessions.update(created_at=now)
    elif kind == "login":
        get_user_model().objects.filter(pk=patient.user_id).update(last_login=now)
    elif kind == "questionnaire":
        patient.questionnaire_responses.update(submitted_at=now)
    else:
        token_create(user=patient.user)

    cutoff = now - timedelta(days=3650)
    assert not selectors.patients_past_retention(cutoff=cutoff).filter(pk=patient.pk).exists()


def test_the_selection_is_one_query(dormant, returning, recent, django_assert_num_queries):
    cutoff = timezone.now() - timedelta(days=3650)

    with django_assert_num_queries(1):
        ids = list(selectors.patients_past_retention(cutoff=cutoff).values_list("pk", flat=True))

    assert ids == [dormant.pk]


def test_the_dry_run_lists_and_changes_nothing(dormant, returning, recent):
    out = StringIO()

    call_command("apply_retention", "--dry-run", stdout=out)

    assert f"would erase patient {dormant.pk}" in out.getvalue()
    assert f"patient {returning.pk}" not in out.getvalue()
    assert "1 patient(s) would be erased" in out.getvalue()
    assert "Zwiebel" not in out.getvalue()  # ids only, no names
    assert Patient.objects.filter(pk=dormant.pk).exists()


def test_the_command_erases_the_dormant_patient_only(dormant, returning, recent):
    out, err = StringIO(), StringIO()

    call_command("apply_retention", "--verbosity", "2", stdout=out, stderr=err)

    assert not Patient.objects.filter(pk=dormant.pk).exists()
    assert Patient.objects.filter(pk__in=[returning.pk, recent.pk]).count() == 2
    assert "1 patient(s) erased" in out.getvalue()
    assert "erased 1/1 patients" in err.getvalue()


def test_zero_days_switches_erasure_off(dormant):
    out = StringIO()

    call_command("apply_retention", "--days", "0", stdout=out)

    assert Patient.objects.filter(pk=dormant.pk).exists()
    assert "switched off" in out.getvalue()


def test_a_negative_number_of_days_is_refused(dormant):
    with pytest.raises(CommandError):
        call_command("apply_retention", "--days", "-1")
    assert Patient.objects.filter(pk=dormant.pk).exists()


def test_old_delivery_records_and_dead_tokens_are_dropped(recent):
    now = timezone.now()
    old, new = (
        Delivery.objects.create(
            patient=recent,
            day=(now - timedelta(days=days)).date(),
            kind=ReminderKind.SESSION,
            batch=uuid.uuid4(),
            updated_at=now,
        )
        for days in (200, 1)
    )
    Delivery.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=200))
    dead, _token = token_create(user=recent.user)
    live, _token = token_create(user=recent.user, ttl=timedelta(days=30))
    ApiToken.objects.filter(pk=dead.pk).update(expires_at=now - timedelta(days=200))

    result = services.retention_apply(now=now, days=3650, delivery_days=90)

    assert list(Delivery.objects.values_list("pk", flat=True)) == [new.pk]
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [live.pk]
    assert (result.deliveries, result.tokens, result.erased) == (1, 1, 0)


def test_the_beat_task_runs_the_retention(dormant, recent):
    assert "privacy-retention" in settings.CELERY_BEAT_SCHEDULE

    tasks.apply_retention.apply()

    assert not Patient.objects.filter(pk=dormant.pk).exists()
    assert Patient.objects.filter(pk=recent.pk).exists()


def test_retention_days_come_from_the_settings(dormant, settings):
    settings.RETENTION_DAYS = 0

    result = services.retention_apply()

    assert result.erased == 0
    assert Patient.objects.filter(pk=dormant.pk).exists()
