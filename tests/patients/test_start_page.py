"""The therapist's start page ("Heute", the admin index), the header badge, and acknowledging
or noting a call-back from there (docs/product.md "The start page", docs/clinical-safety.md)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditAction, AuditEntry
from patients import rules, selectors, services
from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    FlagKind,
    Patient,
    RedFlagSign,
    SessionLog,
)
from questionnaires.models import Questionnaire, Response, ScoreBand
from tests import factories
from tests.patients.conftest import english_client
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db

INDEX = "/admin/"
NO_SIGNS = {
    "red_flag_saddle_numbness": False,
    "red_flag_bladder_bowel": False,
    "red_flag_leg_weakness": False,
}


def section(page: str, key: str) -> str:
    start = page.index(f'id="today-{key}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else None]


def foreign_red(patient):
    return patient.alerts.get(kind=FlagKind.RED_FLAG)


def _red_flag_report(patient, **signs):
    return services.symptom_report_create(
        patient=patient, pain=3, **{**NO_SIGNS, "red_flag_bladder_bowel": True, **signs}
    )


def _ready(patient):
    """A patient in phase 1 for 20 days who trained every day of the last two weeks without
    flags or rising pain: readiness met."""
    assignment = factories.assign(patient, days_ago=20)
    for days_ago in range(14):
        factories.log_session(patient, days_ago=days_ago, pain_before=2, pain_after=2)
    return assignment


@pytest.fixture
def foreign(other_therapist, make_patient):
    """Another therapist's patient with something in every section."""
    patient = make_patient(therapist=other_therapist, first_name="Fremd", last_name="Fremdling")
    factories.assign(patient, days_ago=30)
    factories.log_session(patient, days_ago=10)
    factories.log_session(patient, pain_before=2, pain_after=5)  # flagged: pain rose
    _red_flag_report(patient)
    return patient


# --- sections -------------------------------------------------------------------------------


def test_open_red_flags_top_the_start_page_with_the_advice_the_patient_got(
    therapist_client, assignment, foreign
):
    patient = assignment.patient
    _red_flag_report(patient, red_flag_saddle_numbness=True)
    alert = Alert.objects.get(patient=patient, kind=FlagKind.RED_FLAG)

    page = therapist_client.get(INDEX).content.decode()

    assert page.index('id="today-red-flags"') < page.index('id="today-alerts"')
    box = section(page, "red-flags")
    assert box.count('class="today-row"') == 1
    assert "Red flag" in box
    assert str(patient) in box
    assert str(RedFlagSign.CAUDA_SADDLE.label) in box
    assert str(RedFlagSign.CAUDA_BLADDER.label) in box
    assert str(rules.Advice.EMERGENCY_NOW.message) in box  # what the patient was told
    assert str(rules.Advice.PROGRAMME_STOPPED.message) in box
    assert reverse("admin:patients_patient_change", args=[patient.pk]) in box
    assert reverse("admin:patients_alert_acknowledge", args=[alert.pk]) in box
    assert reverse("admin:patients_alert_call_back", args=[alert.pk]) in box
    assert "Fremdling" not in page
    assert AuditEntry.objects.filter(
        action=AuditAction.LIST, object_type="patients.alert", object_id=str(alert.pk)
    ).exists()


def test_other_alerts_flagged_sessions_and_their_reasons_read_as_words(
    therapist_client, assignment, log_session, foreign
):
    session = log_session(assignment, pain_before=1, pain_after=4)  # pain rose
    old = log_session(assignment, pain_before=1, pain_after=4)
    SessionLog.objects.filter(pk=old.pk).update(local_date=timezone.localdate() - timedelta(days=3))

    services.symptom_report_create(patient=assignment.patient, pain=9, **NO_SIGNS)

    page = therapist_client.get(INDEX).content.decode()

    alerts = section(page, "alerts")
    assert f"{FlagKind.PAIN_HIGH.label} (symptom report)" in alerts
    assert str(FlagKind.PAIN_RISE.label) in alerts
    assert "pain_rise" not in alerts
    assert "Acknowledge" in alerts
    flagged = section(page, "flagged-sessions")
    assert flagged.count('class="today-row"') == 1
    assert f'data-id="{session.pk}"' in flagged
    assert str(FlagKind.PAIN_RISE.label) in flagged
    assert "pain_rise" not in flagged
    assert reverse("admin:patients_sessionlog_change", args=[session.pk]) in flagged
    assert "ago" in flagged  # relative time next to the absolute one
    assert "Fremdling" not in page


