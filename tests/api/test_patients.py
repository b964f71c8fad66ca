"""patients/ and assignments/: the therapist's side, scoped to their own patients."""

import pytest

from patients import services
from patients.models import Assignment, Patient, PhaseChange
from programs.models import Program
from tests.api.conftest import ADMIN, OTHER_THERAPIST, PATIENT, THERAPIST, assign, make_patient

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_each_role_lists_only_its_patients(world, call):
    assert ids(call(PATIENT, "get", "/api/v1/patients/")) == {world.patient.pk}
    assert ids(call(THERAPIST, "get", "/api/v1/patients/")) == {
        world.patient.pk,
        world.other_patient.pk,
    }
    assert ids(call(OTHER_THERAPIST, "get", "/api/v1/patients/")) == {world.foreign_patient.pk}
    assert ids(call(ADMIN, "get", "/api/v1/patients/")) == set(
        Patient.objects.values_list("pk", flat=True)
    )


def test_the_patient_list_shows_phase_alerts_and_adherence(world, call):
    row = next(
        row
        for row in call(THERAPIST, "get", "/api/v1/patients/").json()["results"]
        if row["id"] == world.patient.pk
    )

    assert row["current_phase"] == 2
    assert row["assignment_status"] == "active"
    assert row["sessions_14d"] == 2
    assert 0 <= row["adherence_14d"] <= 1
    assert row["open_alerts"] == 0


def test_patients_search_filter_and_order(world, call):
    assert ids(call(THERAPIST, "get", "/api/v1/patients/", {"search": "bert"})) == {
        world.other_patient.pk
    }
    assert ids(
        call(ADMIN, "get", "/api/v1/patients/", {"therapist": world.other_therapist.pk})
    ) == {world.foreign_patient.pk}
    newest = call(THERAPIST, "get", "/api/v1/patients/", {"ordering": "-created_at"}).json()
    assert newest["results"][0]["id"] == world.other_patient.pk


def test_a_therapist_creates_a_patient_of_their_own(world, call):
    response = call(
        THERAPIST,
        "post",
        "/api/v1/patients/",
        {
            "username": "dora",
            "first_name": "Dora",
            "last_name": "Neu",
            "email": "dora@example.org",
            "pain_limit": 4,
            "reminder_time": "08:15",
        },
    )

    assert response.status_code == 201, response.content
    patient = Patient.objects.get(user__username="dora")
    assert patient.therapist == world.therapist
    assert patient.pain_limit == 4
    assert response.json()["reminder_time"] == "08:15"
    assert not patient.user.has_usable_password()


def test_only_the_admin_hands_a_patient_to_another_therapist(world, call):
    url = f"/api/v1/patients/{world.patient.pk}/"

    refused = call(THERAPIST, "patch", url, {"therapist": world.other_therapist.pk})
    moved = call(ADMIN, "patch", url, {"therapist": world.other_therapist.pk})

    assert refused.status_code == 400
    assert moved.status_code == 200
    world.patient.refresh_from_db()
    assert world.patient.therapist == world.other_therapist


def test_a_therapist_changes_clinical_fields_and_names(world, call):
    response = call(
        THERAPIST,
        "patch",
        f"/api/v1/patients/{world.patient.pk}/",
        {"pain_limit": 5, "diagnosis": "L5/S1 protrusion", "last_name": "Schmidt"},
    )

    assert response.status_code == 200, response.content
    world.patient.refresh_from_db()
    assert (world.patient.pain_limit, world.patient.diagnosis) == (5, "L5/S1 protrusion")
    assert world.patient.user.last_name == "Schmidt"


BAD_PATIENTS = {
    "pain limit above 10": {"pain_limit": 11},
    "unknown time zone": {"time_zone": "Nowhere/Town"},
    "diagnosis too long": {"diagnosis": "x" * 2001},
    "no username": {"username": ""},
    "taken username": {"username": "anna"},
    "bad e-mail": {"email": "dora"},
    "therapist is a patient": {"therapist": 0},
}


