from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from questionnaires.models import Answer, Response
from questionnaires.services import response_submit

pytestmark = pytest.mark.django_db


def _odi_answers(odi, value):
    return dict.fromkeys(odi.items.values_list("link_id", flat=True), value)


def test_submit_stores_the_answers_and_the_score(patient, odi):
    answers = _odi_answers(odi, 2) | {"sex-life": None}

    response = response_submit(patient=patient, questionnaire=odi, answers=answers, due_week=0)

    response.refresh_from_db()
    assert response.score == Decimal("40.00")
    assert response.band == "moderate"
    assert (response.answered, response.missing) == (9, 1)
    assert response.due_week == 0
    assert response.questionnaire_version == "1.0"
    stored = dict(response.answers.values_list("item__link_id", "value"))
    assert stored == answers


def test_too_many_missing_answers_store_the_response_without_a_score(patient, tsk):
    response = response_submit(patient=patient, questionnaire=tsk, answers={"training-harm": 4})

    assert response.score is None
    assert response.band == ""
    assert response.missing == 10
    assert response.answers.count() == 11


@pytest.mark.parametrize(
    ("answers", "key", "message"),
    [
        ({"pain-average-week": 11}, "pain-average-week", "Choose one of the answers offered"),
        ({"pain-average-week": "3"}, "pain-average-week", "Choose one of the answers offered"),
        ({"pain-average-week": True}, "pain-average-week", "Choose one of the answers offered"),
        ({}, "pain-average-week", "Please answer this question."),
        ({"pain-average-week": 3, "mood": 1}, "mood", "no such question"),
    ],
)
def test_bad_answers_are_rejected_per_item_and_nothing_is_written(
    patient, nrs, answers, key, message, settings
):
    settings.LANGUAGE_CODE = "en"

    with pytest.raises(ValidationError) as error:
        response_submit(patient=patient, questionnaire=nrs, answers=answers)

    assert key in error.value.message_dict
    assert message in error.value.message_dict[key][0]
    assert Response.objects.count() == 0
    assert Answer.objects.count() == 0


def test_every_bad_item_gets_its_own_message(patient, odi):
    answers = _odi_answers(odi, 1) | {"pain": 6, "lifting": -1}

    with pytest.raises(ValidationError) as error:
        response_submit(patient=patient, questionnaire=odi, answers=answers)

    assert set(error.value.message_dict) == {"pain", "lifting"}
    assert not Response.objects.exists()


def test_schedule_week_time_and_state_of_the_questionnaire_are_checked(patient, nrs):
    nrs.is_active = False
    nrs.save()

    with pytest.raises(ValidationError) as error:
        response_submit(
            patient=patient,
            questionnaire=nrs,
            answers={"pain-average-week": 2},
            due_week=5,
            submitted_at=timezone.now() + timedelta(days=1),
        )

    assert set(error.value.message_dict) == {NON_FIELD_ERRORS, "due_week", "submitted_at"}
    assert not Response.objects.exists()
