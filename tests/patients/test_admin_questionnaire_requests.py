"""The patient page's "Send questionnaire": the admin form (POST with CSRF, messages, errors on
the form and nothing written), cancelling, the audit rows, scoping, and the requests shown on
the patient page (docs/product.md, "Questionnaires on demand")."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from patients.rules import local_day
from questionnaires.models import Questionnaire, QuestionnaireRequest
from questionnaires.services import questionnaire_request_create, response_submit
from tests.patients.conftest import english_client
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db


def send_url(patient):
    return reverse("admin:questionnaires_questionnaire_send", args=[patient.pk])


def patient_page(patient):
    return reverse("admin:patients_patient_change", args=[patient.pk])


@pytest.fixture
def nrs(db):
    return Questionnaire.objects.get(slug="nrs-pain-week")


def today(patient):
    return local_day(timezone.now(), patient.time_zone)


def test_the_form_offers_the_questionnaires_in_use_due_today(therapist_client, patient, nrs):
    Questionnaire.objects.filter(slug="fear-of-movement").update(is_active=False)

    page = therapist_client.get(send_url(patient))

    assert page.status_code == 200
    form = page.context["form"]
    offered = {q.slug for q in form.fields["questionnaire"].queryset}
    assert offered == {"nrs-pain-week", "disability-index"}
    assert form.initial["due_on"] == today(patient)
    content = page.content.decode()
    assert "Send a questionnaire to Anna Schmidt" in content
    assert 'name="csrfmiddlewaretoken"' in content


def test_sending_writes_the_request_audits_it_and_goes_back(
    therapist_client, therapist, patient, nrs
):
    due_on = today(patient) + timedelta(days=5)

    answer = therapist_client.post(
        send_url(patient), {"questionnaire": nrs.pk, "due_on": due_on.isoformat(), "remind": "on"}
    )

    assert answer.status_code == 302
    assert answer["Location"] == patient_page(patient) + "#questionnaire-requests"
    sent = QuestionnaireRequest.objects.get()
    assert (sent.patient, sent.questionnaire, sent.requested_by) == (patient, nrs, therapist)
    assert (sent.due_on, sent.remind) == (due_on, True)
    [message] = [str(m) for m in get_messages(answer.wsgi_request)]
    assert message.startswith(f"“{nrs.title_en}” sent to Anna Schmidt, due on")
    entry = AuditEntry.objects.get(action=AuditAction.ADD, object_type__endswith="request")
    assert (entry.user, entry.patient_id, entry.object_id) == (therapist, patient.pk, str(sent.pk))


@pytest.mark.parametrize(
    ("days", "error"),
    [(-1, "The due date cannot be in the past."), (61, "at most 60 days ahead")],
)
def test_a_due_date_out_of_bounds_shows_the_error_and_writes_nothing(
    therapist_client, patient, nrs, days, error
):
    due_on = today(patient) + timedelta(days=days)

    answer = therapist_client.post(
        send_url(patient), {"questionnaire": nrs.pk, "due_on": due_on.isoformat()}
    )

    assert answer.status_code == 400
    assert error in " ".join(answer.context["form"].errors["due_on"])
    assert not QuestionnaireRequest.objects.exists()
    assert not AuditEntry.objects.filter(object_type__endswith="request").exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"questionnaire": "999999", "due_on": "2026-01-01"},
        {"questionnaire": "x", "due_on": "soon"},
    ],
)
def test_bad_input_is_a_form_error_never_a_500(therapist_client, patient, data):
    answer = therapist_client.post(send_url(patient), data)

    assert answer.status_code == 400
    assert answer.context["form"].errors
    assert not QuestionnaireRequest.objects.exists()


def test_a_second_open_request_is_refused_on_the_form(therapist_client, patient, nrs):
    data = {"questionnaire": nrs.pk, "due_on": today(patient).isoformat()}
    therapist_client.post(send_url(patient), data)

    again = therapist_client.post(send_url(patient), data)

    assert again.status_code == 400
    assert "already sent" in again.context["form"].errors["questionnaire"][0]
    assert QuestionnaireRequest.objects.count() == 1


def test_the_form_needs_csrf(therapist, patient, nrs):
    client = login_verified(Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en"), therapist)

    answer = client.post(send_url(patient), {"questionnaire": nrs.pk})

    assert answer.status_code == 403
    assert not QuestionnaireRequest.objects.exists()


def test_another_therapists_patient_is_not_there(other_therapist, patient, nrs):
    client = english_client(other_therapist)
    sent = questionnaire_request_create(
        patient=patient, questionnaire=nrs, requested_by=patient.therapist
    )

    assert client.get(send_url(patient)).status_code == 404
    assert client.post(send_url(patient), {"questionnaire": nrs.pk}).status_code == 404
    cancel = reverse("admin:questionnaires_questionnaire_request_cancel", args=[sent.pk])
    assert client.post(cancel).status_code == 404
    sent.refresh_from_db()
    assert sent.is_open
    assert QuestionnaireRequest.objects.count() == 1


def test_cancelling_on_the_patient_page(therapist_client, therapist, patient, nrs):
    sent = questionnaire_request_create(patient=patient, questionnaire=nrs, requested_by=therapist)
    cancel = reverse("admin:questionnaires_questionnaire_request_cancel", args=[sent.pk])

    assert therapist_client.get(cancel).status_code == 405
    answer = therapist_client.post(cancel)

    assert answer["Location"] == patient_page(patient) + "#questionnaire-requests"
    sent.refresh_from_db()
    assert sent.cancelled_at is not None
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, object_type__endswith="request")
    assert entry.fields == ["cancelled_at"]
    again = therapist_client.post(cancel, follow=True)
    assert "already answered or cancelled" in again.content.decode()


def test_the_patient_page_shows_each_request_and_what_became_of_it(
    therapist_client, therapist, patient, nrs
):
    odi = Questionnaire.objects.get(slug="disability-index")
    answered = questionnaire_request_create(
        patient=patient, questionnaire=nrs, requested_by=therapist
    )
    response_submit(patient=patient, questionnaire=nrs, answers={"pain-average-week": 6})
    questionnaire_request_create(
        patient=patient,
        questionnaire=odi,
        requested_by=therapist,
        due_on=today(patient) + timedelta(days=3),
        remind=True,
    )

    page = therapist_client.get(patient_page(patient)).content.decode()

    section = page[page.index('id="questionnaire-requests"') :]
    section = section[: section.index("</section>")]
    assert send_url(patient) in section
    assert reverse("admin:patients_patient_preview_today", args=[patient.pk]) in section
    assert "answered on" in section and "score: 6" in section
    assert "<strong>open</strong>" in section
    assert "with reminder" in section
    assert "Cancel request" in section
    answered.refresh_from_db()
    assert reverse("admin:questionnaires_response_change", args=[answered.response.pk]) in section
