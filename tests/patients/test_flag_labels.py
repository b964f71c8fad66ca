"""Flag reasons and alert kinds read as words, in both languages, wherever a therapist meets
them: one mapping (``patients.models.flag_label``), the admin lists and detail pages, the patient
page and the API (docs/product.md "Alerts in words")."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from patients import rules, services
from patients.models import Alert, FlagKind, RedFlagSign, flag_label, flag_labels, sign_labels
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db

NO_SIGNS = {
    "red_flag_saddle_numbness": False,
    "red_flag_bladder_bowel": False,
    "red_flag_leg_weakness": False,
}
# Every code a therapist can meet: the session flag reasons and the alert kinds.
CODES = sorted({reason.value for reason in rules.FlagReason} | set(FlagKind.values))


@pytest.mark.parametrize("code", CODES)
def test_every_flag_reason_and_alert_kind_has_words_in_both_languages(code):
    with translation.override("en"):
        english = flag_label(code)
    with translation.override("de"):
        german = flag_label(code)

    assert code in FlagKind.values  # a new reason without a label fails here
    assert english and english != code and "_" not in english
    assert german and german != code and german != english


@pytest.mark.parametrize("sign", RedFlagSign.values)
def test_every_red_flag_sign_has_words_in_both_languages(sign):
    with translation.override("en"):
        english = sign_labels([sign])
    with translation.override("de"):
        german = sign_labels([sign])

    assert english != sign and german != sign and german != english


def test_an_unknown_code_is_shown_as_it_is_never_dropped():
    assert flag_labels(["pain_rise", "something_new"])[1] == "something_new"
    assert flag_labels(None) == []


def test_the_session_list_and_page_show_the_reasons_in_words(
    therapist_client, assignment, log_session
):
    session = log_session(assignment, pain_before=1, pain_after=4)
    assert session.flag_reasons  # pain rose, above the limit

    listed = therapist_client.get(reverse("admin:patients_sessionlog_changelist")).text
    page = therapist_client.get(reverse("admin:patients_sessionlog_change", args=[session.pk])).text

    for html in (listed, page):
        assert str(FlagKind.PAIN_RISE.label) in html
        assert "pain_rise" not in html
        assert "[&quot;" not in html and '["' not in html
    assert ">None<" not in page


def test_the_alert_page_shows_the_kind_and_signs_in_words_and_no_raw_details(
    therapist_client, assignment
):
    services.symptom_report_create(
        patient=assignment.patient, pain=3, **{**NO_SIGNS, "red_flag_leg_weakness": True}
    )
    alert = Alert.objects.get(kind=FlagKind.RED_FLAG)

    page = therapist_client.get(reverse("admin:patients_alert_change", args=[alert.pk])).text
    listed = therapist_client.get(reverse("admin:patients_alert_changelist")).text

    assert str(RedFlagSign.LEG_WEAKNESS.label) in page
    assert str(FlagKind.RED_FLAG.label) in page
    assert "leg_weakness" not in page and "[&quot;" not in page
    assert ">None<" not in page
    assert 'class="urgent-marker"' in listed and "Red flag" in listed  # a word, not colour alone


def test_the_alert_list_reads_german(therapist, assignment):
    services.symptom_report_create(
        patient=assignment.patient, pain=3, **{**NO_SIGNS, "red_flag_leg_weakness": True}
    )
    client = login_verified(Client(HTTP_ACCEPT_LANGUAGE="de"), therapist)

    page = client.get(reverse("admin:patients_alert_changelist")).text

    with translation.override("de"):
        assert str(FlagKind.RED_FLAG.label) in page
        assert str(RedFlagSign.LEG_WEAKNESS.label) in page
    assert "leg_weakness" not in page and "red_flag<" not in page


def test_the_symptom_report_page_shows_its_reasons_in_words(therapist_client, assignment):
    report = services.symptom_report_create(patient=assignment.patient, pain=9, **NO_SIGNS)

    page = therapist_client.get(
        reverse("admin:patients_symptomreport_change", args=[report.pk])
    ).text

    assert str(FlagKind.PAIN_HIGH.label) in page
    assert "pain_high" not in page


def test_the_api_keeps_the_codes_and_adds_labels_in_the_callers_language(
    therapist, assignment, log_session
):
    session = log_session(assignment, pain_before=1, pain_after=4)
    client = login_verified(Client(HTTP_ACCEPT_LANGUAGE="de"), therapist)

    row = client.get(reverse("session-detail", args=[session.pk])).json()

    assert row["flag_reasons"] == session.flag_reasons
    with translation.override("de"):
        assert row["flag_labels"] == [str(FlagKind(code).label) for code in session.flag_reasons]
    assert json.dumps(row["flag_labels"]).count("_") == 0
