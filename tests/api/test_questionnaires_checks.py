"""questionnaires/ (definitions, responses with computed scores) and next-day-checks/."""

import pytest

from patients.models import Alert, NextDayCheck
from questionnaires.models import Questionnaire, Response
from tests.api.conftest import PATIENT, THERAPIST, full_answers, log

pytestmark = pytest.mark.django_db


def test_definitions_carry_items_options_and_the_own_wording_note(world, call):
    rows = call(PATIENT, "get", "/api/v1/questionnaires/").json()["results"]

    fear = next(row for row in rows if row["slug"] == "fear-of-movement")
    assert len(fear["items"]) == 11
    assert [option["value"] for option in fear["items"][0]["options"]] == [1, 2, 3, 4]
    assert fear["own_wording_note"]


def test_a_patient_submits_a_response_and_gets_its_score(world, call):
    questionnaire = Questionnaire.objects.get(slug="fear-of-movement")

    response = call(
        PATIENT,
        "post",
        "/api/v1/questionnaires/responses/",
        {"questionnaire": questionnaire.pk, "answers": full_answers(questionnaire, pick=3)},
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["score"] == 44
    assert {"band", "band_label"} <= data.keys()
    assert (data["answered"], data["missing"]) == (11, 0)
    assert data["patient"] == world.patient.pk


BAD_RESPONSES = {
    "value that is no option": lambda q: {
        "answers": {**full_answers(q), q.items.first().link_id: 9}
    },
    "unknown item": lambda q: {"answers": {**full_answers(q), "nope": 1}},
    "not a number": lambda q: {"answers": {**full_answers(q), q.items.first().link_id: "a lot"}},
    "week not scheduled": lambda q: {"answers": full_answers(q), "due_week": 3},
    "no questionnaire": lambda q: {"questionnaire": 999999, "answers": {}},
}


@pytest.mark.parametrize("case", BAD_RESPONSES, ids=list(BAD_RESPONSES))
def test_bad_responses_answer_400_and_write_nothing(world, call, case):
    questionnaire = Questionnaire.objects.get(slug="fear-of-movement")
    data = {"questionnaire": questionnaire.pk, **BAD_RESPONSES[case](questionnaire)}
    before = Response.objects.count()

    response = call(PATIENT, "post", "/api/v1/questionnaires/responses/", data)

    assert response.status_code == 400, response.content
    assert Response.objects.count() == before


def test_therapists_see_their_patients_responses_only(world, call):
    rows = call(THERAPIST, "get", "/api/v1/questionnaires/responses/").json()["results"]
    other = call("other_therapist", "get", "/api/v1/questionnaires/responses/").json()

    assert [row["id"] for row in rows] == [world.response.pk]
    assert rows[0]["answers"] == {"pain-average-week": 0}
    assert other["count"] == 0


def test_due_lists_what_the_patient_should_fill_in(world, call):
    due = call(PATIENT, "get", "/api/v1/questionnaires/due/").json()

    assert {row["slug"] for row in due} == {
        "nrs-pain-week",
        "disability-index",
        "fear-of-movement",
    }
    assert {row["due_week"] for row in due} == {4}


# --- next-day checks --------------------------------------------------------------------------


def test_a_next_day_check_worse_by_2_flags_the_session(world, call):
    response = call(
        PATIENT, "post", "/api/v1/next-day-checks/", {"session": world.session.pk, "pain": 5}
    )

    assert response.status_code == 201, response.content
    assert response.json()["flagged"] is True
    world.session.refresh_from_db()
    assert world.session.flagged is True
    assert "next_day_worse" in world.session.flag_reasons
    assert Alert.objects.filter(session=world.session, kind="next_day_worse").exists()
    session = call(PATIENT, "get", f"/api/v1/sessions/{world.session.pk}/").json()
    assert session["next_day_check"]["pain"] == 5
    assert session["advice"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"pain": 11}, "pain"),
        ({"pain": -1}, "pain"),
        ({"pain": None}, "pain"),
        ({"pain": 2, "notes": "x" * 2001}, "notes"),
        ({"pain": 2, "session": 999999}, "session"),
    ],
)
def test_bad_next_day_checks_answer_400(world, call, data, field):
    before = NextDayCheck.objects.count()

    response = call(
        PATIENT, "post", "/api/v1/next-day-checks/", {"session": world.session.pk, **data}
    )

    assert response.status_code == 400
    assert field in response.json()
    assert NextDayCheck.objects.count() == before


def test_a_session_is_checked_once(world, call):
    session = log(world.patient, days_ago=3)
    url = "/api/v1/next-day-checks/"

    assert call(PATIENT, "post", url, {"session": session.pk, "pain": 2}).status_code == 201
    again = call(PATIENT, "post", url, {"session": session.pk, "pain": 3})

    assert again.status_code == 400
    assert "non_field_errors" in again.json()