def test_patients_ready_for_the_next_phase_link_to_the_advance(
    therapist_client, patient, make_patient, master, foreign
):
    _ready(patient)
    factories.assign(make_patient(first_name="Neu"), days_ago=2)  # too early in the phase

    page = therapist_client.get(INDEX).content.decode()

    ready = section(page, "ready")
    assert ready.count('class="today-row"') == 1
    assert "Anna Schmidt" in ready
    assert "every readiness criterion is met" in ready
    assert reverse("admin:patients_patient_change", args=[patient.pk]) + "#programme" in ready


def test_silent_patients_have_an_active_programme_and_no_session_for_7_days(
    therapist_client, make_patient, master, foreign
):
    quiet = make_patient(first_name="Still")
    factories.assign(quiet, days_ago=30)
    factories.log_session(quiet, days_ago=9)
    never = make_patient(first_name="Nie")
    factories.assign(never, days_ago=8)
    busy = make_patient(first_name="Fleissig")
    factories.assign(busy, days_ago=30)
    factories.log_session(busy, days_ago=2)
    fresh = make_patient(first_name="Frisch")
    factories.assign(fresh, days_ago=3)  # started 3 days ago: not silent yet

    page = therapist_client.get(INDEX).content.decode()

    silent = section(page, "silent")
    assert silent.count('class="today-row"') == 2
    assert silent.index("Nie ") < silent.index("Still ")  # never logged first
    assert "No session logged since the programme started" in silent
    assert "Last session logged" in silent
    assert "Fleissig" not in silent and "Frisch" not in silent
    assert "Fremdling" not in silent


def test_questionnaires_answered_in_the_last_week_are_listed_for_review(
    therapist_client, patient, foreign
):
    questionnaire = Questionnaire.objects.create(
        slug="nrs-test", title_de="Schmerz", title_en="Pain"
    )
    Response.objects.create(
        patient=patient, questionnaire=questionnaire, submitted_at=timezone.now(), score="4.50"
    )
    Response.objects.create(
        patient=patient,
        questionnaire=questionnaire,
        submitted_at=timezone.now() - timedelta(days=10),
        score=3,
    )
    Response.objects.create(
        patient=foreign, questionnaire=questionnaire, submitted_at=timezone.now(), score=9
    )

    page = therapist_client.get(INDEX).content.decode()
    german = login_verified(factories_client("de"), patient.therapist).get(INDEX).text

    review = section(page, "questionnaires")
    assert review.count('class="today-row"') == 1
    assert "Pain answered: score 4.5" in review
    assert "4.50" not in review
    assert "4,5 Punkte" in section(german, "questionnaires")  # numbers in the user's locale


def test_a_review_row_names_the_band_or_says_why_there_is_no_score(therapist_client, patient):
    questionnaire = Questionnaire.objects.create(slug="odi-test", title_de="ODI", title_en="ODI")
    ScoreBand.objects.create(
        questionnaire=questionnaire,
        code="moderate",
        lower=21,
        upper=40,
        label_de="mäßige Einschränkung",
        label_en="moderate limitation",
    )
    now = timezone.now()
    Response.objects.create(
        patient=patient, questionnaire=questionnaire, submitted_at=now, score=30, band="moderate"
    )
    Response.objects.create(
        patient=patient, questionnaire=questionnaire, submitted_at=now - timedelta(hours=1)
    )

    review = section(therapist_client.get(INDEX).content.decode(), "questionnaires")

    assert "ODI answered: score 30 (moderate limitation)" in review
    assert "ODI answered: too many answers missing for a score." in review


def factories_client(language):
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE=language)


def test_empty_sections_say_so_in_one_line(therapist_client, therapist):
    page = therapist_client.get(INDEX).content.decode()

    for key, text in [
        ("red-flags", "No open red flag."),
        ("alerts", "No other open alert."),
        ("flagged-sessions", "No flagged session since yesterday."),
        ("ready", "Nobody is ready for the next phase yet."),
        ("silent", "Every patient with an active programme logged a session"),
        ("questionnaires", "No questionnaire answered in the last 7 days."),
    ]:
        assert f'<p class="today-empty">{text}' in section(page, key)


def test_the_practice_admin_sees_every_patient_and_a_link_to_all_areas(
    admin_client_logged_in, foreign
):
    page = admin_client_logged_in.get(INDEX).content.decode()
    apps = admin_client_logged_in.get(reverse("admin:apps"))

    assert "Fremd Fremdling" in section(page, "red-flags")
    assert f'href="{reverse("admin:apps")}"' in page
    assert apps.status_code == 200
    assert "patients" in {app["app_label"] for app in apps.context["app_list"]}


