"""Fixtures for reminder tests: a therapist, patients with an active MASTER programme in a
chosen time zone, and a way to log sessions on given local days."""

import itertools
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from patients.models import Assignment, SessionLog
from programs.models import Exercise
from tests import factories


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def therapist(db):
    return factories.TherapistFactory(
        username="t.weber", email="weber@example.org", first_name="Tina"
    )


@pytest.fixture
def make_patient(therapist):
    """``make_patient(time_zone="America/New_York", reminder_time=time(18))`` → a patient with
    an active MASTER programme that started on ``start``; no quiet hours unless given."""
    numbers = itertools.count(1)

    def make(*, start=None, therapist=therapist, email=None, **profile):
        number = next(numbers)
        profile.setdefault("quiet_hours_start", time(0))
        profile.setdefault("quiet_hours_end", time(0))
        patient = factories.PatientFactory(
            therapist=therapist,
            username=f"patient{number}",
            email=f"patient{number}@example.org" if email is None else email,
            first_name=f"Pat{number}",
            **profile,
        )
        factories.assign(patient, start_date=start)
        return patient

    return make


def log_session(patient, performed_at: datetime, *, slugs=None, **values) -> SessionLog:
    """A session stored directly, not by tests/factories.py (the service refuses sessions in the
    future, and these tests pick instants freely); ``local_date`` follows the patient's zone like
    the service's."""
    assignment = Assignment.objects.get(patient=patient, status="active")
    session = SessionLog.objects.create(
        patient=patient,
        assignment=assignment,
        phase=assignment.current_phase,
        performed_at=performed_at,
        local_date=performed_at.astimezone(ZoneInfo(patient.time_zone)).date(),
        pain_before=values.get("pain_before", 2),
        pain_after=values.get("pain_after", 2),
        rpe=4,
        red_flag_saddle_numbness=values.get("red_flag_saddle_numbness", False),
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
    )
    slugs = slugs or list(assignment.items.values_list("exercise__slug", flat=True))
    for slug in slugs:
        session.entries.create(exercise=Exercise.objects.get(slug=slug), sets_done=2)
    return session


@pytest.fixture
def published(monkeypatch):
    """Sends run in-process instead of through the broker: ``published`` lists the task names
    and ids that were handed over, retries included."""
    from reminders import services

    calls = []

    def publish(task, ids, size, what, queue=None):
        calls.append((task.name, list(ids)))
        task(list(ids))
        return len(ids)

    def retry(task, failure):
        calls.append((task.name, [failure.pk]))

    monkeypatch.setattr(services.enqueue, "_publish", publish)
    monkeypatch.setattr(services, "enqueue_retry", retry)
    return calls
