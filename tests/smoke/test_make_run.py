"""The main flows on SQLite without Redis, as `make run` has them (scripts/run.sh): the migrations
from an empty database, the demo data, a patient's login and today page, a session logged through
the API and the therapist's page of the patient in the admin."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from patients import selectors
from patients.models import Assignment, Patient, SessionLog
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"


@pytest.fixture
def demo(db):
    call_command(
        "seed_demo", therapists=1, patients=2, weeks=1, seed=1, password=PASSWORD,
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    return Patient.objects.select_related("user", "therapist").order_by("user__username").first()


def test_the_database_is_sqlite_migrated_from_zero_with_nothing_left_to_apply():
    executor = MigrationExecutor(connection)

    assert connection.vendor == "sqlite"
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    applied = executor.recorder.applied_migrations()
    assert {app for app, _name in applied} >= {"patients", "programs", "reminders", "audit"}
    assert len(applied) == len(executor.loader.disk_migrations)


def test_a_patient_logs_in_sees_today_and_logs_a_session_through_the_api(client, demo):
    login = client.post(
        reverse("login"),
        {"username": demo.user.username, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert login.status_code == 302
    today = client.get(reverse("portal:today"), HTTP_ACCEPT_LANGUAGE="en")
    assert today.status_code == 200
    exercises = Assignment.objects.get(patient=demo, status="active").items.select_related(
        "exercise"
    )
    assert exercises
    page = today.content.decode()
    shown = [item for item in exercises if escape(item.exercise.name_de) in page]
    assert shown, page  # the patient's language is German

    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    token = api.post(
        "/api/v1/auth/token/",
        {"username": demo.user.username, "password": PASSWORD},
        format="json",
    )
    assert token.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    before = SessionLog.objects.filter(patient=demo).count()
    created = api.post(
        "/api/v1/sessions/",
        {
            "patient": demo.pk,
            "performed_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
            "pain_before": 2,
            "pain_after": 3,
            "rpe": 5,
            "red_flag_saddle_numbness": False,
            "red_flag_bladder_bowel": False,
            "red_flag_leg_weakness": False,
            "entries": [
                {"exercise": item.exercise_id, "sets_done": 2, "reps": 10} for item in exercises
            ],
        },
        format="json",
    )

    assert created.status_code == 201, created.content
    assert created.json()["pain_after"] == 3
    assert SessionLog.objects.filter(patient=demo).count() == before + 1
    assert SessionLog.objects.get(pk=created.json()["id"]).entries.count() == len(exercises)

    # The hot reads (plain values, the catalogue snapshot) answer on SQLite too.
    plan = api.get("/api/v1/me/today/")
    assert plan.status_code == 200, plan.content
    assert plan.json()["status"] == "active"
    listed = api.get("/api/v1/sessions/")
    assert listed.status_code == 200, listed.content
    assert listed.json()["results"][0]["id"] == created.json()["id"]
    assert len(listed.json()["results"][0]["entries"]) == len(exercises)
    # A retry under an Idempotency-Key (the compiled context query with the key) answers the
    # first session again.
    body = {
        "performed_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "pain_before": 1,
        "pain_after": 1,
        "rpe": 3,
        "red_flag_saddle_numbness": False,
        "red_flag_bladder_bowel": False,
        "red_flag_leg_weakness": False,
        "entries": [{"exercise": exercises[0].exercise_id, "sets_done": 1, "reps": 8}],
    }
    first = api.post("/api/v1/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="smoke-1")
    again = api.post("/api/v1/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="smoke-1")
    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_the_therapist_opens_the_patients_page_in_the_admin(client, demo):
    therapist = get_user_model().objects.get(pk=demo.therapist.pk)
    login_verified(client, therapist)

    page = client.get(
        reverse("admin:patients_patient_change", args=[demo.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert page.status_code == 200
    assert demo.user.last_name in page.content.decode()
    assert demo.user.first_name in page.content.decode()


def test_the_therapist_starts_on_the_start_page(client, demo):
    therapist = get_user_model().objects.get(pk=demo.therapist.pk)
    login_verified(client, therapist)

    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="today-red-flags"' in page
    assert 'id="today-ready"' in page
    assert 'id="alert-badge"' in page


def test_the_therapist_lists_the_patients_with_adherence_on_sqlite(client, demo):
    """The patient list's one query (adherence counted in SQL) works on SQLite too."""
    therapist = get_user_model().objects.get(pk=demo.therapist.pk)
    login_verified(client, therapist)

    page = client.get(reverse("admin:patients_patient_changelist"), {"all": ""})

    assert page.status_code == 200
    shown = {patient.pk: patient.adherence_14d for patient in page.context["cl"].result_list}
    expected = selectors.adherence_for_patients(list(shown), today=timezone.localdate())
    assert expected and {pk: shown[pk] for pk in expected} == expected
