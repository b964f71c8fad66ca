"""The patient's data export: complete, only their own, a fixed number of queries, as JSON and
as a PDF, in the portal and over the API."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from privacy import selectors
from privacy.pdf import export_pdf
from privacy.views import export_json
from questionnaires.models import Questionnaire
from questionnaires.services import questionnaire_request_create
from tests.pdf import page_count, pdf_text
from tests.privacy.conftest import english, make_marked_patient, make_therapist
from tokens.services import token_create

pytestmark = pytest.mark.django_db

EXPORT_QUERIES = 19


def test_the_export_holds_every_kind_of_data_of_the_patient(anna):
    questionnaire_request_create(
        patient=anna.patient,
        questionnaire=Questionnaire.objects.get(slug="fear-of-movement"),
        requested_by=anna.patient.therapist,
        remind=True,
    )

    document = selectors.patient_export(patient_id=anna.patient.pk)

    assert document["format"] == "mtt-ruecken-export"
    assert document["version"] == 1
    profile = document["patient"]
    assert (profile["username"], profile["email"]) == (anna.username, anna.email)
    assert anna.note in profile["diagnosis"]
    assert profile["therapist"] == "Tanja"
    assert [s["notes"] for s in document["screenings"]] == [anna.note]
    (report,) = document["symptom_reports"]
    assert (report["pain"], report["notes"]) == (2, f"ache {anna.note}")
    (flag,) = document["red_flags"]
    assert flag["sign"] == "tumour_history" and anna.note in flag["clearance_note"]
    (assignment,) = document["assignments"]
    assert assignment["current_phase"] == 2
    assert [c["kind"] for c in assignment["phase_changes"]] == ["start", "advance"]
    assert assignment["prescription"]
    assert len(document["sessions"]) == 4
    first = document["sessions"][0]
    assert len(first["entries"]) == 2
    assert first["entries"][1]["skipped"] is True
    assert first["next_day_check"]["pain"] == 3
    assert [r["questionnaire"] for r in document["questionnaire_responses"]] == ["nrs-pain-week"]
    assert document["questionnaire_responses"][0]["answers"]
    (sent,) = document["questionnaire_requests"]
    assert (sent["questionnaire"], sent["remind"], sent["answered_at"]) == (
        "fear-of-movement",
        True,
        None,
    )
    assert len(document["habit_checks"]) == 1
    assert [d["kind"] for d in document["reminder_deliveries"]] == ["session"]
    assert [c["source"] for c in document["consent_records"]] == ["intake"]
    assert len(document["api_tokens"]) == 1
    (device,) = document["push_subscriptions"]
    assert device["endpoint"] == f"https://push.example.org/send/{anna.note}"
    assert "p256dh" not in device and "auth" not in device  # the device's secrets stay out
    assert profile["reminders"]["channels"] == ["email"]
    assert "digest" not in json.dumps(document["api_tokens"], default=str)


def test_the_export_of_one_patient_contains_nothing_of_another(anna, bert):
    text = export_json(selectors.patient_export(patient_id=anna.patient.pk)).decode()
    document = json.loads(text)

    for needle in bert.needles:
        assert needle not in text
    bert_sessions = set(bert.patient.sessions.values_list("pk", flat=True))
    assert not bert_sessions & {s["id"] for s in document["sessions"]}
    assert document["patient"]["id"] == anna.patient.pk
    assert anna.note in text


def test_the_export_costs_the_same_queries_for_a_short_and_a_long_history(
    therapist, django_assert_num_queries
):
    short = make_marked_patient(therapist, "S", sessions=1)
    long = make_marked_patient(therapist, "L", sessions=12)

    with django_assert_num_queries(EXPORT_QUERIES):
        selectors.patient_export(patient_id=short.patient.pk)
    with django_assert_num_queries(EXPORT_QUERIES):
        document = selectors.patient_export(patient_id=long.patient.pk)
    assert len(document["sessions"]) == 12


# --- PDF --------------------------------------------------------------------------------------


def test_the_pdf_is_in_the_patients_language_with_their_data(anna, bert):
    german = export_pdf(selectors.patient_export(patient_id=anna.patient.pk))
    english_pdf = export_pdf(selectors.patient_export(patient_id=bert.patient.pk))

    assert german.startswith(b"%PDF-")
    assert b"DejaVu" in german  # the Unicode font is embedded
    german_text = pdf_text(german)
    assert "Quirinus ZwiebelmeyerA" in german_text
    assert anna.note in german_text
    assert "ZwiebelmeyerB" not in german_text
    english_text = pdf_text(english_pdf)
    with translation.override("de"):
        heading_de = translation.gettext("Your data at MTT Rücken")
    assert "Your data at MTT Rücken" in english_text
    assert heading_de in german_text
    # The push device: its push service and the end of its address (the JSON has all of it).
    assert "Devices for push reminders" in english_text
    assert f"push.example.org/…/send/{bert.note}" in english_text.replace("\n", "")
    assert "Send reminders by" in english_text and "e-mail" in english_text


def test_a_long_history_runs_over_pages_with_the_table_heading_repeated(therapist):
    marked = make_marked_patient(therapist, "P", sessions=60, language="en")

    pdf = export_pdf(selectors.patient_export(patient_id=marked.patient.pk))

    pages = page_count(pdf)
    assert pages >= 3
    lines = pdf_text(pdf).splitlines()
    # Two tables (sessions, exercises) over at least three pages: headings repeated.
    headings = [line for line in lines if line.startswith("Performed ")]
    assert sum("Pain before" in line for line in headings) >= 2
    assert sum(" Exercise " in line for line in headings) >= 2
    assert re.search(rf"Page {pages} of\s*{pages}", "\n".join(lines))


# --- portal ----------------------------------------------------------------------------------


def test_the_portal_downloads_the_patients_own_export(client, anna, bert):
    client.force_login(anna.patient.user)

    page = client.get(reverse("privacy:overview"))
    as_json = client.get(reverse("privacy:export_json"))
    as_pdf = client.get(reverse("privacy:export_pdf"))

    assert page.status_code == 200
    assert reverse("privacy:export_pdf") in page.content.decode()
    assert as_json.status_code == 200
    assert as_json["Content-Disposition"].startswith('attachment; filename="mtt-ruecken-export-')
    document = json.loads(as_json.content)
    assert document["patient"]["id"] == anna.patient.pk
    assert bert.note not in as_json.content.decode()
    assert as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf["Content-Disposition"].endswith('.pdf"')
    assert as_pdf.content.startswith(b"%PDF-")


def test_the_profile_page_links_to_the_privacy_page(client, anna):
    client.force_login(anna.patient.user)

    assert reverse("privacy:overview") in client.get(reverse("profile")).content.decode()


@pytest.mark.parametrize("name", ["privacy:overview", "privacy:export_json", "privacy:export_pdf"])
def test_staff_get_404_and_visitors_the_login(client, therapist, name):
    anonymous = client.get(reverse(name))
    staff = english(Client(), therapist).get(reverse(name))

    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert staff.status_code == 404


def test_the_portal_export_costs_the_same_queries_whatever_the_history(
    therapist, django_assert_num_queries
):
    counts = []
    for tag, sessions in (("S", 1), ("L", 10)):
        marked = make_marked_patient(therapist, tag, sessions=sessions)
        client = Client()
        client.force_login(marked.patient.user)
        with django_assert_num_queries(EXPORT_QUERIES + 2) as captured:
            assert client.get(reverse("privacy:export_json")).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# --- API -------------------------------------------------------------------------------------


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user)[1]}"}


def test_the_api_answers_the_export_as_json_and_as_pdf(client, anna, bert):
    headers = bearer(anna.patient.user)

    as_json = client.get("/api/v1/me/export/", **headers)
    as_pdf = client.get("/api/v1/me/export/?format=pdf", **headers)
    by_accept = client.get("/api/v1/me/export/", HTTP_ACCEPT="application/pdf", **headers)

    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json"
    assert as_json.json()["patient"]["username"] == anna.username
    assert bert.username not in as_json.content.decode()
    assert as_pdf.status_code == 200
    assert as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf["Content-Disposition"].endswith('.pdf"')
    assert as_pdf.content.startswith(b"%PDF-")
    assert by_accept.content.startswith(b"%PDF-")


def test_api_export_errors_are_json_even_when_a_pdf_was_asked_for(client, therapist, anna):
    anonymous = client.get("/api/v1/me/export/?format=pdf")
    staff = client.get("/api/v1/me/export/?format=pdf", **bearer(therapist))
    unknown = client.get("/api/v1/me/export/?format=xml", **bearer(anna.patient.user))

    assert anonymous.status_code == 401
    assert staff.status_code == 403
    assert unknown.status_code == 400
    for response in (anonymous, staff, unknown):
        assert response["Content-Type"] == "application/json"
    assert "format" in unknown.json()


def test_the_api_export_costs_a_fixed_number_of_queries(therapist, django_assert_num_queries):
    counts = []
    for tag, sessions in (("S", 1), ("L", 10)):
        marked = make_marked_patient(therapist, tag, sessions=sessions)
        client = Client()
        headers = bearer(marked.patient.user)
        with django_assert_num_queries(EXPORT_QUERIES + 1) as captured:
            assert client.get("/api/v1/me/export/", **headers).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_another_therapists_patient_is_not_reachable_through_the_export(client, anna):
    other = make_therapist("t.other")
    response = client.get("/api/v1/me/export/", **bearer(other))

    assert response.status_code == 403
    assert anna.username not in response.content.decode()


def test_the_export_names_nobody_where_no_one_is_recorded():
    assert selectors._person(None) is None
