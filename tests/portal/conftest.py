"""Patients made through the services, as the admin and the API make them."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from patients import services
from programs.models import Exercise, Program

PASSWORD = "rolling-slowly-42"
PHASE_2_EXERCISES = [
    "lws-release-doppelball",
    "passive-extension-faszienrolle",
    "segmentale-stabilisation",
    "plank-mtt",
]


@pytest.fixture
def therapist(db):
    return get_user_model().objects.create_user(
        "t.weber", "weber@example.org", PASSWORD, is_staff=True, first_name="Tanja"
    )


def make_patient(therapist, username, *, phase=2, language="en", **profile):
    patient = services.patient_create(
        username=username,
        email=f"{username}@example.org",
        first_name=username.capitalize(),
        last_name="Muster",
        therapist=therapist,
        created_by=therapist,
        language=language,
        **profile,
    )
    patient.user.set_password(PASSWORD)
    patient.user.save(update_fields=["password"])
    if phase:
        services.screening_record(patient=patient, screened_by=therapist, signs=[])
        assignment = services.assignment_create(
            patient=patient,
            program=Program.objects.get(slug="master"),
            created_by=therapist,
            start_date=timezone.localdate() - timedelta(days=30),
        )
        for _ in range(phase - 1):
            services.assignment_advance(
                assignment=assignment, changed_by=therapist, reason="Foundation holds"
            )
    return patient


def log_session(patient, *, days_ago=0, pain_before=2, pain_after=2, slugs=None, pain=1, **extra):
    slugs = slugs or PHASE_2_EXERCISES[:1]
    ids = dict(Exercise.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    session, _created = services.session_log_create(
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
        patient=patient,
        performed_at=timezone.now() - timedelta(days=days_ago, minutes=5),
        pain_before=pain_before,
        pain_after=pain_after,
        rpe=4,
        entries=[{"exercise": ids[slug], "sets_done": 2, "pain": pain} for slug in slugs],
        **extra,
    )
    return session


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