def test_staff_who_do_not_see_patients_keep_the_list_of_apps(db):
    clerk = get_user_model().objects.create_user("clerk", password="pw-123456789", is_staff=True)
    client = login_verified(factories_client("en"), clerk)

    response = client.get(INDEX)

    assert "app_list" in response.context
    assert 'id="today-red-flags"' not in response.content.decode()


# --- acknowledge and call-back --------------------------------------------------------------


def test_acknowledging_from_the_start_page_goes_through_the_service_and_back(
    therapist_client, therapist, assignment, foreign
):
    _red_flag_report(assignment.patient)
    alert = Alert.objects.get(patient=assignment.patient, kind=FlagKind.RED_FLAG)
    url = reverse("admin:patients_alert_acknowledge", args=[alert.pk])

    get = therapist_client.get(url)
    response = therapist_client.post(url, {"next": INDEX}, follow=True)
    stranger = therapist_client.post(
        reverse("admin:patients_alert_acknowledge", args=[foreign_red(foreign).pk]),
        {"next": INDEX},
    )
    offsite = therapist_client.post(url, {"next": "https://evil.example/"})

    assert get.status_code == 405
    assert offsite["Location"] == reverse("admin:patients_alert_changelist")

    assert response.redirect_chain[-1][0] == INDEX
    assert "Acknowledged 1 alert." in [str(m) for m in response.context["messages"]]
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist
    assert 'class="today-row"' not in section(response.content.decode(), "red-flags")
    assert stranger.status_code == 404
    assert foreign_red(foreign).acknowledged_at is None


def test_call_back_noted_records_the_call_acknowledges_and_is_audited(
    therapist_client, therapist, assignment, foreign
):
    _red_flag_report(assignment.patient)
    alert = Alert.objects.get(patient=assignment.patient, kind=FlagKind.RED_FLAG)
    url = reverse("admin:patients_alert_call_back", args=[alert.pk])

    get = therapist_client.get(url)
    response = therapist_client.post(
        url, {"next": INDEX, "note": "  Notaufnahme empfohlen  "}, follow=True
    )
    stranger = therapist_client.post(
        reverse("admin:patients_alert_call_back", args=[foreign_red(foreign).pk]), {"next": INDEX}
    )

    assert get.status_code == 405
    alert.refresh_from_db()
    assert alert.called_back_by == therapist
    assert alert.called_back_at is not None
    assert alert.call_back_note == "Notaufnahme empfohlen"
    assert alert.acknowledged_by == therapist
    assert alert.acknowledged_at == alert.called_back_at
    assert response.redirect_chain[-1][0] == INDEX
    assert any("Call-back noted" in str(m) for m in response.context["messages"])
    entry = AuditEntry.objects.get(
        action=AuditAction.CHANGE, object_type="patients.alert", object_id=str(alert.pk)
    )
    assert "called_back_at" in entry.fields and "acknowledged_at" in entry.fields
    assert stranger.status_code == 404
    assert foreign_red(foreign).called_back_at is None


def test_a_too_long_call_back_note_writes_nothing_and_says_why(therapist_client, assignment):
    _red_flag_report(assignment.patient)
    alert = Alert.objects.get(patient=assignment.patient, kind=FlagKind.RED_FLAG)

    response = therapist_client.post(
        reverse("admin:patients_alert_call_back", args=[alert.pk]),
        {"next": INDEX, "note": "x" * 501},
        follow=True,
    )

    alert.refresh_from_db()
    assert alert.called_back_at is None and alert.acknowledged_at is None
    assert any("at most 500 characters" in str(m) for m in response.context["messages"])


def test_the_call_back_service_keeps_an_earlier_acknowledgement(
    therapist, other_therapist, patient
):
    _red_flag_report(patient)
    alert = Alert.objects.get(patient=patient, kind=FlagKind.RED_FLAG)
    services.alerts_acknowledge(alerts=Alert.objects.filter(pk=alert.pk), acknowledged_by=therapist)
    acknowledged_at = Alert.objects.get(pk=alert.pk).acknowledged_at

    services.alert_call_back_record(alert=alert, called_back_by=other_therapist, note="")
    with pytest.raises(ValidationError):
        services.alert_call_back_record(alert=alert, called_back_by=therapist, note="x" * 501)

    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist
    assert alert.acknowledged_at == acknowledged_at
    assert alert.called_back_by == other_therapist


