"""Shared fixtures for patient tests: therapists in the "Therapeut" group, patients made by the
service, an assignment to the MASTER programme and a way to log sessions."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from patients import services
from programs.models import Program
from tests.two_factor import login_verified

THERAPIST_GROUP = "Therapeut"


@pytest.fixture
def make_therapist(db):
    """``make_therapist("t.weber")`` → a staff user in the Therapeut group."""

    def make(username, *, first_name="", last_name=""):
        user = get_user_model().objects.create_user(
            username,
            f"{username}@example.org",
            first_name=first_name,
            last_name=last_name,
            is_staff=True,
        )
        user.groups.add(Group.objects.get(name=THERAPIST_GROUP))
        return user

    return make


@pytest.fixture
def therapist(make_therapist):
    return make_therapist("t.weber", first_name="Tina", last_name="Weber")


@pytest.fixture
def other_therapist(make_therapist):
    return make_therapist("o.kaya", first_name="Omar", last_name="Kaya")


@pytest.fixture
def make_patient(therapist):
    """``make_patient(first_name="Anna", therapist=...)`` → a patient made by the service (the
    therapist defaults to ``therapist``; username and names are unique by default)."""
    numbers = itertools.count(1)

    def make(*, therapist=therapist, username=None, first_name=None, last_name="Muster", **profile):
        number = next(numbers)
        first_name = first_name or f"Patient{number}"
        username = username or f"{first_name.lower()}.{last_name.lower()}.{number}"
        return services.patient_create(
            username=username,
            email=f"{username}@example.org",
            first_name=first_name,
            last_name=last_name,
            therapist=therapist,
            created_by=therapist,
            **profile,
        )

    return make


@pytest.fixture
def patient(make_patient):
    return make_patient(username="anna", first_name="Anna", last_name="Schmidt")


@pytest.fixture
def master(db):
    return Program.objects.get(slug="master")


@pytest.fixture
def assignment(patient, master, therapist):
    services.screening_record(patient=patient, screened_by=therapist, signs=[])
    return services.assignment_create(patient=patient, program=master, created_by=therapist)


@pytest.fixture
def log_session():
    """``log_session(assignment, pain_before=2, pain_after=2, pain=None)`` → a session with one
    entry per prescribed exercise, logged through the service (flags and alerts included)."""

    def log(assignment, *, pain_before=2, pain_after=2, pain=None, performed_at=None):
        exercises = assignment.items.filter(removed_at__isnull=True).values_list(
            "exercise_id", flat=True
        )
        session, _created = services.session_log_create(
            red_flag_saddle_numbness=False,
            red_flag_bladder_bowel=False,
            red_flag_leg_weakness=False,
            patient=assignment.patient,
            performed_at=performed_at or timezone.now() - timedelta(minutes=5),
            pain_before=pain_before,
            pain_after=pain_after,
            rpe=4,
            entries=[{"exercise": pk, "sets_done": 2, "pain": pain} for pk in exercises],
        )
        return session

    return log


def english_client(user) -> Client:
    """A logged-in client that reads the admin in English (assertions use the source strings)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    return login_verified(client, user)


@pytest.fixture
def therapist_client(therapist):
    return english_client(therapist)


@pytest.fixture
def other_therapist_client(other_therapist):
    return english_client(other_therapist)
