"""What the REST API writes to the audit log: staff reads and changes, one INSERT per request;
nothing for a patient's own data, nothing for refused requests."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import bearer_client
from tests.audit.conftest import rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(therapist):
    return bearer_client(therapist)


def test_listing_patients_records_each_patient_on_the_page_in_one_insert(
    api, therapist, make_patient
):
    patients = [make_patient() for _ in range(4)]

    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/patients/")

    assert response.status_code == 200
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT INTO")]
    assert len(inserts) == 1 and "audit_auditentry" in inserts[0]["sql"]
    assert sorted(rows()) == sorted(
        (therapist.pk, p.pk, "list", "patients.patient", str(p.pk), []) for p in patients
    )


def test_reading_and_changing_a_patient(api, therapist, patient):
    api.get(f"/api/v1/patients/{patient.pk}/")
    response = api.patch(
        f"/api/v1/patients/{patient.pk}/",
        {"pain_limit": 5, "language": patient.language, "diagnosis": "Lumbago, private"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert rows() == [
        (therapist.pk, patient.pk, "view", "patients.patient", str(patient.pk), []),
        (
            therapist.pk,
            patient.pk,
            "change",
            "patients.patient",
            str(patient.pk),
            ["pain_limit", "diagnosis"],  # the language was sent unchanged
        ),
    ]


def test_sessions_assignments_and_phase_moves(api, therapist, assignment, log_session):
    session = log_session(assignment)
    patient_id = assignment.patient_id

    api.get("/api/v1/sessions/", {"patient": patient_id})
    api.get(f"/api/v1/assignments/{assignment.pk}/readiness/")
    moved = api.post(
        f"/api/v1/assignments/{assignment.pk}/advance/", {"reason": "ready"}, format="json"
    )

    assert moved.status_code == 200, moved.json()
    assert rows() == [
        (therapist.pk, patient_id, "list", "patients.sessionlog", str(session.pk), []),
        (therapist.pk, patient_id, "view", "patients.assignment", str(assignment.pk), []),
        (
            therapist.pk,
            patient_id,
            "change",
            "patients.assignment",
            str(assignment.pk),
            ["current_phase", "phase_started_on"],
        ),
    ]


def test_habits_of_a_patient_are_recorded_as_one_list(api, therapist, assignment):
    response = api.get("/api/v1/habits/", {"patient": assignment.patient_id})

    assert response.status_code == 200
    assert rows() == [(therapist.pk, assignment.patient_id, "list", "patients.habitcheck", "", [])]


def test_refused_and_foreign_requests_record_nothing(
    api, patient, other_therapist, make_patient, assignment
):
    foreign = make_patient(therapist=other_therapist)

    assert api.get(f"/api/v1/patients/{foreign.pk}/").status_code == 404
    bad = api.patch(f"/api/v1/patients/{patient.pk}/", {"pain_limit": 99}, format="json")
    assert bad.status_code == 400
    refused = api.post(f"/api/v1/assignments/{assignment.pk}/advance/", {}, format="json")
    assert refused.status_code == 400

    assert rows() == []


def test_a_patient_using_the_api_for_their_own_data_is_not_audited(
    patient, assignment, log_session
):
    session = log_session(assignment)
    own = bearer_client(patient.user)

    for url in (
        "/api/v1/me/today/",
        "/api/v1/me/profile/",
        "/api/v1/sessions/",
        f"/api/v1/sessions/{session.pk}/",
        "/api/v1/patients/",
        f"/api/v1/patients/{patient.pk}/",
        "/api/v1/assignments/",
        "/api/v1/habits/",
    ):
        assert own.get(url).status_code == 200, url
    logged = own.post(
        "/api/v1/sessions/",
        {
            "performed_at": session.performed_at.isoformat(),
            "pain_before": 2,
            "pain_after": 2,
            "rpe": 4,
            "notes": "felt fine",
            "red_flag_saddle_numbness": False,
            "red_flag_bladder_bowel": False,
            "red_flag_leg_weakness": False,
            "entries": [{"exercise": session.entries.first().exercise_id, "sets_done": 2}],
        },
        format="json",
    )

    assert logged.status_code == 201, logged.json()
    assert rows() == []
