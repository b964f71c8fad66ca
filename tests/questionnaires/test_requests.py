"""Questionnaires sent on demand (docs/product.md, "Questionnaires on demand"): the due-date
rule, the service's refusals, what the patient sees as due, and answering fulfils the request."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from patients.rules import local_day
from questionnaires import rules, selectors, services
from questionnaires.models import QuestionnaireRequest, Response
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def send(patient, questionnaire, **values):
    return services.questionnaire_request_create(
        patient=patient, questionnaire=questionnaire, requested_by=patient.therapist, **values
    )


def patient_today(patient):
    return local_day(timezone.now(), patient.time_zone)


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        (-1, "The due date cannot be in the past."),
        (0, None),
        (60, None),
        (61, "The due date can be at most 60 days ahead."),
    ],
)
def test_the_due_date_lies_between_today_and_60_days_ahead(days, problem):
    with translation.override("en"):
        found = rules.request_due_problem(due_on=TODAY + timedelta(days=days), today=TODAY)
    assert (str(found) if found else None) == problem


# --- the service ------------------------------------------------------------------------------


def test_sending_defaults_to_today_in_the_patients_calendar(patient, odi, therapist):
    sent = send(patient, odi, remind=True)

    stored = QuestionnaireRequest.objects.get()
    assert stored == sent
    assert (stored.patient, stored.questionnaire, stored.requested_by) == (patient, odi, therapist)
    assert stored.due_on == patient_today(patient)
    assert stored.remind is True
    assert stored.is_open


@pytest.mark.parametrize(
    ("days", "field"),
    [(-1, "due_on"), (61, "due_on")],
)
def test_a_due_date_out_of_bounds_is_refused_and_nothing_written(patient, odi, days, field):
    with pytest.raises(ValidationError) as refused:
        send(patient, odi, due_on=patient_today(patient) + timedelta(days=days))

    assert field in refused.value.message_dict
    assert not QuestionnaireRequest.objects.exists()


def test_a_questionnaire_no_longer_in_use_cannot_be_sent(patient, odi):
    odi.is_active = False
    odi.save(update_fields=["is_active"])

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        send(patient, odi)

    assert refused.value.message_dict["questionnaire"] == [
        "This questionnaire is no longer in use."
    ]
    assert not QuestionnaireRequest.objects.exists()


def test_the_same_questionnaire_is_open_once_per_patient(patient, make_patient, odi, tsk):
    send(patient, odi)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        send(patient, odi, due_on=patient_today(patient) + timedelta(days=3))

    assert "already sent" in refused.value.message_dict["questionnaire"][0]
    send(patient, tsk)  # another questionnaire
    send(make_patient("berta"), odi)  # another patient
    assert QuestionnaireRequest.objects.count() == 3


def test_after_cancelling_or_answering_it_can_be_sent_again(patient, nrs):
    first = send(patient, nrs)
    services.questionnaire_request_cancel(request=first)
    second = send(patient, nrs)
    services.response_submit(patient=patient, questionnaire=nrs, answers={"pain-average-week": 3})
    third = send(patient, nrs)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.cancelled_at is not None and first.response is None
    assert second.answered_at is not None and second.response is not None
    assert third.is_open


def test_cancelling_twice_is_refused(patient, nrs):
    sent = send(patient, nrs)
    services.questionnaire_request_cancel(request=sent)
    cancelled_at = QuestionnaireRequest.objects.get().cancelled_at

    with translation.override("en"), pytest.raises(ValidationError, match="answered or cancel"):
        services.questionnaire_request_cancel(request=sent)

    assert QuestionnaireRequest.objects.get().cancelled_at == cancelled_at


# --- due for the patient ------------------------------------------------------------------------


def test_without_a_programme_only_the_request_is_due(patient, odi, django_assert_num_queries):
    """The patient has no programme (no schedule): the request alone is due, from today until
    answered, and stays due after its due date."""
    today = patient_today(patient)
    sent = send(patient, odi, due_on=today + timedelta(days=5))

    with django_assert_num_queries(1):
        due = selectors.due_with_requests(patient=patient, today=today, program_start=None)

    assert [(d.questionnaire, d.due_week, d.request.pk) for d in due] == [(odi, None, sent.pk)]
    assert (due[0].opens_on, due[0].closes_on) == (today, today + timedelta(days=5))
    later = selectors.due_with_requests(
        patient=patient, today=today + timedelta(days=9), program_start=None
    )
    assert [d.questionnaire for d in later] == [odi]


def test_a_request_for_a_scheduled_questionnaire_is_listed_once(
    patient, odi, nrs, django_assert_num_queries
):
    start = patient_today(patient)  # the baseline (week 0) is open for every questionnaire
    sent = send(patient, odi)

    with django_assert_num_queries(2):
        due = selectors.due_with_requests(patient=patient, today=start, program_start=start)

    by_slug = {d.questionnaire.slug: d for d in due}
    assert len(due) == len(by_slug) == 3
    assert by_slug["disability-index"].due_week == 0
    assert by_slug["disability-index"].request.pk == sent.pk
    assert by_slug["nrs-pain-week"].request is None


def test_the_schedule_is_unchanged_by_a_request(patient, odi):
    start = patient_today(patient) - timedelta(days=20)  # between baseline and week 4
    before = selectors.due_questionnaires(
        patient=patient, today=patient_today(patient), program_start=start
    )
    send(patient, odi)

    after = selectors.due_questionnaires(
        patient=patient, today=patient_today(patient), program_start=start
    )
    assert before == after == []


def test_another_questionnaires_answer_does_not_fulfil_the_request(patient, odi, nrs):
    sent = send(patient, odi)
    services.response_submit(patient=patient, questionnaire=nrs, answers={"pain-average-week": 3})

    sent.refresh_from_db()
    assert sent.is_open


# --- the portal ---------------------------------------------------------------------------------


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


def test_the_patient_sees_the_request_due_and_answering_fulfils_it(patient_client, patient, nrs):
    due_on = patient_today(patient) + timedelta(days=3)
    sent = send(patient, nrs, due_on=due_on)

    page = patient_client.get(reverse("portal:questionnaires"))
    assert [d.questionnaire for d in page.context["due"]] == [nrs]
    # the patient reads German (their profile language)
    assert "bittet Sie, diesen Fragebogen bis zum" in page.content.decode()
    today = patient_client.get(reverse("portal:today"))
    assert [d.questionnaire for d in today.context["questionnaires_due"]] == [nrs]
    assert reverse("portal:questionnaire_fill", args=[nrs.slug]) in today.content.decode()

    answered = patient_client.post(
        reverse("portal:questionnaire_fill", args=[nrs.slug]), {"pain-average-week": "4"}
    )

    response = Response.objects.get(patient=patient)
    assert answered["Location"] == reverse("portal:questionnaire_result", args=[response.pk])
    assert response.due_week is None  # answered on request, not for a schedule week
    sent.refresh_from_db()
    assert (sent.response, sent.answered_at) == (response, response.submitted_at)
    assert patient_client.get(reverse("portal:questionnaires")).context["due"] == []


def test_a_scheduled_and_requested_answer_counts_for_both(client, nrs):
    patient = factories.assigned_patient(days_ago=0, username="carl", language="en")
    client.force_login(patient.user)
    sent = send(patient, nrs)
    page = client.get(reverse("portal:questionnaires"))
    [listed] = [d for d in page.context["due"] if d.questionnaire == nrs]
    assert (listed.due_week, listed.request.pk) == (0, sent.pk)
    assert "asks you to fill this in by" in page.content.decode()

    client.post(reverse("portal:questionnaire_fill", args=[nrs.slug]), {"pain-average-week": "2"})

    response = Response.objects.get(patient=patient)
    assert response.due_week == 0
    sent.refresh_from_db()
    assert sent.response == response
    due = client.get(reverse("portal:questionnaires")).context["due"]
    assert nrs not in [d.questionnaire for d in due]


def test_a_cancelled_request_is_no_longer_due(patient_client, patient, nrs):
    services.questionnaire_request_cancel(request=send(patient, nrs))

    assert patient_client.get(reverse("portal:questionnaires")).context["due"] == []