# --- the header badge -----------------------------------------------------------------------


def test_the_header_counts_open_red_flags_and_alerts_on_every_admin_page(
    therapist_client, therapist, assignment, log_session, foreign
):
    log_session(assignment, pain_before=1, pain_after=4)  # pain rose
    _red_flag_report(assignment.patient)
    counts = selectors.open_alert_counts(therapist)
    pages = [INDEX, reverse("admin:patients_patient_changelist"), reverse("admin:apps")]

    for url in pages:
        page = therapist_client.get(url).content.decode()
        badge = page[
            page.index('id="alert-badge"') : page.index("</a>", page.index('id="alert-badge"'))
        ]
        assert f'data-count="{counts["red_flags"]}"' in badge
        assert "1 red flag" in badge
        assert f"{counts['alerts']} open alerts" in badge
        assert f'href="{INDEX}"' in badge
    assert counts["red_flags"] == 1
    assert (
        counts["alerts"]
        == Alert.objects.filter(patient=assignment.patient, acknowledged_at__isnull=True).count()
    )


def test_the_header_counts_cost_one_query(therapist, assignment, django_assert_num_queries):
    _red_flag_report(assignment.patient)

    with django_assert_num_queries(1):
        counts = selectors.open_alert_counts(therapist)

    assert counts["red_flags"] == 1


def test_no_badge_before_the_second_factor_or_for_patients(client, therapist, patient):
    client.force_login(therapist)  # password only: no second factor yet

    login_page = client.get(reverse("admin:login")).content.decode()

    assert 'id="alert-badge"' not in login_page


# --- constant queries -----------------------------------------------------------------------


def _bulk_patients(therapist, master, count, start):
    """``count`` patients with an active programme, each with an open red flag, another open
    alert and a flagged session yesterday, silent for 10 days before that."""
    phase = master.program_phases.select_related("phase").first().phase
    now = timezone.now()
    for n in range(start, start + count):
        user = get_user_model().objects.create(username=f"bulk{n}", last_name=f"Bulk{n}")
        patient = Patient.objects.create(user=user, therapist=therapist)
        assignment = Assignment.objects.create(
            patient=patient,
            program=master,
            current_phase=phase,
            phase_started_on=timezone.localdate() - timedelta(days=30),
            start_date=timezone.localdate() - timedelta(days=30),
            status=AssignmentStatus.ACTIVE,
        )
        session = SessionLog.objects.create(
            patient=patient,
            assignment=assignment,
            phase=phase,
            performed_at=now - timedelta(days=10),
            local_date=timezone.localdate() - timedelta(days=1),
            pain_before=2,
            pain_after=6 if n % 2 else 2,
            # Odd ones flagged; even ones are candidates for readiness (not ready: no training).
            flagged=bool(n % 2),
            flag_reasons=["pain_high", "pain_rise"] if n % 2 else [],
            **NO_SIGNS,
        )
        Alert.objects.bulk_create(
            [
                Alert(patient=patient, kind=FlagKind.RED_FLAG, details=["leg_weakness"]),
                Alert(patient=patient, session=session, kind=FlagKind.PAIN_RISE),
            ]
        )


def _count(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INDEX)
    assert response.status_code == 200
    return len(queries), response


def test_the_start_page_costs_the_same_queries_for_5_and_200_patients(therapist, master):
    client = english_client(therapist)
    _bulk_patients(therapist, master, 5, 0)
    client.get(INDEX)  # warm caches
    small, _response = _count(client)
    _bulk_patients(therapist, master, 195, 5)
    large, response = _count(client)

    page = response.content.decode()
    assert section(page, "red-flags").count('class="today-row"') == selectors.START_PAGE_ROWS
    assert section(page, "silent").count('class="today-row"') == selectors.START_PAGE_ROWS
    assert "More are open than shown here." in section(page, "alerts")
    assert small == large == 16


def test_the_start_page_reads_german(therapist, assignment):
    _red_flag_report(assignment.patient)
    client = login_verified(factories_client("de"), therapist)

    page = client.get(INDEX).text

    with translation.override("de"):
        assert str(RedFlagSign.CAUDA_BLADDER.label) in section(page, "red-flags")
        assert str(rules.Advice.EMERGENCY_NOW.message) in section(page, "red-flags")
    assert "Heute" in page
