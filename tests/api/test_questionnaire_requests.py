"""``patients/{id}/questionnaire-requests/``: therapists send a questionnaire to one patient
now (201), bad input answers 400 with nothing written, another therapist's patient 404; the
list is scoped, audited and has a fixed query budget."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from audit.models import AuditAction, AuditEntry
from patients.rules import local_day
from questionnaires.models import Questionnaire, QuestionnaireRequest
from questionnaires.services import questionnaire_request_create, response_submit
from tests.api.conftest import (
    ADMIN,
    OTHER_PATIENT,
    OTHER_THERAPIST,
    PATIENT,
    THERAPIST,
    full_answers,
)

pytestmark = pytest.mark.django_db


def url(patient):
    return f"/api/v1/patients/{patient.pk}/questionnaire-requests/"


@pytest.fixture
def odi(db):
    return Questionnaire.objects.get(slug="disability-index")


def today(patient):
    return local_day(timezone.now(), patient.time_zone)


def test_a_therapist_sends_a_questionnaire(call, world, odi):
    due_on = today(world.patient) + timedelta(days=7)

    answer = call(
        THERAPIST,
        "post",
        url(world.patient),
        {"questionnaire": odi.pk, "due_on": due_on.isoformat(), "remind": True},
    )

    assert answer.status_code == 201, answer.content
    stored = QuestionnaireRequest.objects.get()
    body = answer.json()
    assert body["id"] == stored.pk
    assert body["patient"] == world.patient.pk
    assert body["questionnaire"] == odi.pk
    assert body["questionnaire_slug"] == "disability-index"
    assert body["requested_by"] == world.therapist.pk
    assert body["due_on"] == due_on.isoformat()
    assert body["remind"] is True
    assert body["status"] == "open"
    assert body["response"] is None
    entry = AuditEntry.objects.get(action=AuditAction.ADD, patient_id=world.patient.pk)
    assert (entry.user, entry.object_id) == (world.therapist, str(stored.pk))


def test_the_due_date_defaults_to_the_patients_today(call, world, odi):
    answer = call(THERAPIST, "post", url(world.patient), {"questionnaire": odi.pk})

    assert answer.status_code == 201
    assert answer.json()["due_on"] == today(world.patient).isoformat()
    assert answer.json()["remind"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lambda odi, day: {}, "questionnaire"),
        (lambda odi, day: {"questionnaire": 999_999}, "questionnaire"),
        (lambda odi, day: {"questionnaire": "odi"}, "questionnaire"),
        (lambda odi, day: {"questionnaire": odi.pk, "due_on": "tomorrow"}, "due_on"),
        (lambda odi, day: {"questionnaire": odi.pk, "due_on": str(day - timedelta(1))}, "due_on"),
        (lambda odi, day: {"questionnaire": odi.pk, "due_on": str(day + timedelta(61))}, "due_on"),
        (lambda odi, day: {"questionnaire": odi.pk, "remind": "often"}, "remind"),
    ],
)
def test_bad_input_answers_400_and_writes_nothing(call, world, odi, body, field):
    answer = call(THERAPIST, "post", url(world.patient), body(odi, today(world.patient)))

    assert answer.status_code == 400, answer.content
    assert list(answer.json()) == [field]
    assert not QuestionnaireRequest.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.ADD).exclude(
        object_type="patients.patient"
    )


def test_inactive_and_duplicate_questionnaires_are_refused(call, world, odi):
    first = call(THERAPIST, "post", url(world.patient), {"questionnaire": odi.pk})
    again = call(THERAPIST, "post", url(world.patient), {"questionnaire": odi.pk})
    odi.is_active = False
    odi.save(update_fields=["is_active"])
    inactive = call(THERAPIST, "post", url(world.other_patient), {"questionnaire": odi.pk})

    assert first.status_code == 201
    assert again.status_code == 400
    assert "already sent" in again.json()["questionnaire"][0]
    assert inactive.status_code == 400
    assert inactive.json()["questionnaire"] == ["This questionnaire is no longer in use."]
    assert QuestionnaireRequest.objects.count() == 1


@pytest.mark.parametrize(("role", "status"), [(PATIENT, 403), (OTHER_THERAPIST, 404), (ADMIN, 201)])
def test_who_may_send(call, world, odi, role, status):
    answer = call(role, "post", url(world.patient), {"questionnaire": odi.pk})

    assert answer.status_code == status
    assert QuestionnaireRequest.objects.count() == (1 if status == 201 else 0)


def test_the_list_is_scoped_and_shows_what_became_of_each(call, world, odi):
    nrs = Questionnaire.objects.get(slug="nrs-pain-week")
    sent = questionnaire_request_create(
        patient=world.patient, questionnaire=nrs, requested_by=world.therapist
    )
    questionnaire_request_create(
        patient=world.patient, questionnaire=odi, requested_by=world.therapist
    )
    response = response_submit(patient=world.patient, questionnaire=nrs, answers=full_answers(nrs))

    mine = call(PATIENT, "get", url(world.patient))
    theirs = call(THERAPIST, "get", url(world.patient))

    assert mine.status_code == theirs.status_code == 200
    assert mine.json() == theirs.json()
    rows = {row["questionnaire_slug"]: row for row in theirs.json()["results"]}
    assert rows["nrs-pain-week"]["status"] == "answered"
    assert rows["nrs-pain-week"]["response"] == response.pk
    assert rows["nrs-pain-week"]["id"] == sent.pk
    assert rows["disability-index"]["status"] == "open"
    assert call(OTHER_PATIENT, "get", url(world.patient)).status_code == 404
    assert call(OTHER_THERAPIST, "get", url(world.patient)).status_code == 404
    listed = AuditEntry.objects.filter(action=AuditAction.LIST, user=world.therapist)
    assert listed.count() == 2


def _count_list_queries(call, world) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = call(THERAPIST, "get", url(world.patient))
    assert answer.status_code == 200
    return len(queries)


def test_the_list_has_a_fixed_query_budget(call, world, django_assert_num_queries):
    questionnaires = list(Questionnaire.objects.all())
    questionnaire_request_create(
        patient=world.patient, questionnaire=questionnaires[0], requested_by=world.therapist
    )
    call(THERAPIST, "get", url(world.patient))  # the token client is made
    few = _count_list_queries(call, world)
    for questionnaire in questionnaires[1:]:
        questionnaire_request_create(
            patient=world.patient, questionnaire=questionnaire, requested_by=world.therapist
        )
    for _ in range(5):
        QuestionnaireRequest.objects.create(
            patient=world.patient,
            questionnaire=questionnaires[0],
            requested_at=timezone.now(),
            due_on=today(world.patient),
            cancelled_at=timezone.now(),
        )
    assert QuestionnaireRequest.objects.count() >= 8

    with django_assert_num_queries(few):
        answer = call(THERAPIST, "get", url(world.patient))

    assert answer.json()["count"] == QuestionnaireRequest.objects.count()


def test_the_schema_documents_the_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operations = schema["paths"]["/api/v1/patients/{id}/questionnaire-requests/"]
    assert set(operations) >= {"get", "post"}
    assert "201" in operations["post"]["responses"]
    assert "questionnaires" in operations["post"]["tags"]


def test_the_patient_finds_the_request_in_due(call, world, odi):
    sent = questionnaire_request_create(
        patient=world.patient, questionnaire=odi, requested_by=world.therapist
    )

    due = call(PATIENT, "get", "/api/v1/questionnaires/due/").json()

    rows = {row["slug"]: row for row in due}
    assert rows["disability-index"]["request"] == sent.pk
    assert all(row["request"] is None for slug, row in rows.items() if slug != "disability-index")


def cancel_url(sent):
    return f"{url(sent.patient)}{sent.pk}/cancel/"


def test_a_therapist_cancels_an_open_request(call, world, odi):
    sent = questionnaire_request_create(
        patient=world.patient, questionnaire=odi, requested_by=world.therapist
    )

    refused = [call(role, "post", cancel_url(sent)) for role in (PATIENT, OTHER_THERAPIST)]
    answer = call(THERAPIST, "post", cancel_url(sent))
    again = call(THERAPIST, "post", cancel_url(sent))

    assert [r.status_code for r in refused] == [403, 404]
    assert answer.status_code == 200
    assert answer.json()["status"] == "cancelled"
    assert again.status_code == 400
    sent.refresh_from_db()
    assert sent.cancelled_at is not None
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, object_id=str(sent.pk))
    assert entry.fields == ["cancelled_at"]
    other = call(THERAPIST, "post", f"{url(world.other_patient)}{sent.pk}/cancel/")
    assert other.status_code == 404  # the request belongs to another patient
