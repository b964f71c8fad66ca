"""Patients made through the services, as the admin and the API make them (tests/factories.py),
on the MASTER programme in phase 2 and with a password they log in with."""

import pytest

from tests import factories

PASSWORD = "rolling-slowly-42"
PHASE_2_EXERCISES = [
    "lws-release-doppelball",
    "passive-extension-faszienrolle",
    "segmentale-stabilisation",
    "plank-mtt",
]


@pytest.fixture
def therapist(db):
    return factories.TherapistFactory(
        username="t.weber", email="weber@example.org", password=PASSWORD, first_name="Tanja"
    )


def make_patient(therapist, username, *, phase=2, language="en", **profile):
    patient = factories.PatientFactory(
        therapist=therapist, username=username, password=PASSWORD, language=language, **profile
    )
    if phase:
        factories.assign(patient, phase=phase, days_ago=30, reason="Foundation holds")
    return patient


def log_session(patient, *, days_ago=0, pain_before=2, pain_after=2, slugs=None, pain=1, **extra):
    return factories.log_session(
        patient,
        days_ago=days_ago,
        slugs=slugs or PHASE_2_EXERCISES[:1],
        pain_before=pain_before,
        pain_after=pain_after,
        pain=pain,
        **extra,
    )


@pytest.fixture
def patient(therapist):
    return make_patient(therapist, "anna")


@pytest.fixture
def other_patient(therapist):
    return make_patient(therapist, "bernd")


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


@pytest.fixture
def staff_client(client, therapist):
    client.force_login(therapist)
    return client