@pytest.mark.parametrize("case", BAD_PATIENTS, ids=list(BAD_PATIENTS))
def test_bad_patients_answer_400_and_write_nothing(world, call, case):
    data = {"username": "dora", "first_name": "Dora", "last_name": "Neu", "email": "d@example.org"}
    data.update(BAD_PATIENTS[case])
    if data.get("therapist") == 0:
        data["therapist"] = world.patient.user.pk
    before = Patient.objects.count()

    response = call(ADMIN, "post", "/api/v1/patients/", data)

    assert response.status_code == 400, response.content
    assert set(BAD_PATIENTS[case]) <= response.json().keys()
    assert Patient.objects.count() == before


# --- assignments ------------------------------------------------------------------------------


def test_a_therapist_assigns_a_programme(world, call):
    newcomer = make_patient(world.therapist, username="newcomer")
    services.screening_record(patient=newcomer, screened_by=world.therapist, signs=[])

    response = call(
        THERAPIST,
        "post",
        "/api/v1/assignments/",
        {"patient": newcomer.pk, "program": Program.objects.get(slug="master").pk},
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["current_phase"]["number"] == 1
    assert len(data["items"]) == 2
    assert data["phase_changes"][0]["kind"] == "start"


def test_a_second_open_programme_is_refused(world, call):
    response = call(
        THERAPIST,
        "post",
        "/api/v1/assignments/",
        {"patient": world.patient.pk, "program": Program.objects.get(slug="master").pk},
    )

    assert response.status_code == 400
    assert Assignment.objects.filter(patient=world.patient).count() == 1


def test_advance_needs_a_reason_and_keeps_history(world, call):
    url = f"/api/v1/assignments/{world.assignment.pk}/advance/"
    changes = PhaseChange.objects.count()

    for bad in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 2001}):
        response = call(THERAPIST, "post", url, bad)
        assert response.status_code == 400, bad
        assert "reason" in response.json()
    assert PhaseChange.objects.count() == changes

    response = call(THERAPIST, "post", url, {"reason": "Ready: stable and pain-free."})

    assert response.status_code == 200
    data = response.json()
    assert data["current_phase"]["number"] == 3
    assert data["phase_changes"][0]["reason"] == "Ready: stable and pain-free."
    assert data["phase_changes"][0]["changed_by"] == "therapist1"
    assert {item["phase"] for item in data["items"]} == {1, 2, 3}


def test_regress_is_always_allowed_but_not_before_phase_1(world, call):
    first = assign(make_patient(world.therapist, username="early"), phase=1)
    url = f"/api/v1/assignments/{first.pk}/regress/"

    response = call(THERAPIST, "post", url, {"reason": "Too much"})

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    back = call(
        THERAPIST,
        "post",
        f"/api/v1/assignments/{world.assignment.pk}/regress/",
        {"reason": "Flare"},
    )
    assert back.json()["current_phase"]["number"] == 1


def test_readiness_explains_each_rule(world, call):
    response = call(THERAPIST, "get", f"/api/v1/assignments/{world.assignment.pk}/readiness/")

    data = response.json()
    assert data["ready"] is False
    codes = {reason["code"]: reason for reason in data["reasons"]}
    assert {"time_in_phase", "adherence", "no_recent_flag", "pain_not_rising"} <= codes.keys()
    assert codes["time_in_phase"]["met"] is False
    assert all(reason["message"] for reason in data["reasons"])


def test_assignments_filter_by_patient_and_status(world, call):
    rows = call(THERAPIST, "get", "/api/v1/assignments/", {"patient": world.other_patient.pk})
    active = call(ADMIN, "get", "/api/v1/assignments/", {"status": "active"})

    assert {row["patient"] for row in rows.json()["results"]} == {world.other_patient.pk}
    assert active.json()["count"] == 3
    assert call(ADMIN, "get", "/api/v1/assignments/", {"status": "gone"}).status_code == 400
