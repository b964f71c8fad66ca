"""``manage.py seed_demo`` (docs/product.md, "Demo and scale data"): small runs, a few
seconds in all."""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from patients import rules
from patients.models import (
    Alert,
    Assignment,
    ExerciseEntry,
    HabitCheck,
    NextDayCheck,
    Patient,
    PhaseChange,
    PrescriptionItem,
    SessionLog,
)
from programs.models import Program
from tools.demo.management.commands import seed_demo

# The login lockout (django-axes) needs the request a password arrives with.
LOGIN_REQUEST = RequestFactory().post("/accounts/login/")

pytestmark = pytest.mark.django_db

SMALL = {"therapists": 2, "patients": 6, "weeks": 3, "seed": 1}
PASSWORD = "demo-pass-123"


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), **{**SMALL, **options})
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (Patient, Assignment, PrescriptionItem, PhaseChange, SessionLog, ExerciseEntry)
    models += (Alert, NextDayCheck, HabitCheck, get_user_model())
    return {model.__name__: model.objects.count() for model in models}


def digest(usernames=None) -> str:
    """What the data looks like, without database ids."""
    sessions = SessionLog.objects.select_related("patient__user").prefetch_related("entries")
    if usernames is not None:
        sessions = sessions.filter(patient__user__username__in=usernames)
    rows = sorted(
        (
            s.patient.user.username,
            s.local_date.isoformat(),
            s.performed_at.isoformat(),
            s.pain_before,
            s.pain_after,
            s.rpe,
            tuple(s.flag_reasons),
            tuple(sorted((e.exercise_id, e.sets_done, e.reps, e.pain) for e in s.entries.all())),
        )
        for s in sessions
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def delete_demo_users():
    users = get_user_model().objects
    users.filter(username__startswith="patient").delete()
    users.filter(username__startswith="therapist").delete()


def test_small_run_builds_a_practice_with_every_phase_and_consistent_logs():
    seed(password=PASSWORD)

    therapists = get_user_model().objects.filter(username__startswith="therapist")
    assert sorted(therapists.values_list("username", flat=True)) == ["therapist1", "therapist2"]
    for therapist in therapists:
        assert therapist.is_staff and not therapist.is_superuser
        assert therapist.groups.filter(name="Therapeut").exists()
        assert therapist.email == f"{therapist.username}@example.org"

    patients = Patient.objects.select_related("user", "therapist")
    assert sorted(p.user.username for p in patients) == [f"patient{i}" for i in range(1, 7)]
    master = Program.objects.get(slug="master")
    program_items = list(master.program_exercises.select_related("phase"))
    now = timezone.now()
    for patient in patients:
        number = int(patient.user.username.removeprefix("patient"))
        assert not patient.user.is_staff
        assert patient.user.email == f"patient{number}@example.org"
        assert patient.user.first_name and patient.user.last_name
        assert patient.therapist.username == f"therapist{(number - 1) % 2 + 1}"

        assignment = patient.assignments.get()
        phase = (number - 1) % 4 + 1
        assert assignment.program == master
        assert assignment.current_phase.number == phase
        history = list(assignment.phase_changes.order_by("changed_at"))
        if number == 5:  # reported leg weakness yesterday: stopped until clearance
            assert history.pop().kind == "stop"
            assert assignment.status == "stopped"
            assert patient.red_flags.get().sign == "leg_weakness"
            assert patient.symptom_reports.get().flag_reasons == [
                "red_flag",
                "pain_high",
                "pain_above_limit",
            ]
        else:
            assert assignment.status == "active" and not patient.red_flags.exists()
        assert [c.kind for c in history] == ["start"] + ["advance"] * (phase - 1)
        assert [c.to_phase.number for c in history] == list(range(1, phase + 1))
        assert all(c.reason for c in history)
        assert history[-1].changed_at <= timezone.now()

        expected = {i.exercise_id: i.dosage() for i in program_items if i.phase.number <= phase}
        items = {i.exercise_id: i.dosage() for i in assignment.items.all()}
        assert items == expected

        today = rules.local_day(now, patient.time_zone)
        sessions = list(patient.sessions.prefetch_related("entries"))
        assert len(sessions) >= 6  # three weeks at 70–95 % adherence
        for session in sessions:
            assert session.local_date == rules.local_day(session.performed_at, patient.time_zone)
            assert today - timedelta(days=21) <= session.local_date < today  # today stays open
            assert session.created_at >= session.performed_at
            logged = {entry.exercise_id for entry in session.entries.all()}
            assert logged and logged <= set(items)
            allowed = {i.exercise_id for i in program_items if i.phase_id <= session.phase_id}
            assert logged <= allowed, "no exercise before its phase was reached"

    assert {p.assignments.get().current_phase.number for p in patients} == {1, 2, 3, 4}
    assert authenticate(LOGIN_REQUEST, username="patient1", password=PASSWORD) is not None
    assert authenticate(LOGIN_REQUEST, username="therapist1", password=PASSWORD) is not None


def test_flags_agree_with_the_rules_and_raise_alerts():
    seed()

    sessions = SessionLog.objects.select_related("patient").prefetch_related("entries", "alerts")
    flagged = 0
    for session in sessions:
        reasons = rules.session_flag_reasons(
            pain_limit=session.patient.pain_limit,
            pain_before=session.pain_before,
            pain_after=session.pain_after,
            exercise_pains=[entry.pain for entry in session.entries.all()],
            red_flags=[],
        )
        codes = [reason.code for reason in reasons]
        check = NextDayCheck.objects.filter(session=session).first()
        if check is not None:
            later = rules.next_day_flag_reasons(
                pain_before_session=session.pain_before, pain_next_day=check.pain
            )
            assert check.flagged == bool(later)
            codes = list(dict.fromkeys([*codes, *(reason.code for reason in later)]))
        assert session.flag_reasons == codes
        assert session.flagged == bool(codes)
        assert sorted(alert.kind for alert in session.alerts.all()) == sorted(codes)
        flagged += session.flagged
    assert 0 < flagged < sessions.count() / 3
    assert Alert.objects.filter(acknowledged_at__isnull=False).exists()
    assert not Alert.objects.filter(acknowledged_at__gt=timezone.now()).exists()


def test_running_again_adds_only_what_is_missing():
    seed(password=PASSWORD)
    before, first_six = counts(), digest()

    seed(password=PASSWORD)
    assert counts() == before

    seed(patients=8, password=PASSWORD)
    after = counts()
    assert after["Patient"] == before["Patient"] + 2
    assert after["User"] == before["User"] + 2
    assert after["SessionLog"] > before["SessionLog"]
    assert digest([f"patient{i}" for i in range(1, 7)]) == first_six
    added = Patient.objects.filter(user__username__in=["patient7", "patient8"])
    assert sorted(added.values_list("therapist__username", flat=True)) == [
        "therapist1",
        "therapist2",
    ]


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    seed()
    first = digest()
    delete_demo_users()
    assert not SessionLog.objects.exists()

    seed()
    assert digest() == first

    delete_demo_users()
    seed(seed=2)
    assert digest() != first


def test_bulk_create_path_writes_the_same_data_as_copy(monkeypatch):
    """SQLite (``make run``) inserts with bulk_create; PostgreSQL with COPY."""
    assert connection.vendor == "postgresql"
    seed()
    with_copy = digest()
    delete_demo_users()

    monkeypatch.setattr(connection, "vendor", "sqlite-like")
    seed()
    assert digest() == with_copy
    assert not SessionLog.objects.filter(created_at__gt=timezone.now() - timedelta(hours=1))


def test_the_filled_tables_are_analysed_for_the_planner():
    """Autovacuum is off on some machines: after the bulk load the planner must know the new
    table sizes, or it plans a million sessions as an empty table."""
    models = (get_user_model(), Patient, SessionLog, ExerciseEntry, Alert, HabitCheck)
    seed()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [[model._meta.db_table for model in models]],
        )
        estimates = {name: int(rows) for name, rows in cursor.fetchall()}

    assert estimates == {model._meta.db_table: model.objects.count() for model in models}
    assert estimates[SessionLog._meta.db_table] > 0


def test_passwords_random_for_new_users_and_set_on_all_with_password():
    out = seed(patients=2)
    generated = re.search(r"Password of the 4 new demo users: (\S+)", out).group(1)
    assert "patient1 / " + generated in out
    assert authenticate(LOGIN_REQUEST, username="patient2", password=generated) is not None

    out = seed(patients=3)  # patient3 is new and gets another password; the others keep theirs
    assert authenticate(LOGIN_REQUEST, username="patient1", password=generated) is not None
    assert "existed before keep their passwords" in out

    seed(patients=3, password=PASSWORD)
    for username in ("therapist1", "therapist2", "patient1", "patient3"):
        assert authenticate(LOGIN_REQUEST, username=username, password=PASSWORD) is not None


def test_large_runs_show_a_progress_line(monkeypatch):
    monkeypatch.setattr(seed_demo, "PROGRESS_FROM", 1)
    err = io.StringIO()
    call_command("seed_demo", stdout=io.StringIO(), stderr=err, patients=2, weeks=1)
    assert "\rseed_demo [" in err.getvalue()
    assert "2/2 patients" in err.getvalue()
