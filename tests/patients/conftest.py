"""Shared fixtures for patient tests: therapists in the "Therapeut" group, patients made by the
service, an assignment to the MASTER programme and a way to log sessions."""

import itertools

import pytest
from django.test import Client

from tests import factories
from tests.two_factor import login_verified

THERAPIST_GROUP = "Therapeut"


@pytest.fixture
def make_therapist(db):
    """``make_therapist("t.weber")`` → a staff user in the Therapeut group."""

    def make(username, *, first_name="", last_name=""):
        return factories.TherapistFactory(
            username=username, first_name=first_name, last_name=last_name
        )

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
        return factories.PatientFactory(
            therapist=therapist,
            username=username,
            first_name=first_name,
            last_name=last_name,
            **profile,
        )

    return make


@pytest.fixture
def patient(make_patient):
    return make_patient(username="anna", first_name="Anna", last_name="Schmidt")


@pytest.fixture
def master(db):
    return factories.master()


@pytest.fixture
def assignment(patient, master, therapist):
    return factories.assign(patient, program=master)


@pytest.fixture
def log_session():
    """``log_session(assignment, pain_before=2, pain_after=2, pain=None)`` → a session with one
    entry per prescribed exercise, logged through the service (flags and alerts included)."""

    def log(assignment, *, pain_before=2, pain_after=2, pain=None, performed_at=None):
        exercises = assignment.items.filter(removed_at__isnull=True).values_list(
            "exercise_id", flat=True
        )
        return factories.log_session(
            assignment.patient,
            performed_at=performed_at,
            exercises=exercises,
            pain_before=pain_before,
            pain_after=pain_after,
            pain=pain,
        )

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
