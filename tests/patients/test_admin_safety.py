"""The safety loop in the therapist admin (docs/clinical-safety.md): the grouped red-flag
screening with its prompts, the screening gate, stopped programmes and their clearance, the
alert list, and symptom reports."""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from patients import rules, services
from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    FlagKind,
    Patient,
    PhaseChange,
    PhaseChangeKind,
    RedFlag,
    RedFlagSign,
    Screening,
    ScreeningPrompt,
    SymptomReport,
)
from tests.patients.conftest import english_client

pytestmark = pytest.mark.django_db

NO_SIGNS = {
    "red_flag_saddle_numbness": False,
    "red_flag_bladder_bowel": False,
    "red_flag_leg_weakness": False,
}


def change_url(obj):
    return reverse(f"admin:patients_{obj._meta.model_name}_change", args=[obj.pk])


def patient_url(patient, name):
    return reverse(f"admin:patients_patient_{name}", args=[patient.pk])


def changelist(model):
    return reverse(f"admin:patients_{model._meta.model_name}_changelist")


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def section(page: str, element_id: str) -> str:
    """The HTML of the element with ``element_id`` up to the next section of the page."""
    start = page.index(f'id="{element_id}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else None]


def checked_values(html: str, name: str) -> set[str]:
    inputs = re.findall(rf'<input type="checkbox" name="{name}"[^>]*>', html)
    return {re.search(r'value="([^"]+)"', tag).group(1) for tag in inputs if " checked" in tag}


def input_values(html: str, name: str) -> list[str]:
    tags = re.findall(rf'<input type="checkbox" name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]+)"', tag).group(1) for tag in tags]


def _status(assignment):
    return Assignment.objects.get(pk=assignment.pk).status


def _red_flag_session(assignment, **answers):
    session, _created = services.session_log_create(
        patient=assignment.patient,
        performed_at=timezone.now() - timedelta(minutes=5),
        pain_before=4,
        notes="Taubheit seit heute früh",
        **{**NO_SIGNS, **answers},
    )
    return session


@pytest.fixture
def foreign(other_therapist, make_patient):
    """Another therapist's patient with a red-flag symptom report: its alert and report."""
    patient = make_patient(therapist=other_therapist, first_name="Fremd", last_name="Fremdling")
    report = services.symptom_report_create(
        patient=patient, pain=3, **{**NO_SIGNS, "red_flag_leg_weakness": True}
    )
    return {"patient": patient, "report": report, "alert": report.alerts.get()}


# --- the screening form ---------------------------------------------------------------------


def test_the_screening_lists_every_red_flag_by_group_and_the_prompts_apart(
    therapist_client, patient
):
    page = therapist_client.get(change_url(patient)).content.decode()
    screening = section(page, "screening")

    groups = re.findall(
        r'<fieldset class="screening-group red-flags">\s*<legend>([^<]+)</legend>(.*?)</fieldset>',
        screening,
        re.S,
    )
    assert [legend for legend, _body in groups] == [
        "Fracture",
        "Tumour",
        "Infection",
        "Radiculopathy",
        "Cauda equina",
    ]
    by_group = {legend: input_values(body, "signs") for legend, body in groups}
    assert sorted(code for codes in by_group.values() for code in codes) == sorted(
        RedFlagSign.values
    )
    for legend, codes in by_group.items():
        assert {RedFlagSign.group_of(code) for code in codes} == {
            {
                "Fracture": "fracture",
                "Tumour": "tumour",
                "Infection": "infection",
                "Radiculopathy": "radicular",
                "Cauda equina": "cauda",
            }[legend]
        }
    assert ">numbness in the saddle area</label>" in screening  # the label without its group
    prompts = section(page, "screening-prompts")
    assert "Prompts (do not stop the programme)" in prompts
    assert input_values(prompts, "prompts") == list(ScreeningPrompt.values)
    assert not input_values(prompts, "signs")
    assert "Prompts do not stop the programme." in prompts
    # A young patient without an inflammatory disease: nothing suggested by the record.
    assert checked_values(prompts, "prompts") == set()
    assert 'data-suggested="true"' not in prompts
    assert "Not screened yet" in screening


def test_age_over_50_and_chronic_inflammatory_disease_are_suggested_prompts(
    therapist_client, make_patient
):
    today = timezone.localdate()
    older = make_patient(
        first_name="Otto",
        date_of_birth=date(today.year - 62, 1, 1),
        chronic_inflammatory_disease=True,
    )
    fifty = make_patient(first_name="Fritz", date_of_birth=today.replace(year=today.year - 50))

    prompts = section(therapist_client.get(change_url(older)).content.decode(), "screening-prompts")
    exactly_fifty = section(
        therapist_client.get(change_url(fifty)).content.decode(), "screening-prompts"
    )

    expected = set(
        rules.screening_prompts(
            date_of_birth=older.date_of_birth, chronic_inflammatory_disease=True, today=today
        )
    )
    assert expected == {"age_over_50", "chronic_inflammatory"}
    assert checked_values(prompts, "prompts") == expected
    suggested = re.findall(r'<li class="suggested" data-suggested="true">(.*?)</li>', prompts)
    assert {re.search(r'value="([^"]+)"', item).group(1) for item in suggested} == expected
    assert "Raised by the patient record:" in prompts
    assert str(ScreeningPrompt.AGE_OVER_50.label) in prompts
    assert checked_values(exactly_fifty, "prompts") == set()  # over 50, not 50


def test_a_screening_saves_signs_and_prompts_and_twice_adds_no_duplicate_red_flag(
    therapist_client, patient, therapist
):
    data = {
        "signs": [RedFlagSign.TUMOUR_HISTORY, RedFlagSign.INFECTION_FEVER],
        "prompts": [ScreeningPrompt.AGE_OVER_50, ScreeningPrompt.MORNING_STIFFNESS],
        "notes": "Mamma-Ca 2019",
    }

    first = therapist_client.post(patient_url(patient, "screening"), data, follow=True)
    second = therapist_client.post(patient_url(patient, "screening"), data, follow=True)

    assert "Screening recorded with 2 red flags." in messages_of(first)
    assert "Screening recorded with 2 red flags." in messages_of(second)
    screenings = list(Screening.objects.filter(patient=patient).order_by("screened_at"))
    assert len(screenings) == 2
    assert screenings[0].prompts == ["age_over_50", "inflammatory_morning_stiffness"]
    assert screenings[0].notes == "Mamma-Ca 2019"
    assert screenings[0].screened_by == therapist
    open_flags = RedFlag.objects.filter(patient=patient, cleared_at__isnull=True)
    assert sorted(open_flags.values_list("sign", flat=True)) == [
        "infection_fever",
        "tumour_history",
    ]
    assert {flag.screening_id for flag in open_flags} == {screenings[0].pk}
    page = second.content.decode()
    assert "Open red flag: no programme can start" in page
    assert "Last screening:" in page


def test_a_screening_with_unknown_codes_is_refused_without_writing(therapist_client, patient):
    response = therapist_client.post(
        patient_url(patient, "screening"),
        {"signs": ["broken_leg"], "prompts": ["astrology"]},
        follow=True,
    )

    assert response.status_code == 200
    errors = messages_of(response)
    assert any("Red flags found" in message and "broken_leg" in message for message in errors)
    assert any("Prompts looked into" in message for message in errors)
    assert not Screening.objects.filter(patient=patient).exists()


def test_a_red_flag_found_in_a_screening_stops_the_running_programme(therapist_client, assignment):
    response = therapist_client.post(
        patient_url(assignment.patient, "screening"),
        {"signs": [RedFlagSign.FRACTURE_OSTEOPOROSIS], "notes": "Sturz gestern"},
        follow=True,
    )

    assert _status(assignment) == AssignmentStatus.STOPPED
    assert (
        "The programme is stopped until you record a medical clearance for each red flag."
        in messages_of(response)
    )
    page = response.content.decode()
    assert "Programme status: stopped (red flag)" in page


# --- the screening gate ---------------------------------------------------------------------


def test_an_unscreened_patient_gets_no_programme_and_the_page_says_why(
    therapist_client, patient, master
):
    page = therapist_client.get(change_url(patient)).content.decode()
    response = therapist_client.post(
        patient_url(patient, "assign"), {"program": master.pk}, follow=True
    )

    assert 'id="screening-needed"' in page
    assert response.status_code == 200
    assert (
        "Screen this patient for red flags first: a programme starts only after a screening "
        f"in the last {settings.SCREENING_VALID_DAYS} days."
    ) in messages_of(response)
    assert not Assignment.objects.filter(patient=patient).exists()
    assert not PhaseChange.objects.exists()


def test_a_screening_older_than_the_validity_does_not_open_the_gate(
    therapist_client, patient, master, therapist
):
    services.screening_record(
        patient=patient,
        screened_by=therapist,
        signs=[],
        screened_at=timezone.now() - timedelta(days=settings.SCREENING_VALID_DAYS + 2),
    )

    page = therapist_client.get(change_url(patient)).content.decode()
    response = therapist_client.post(
        patient_url(patient, "assign"), {"program": master.pk}, follow=True
    )

    assert f"Older than {settings.SCREENING_VALID_DAYS} days" in section(page, "screening")
    assert any("Screen this patient for red flags first" in m for m in messages_of(response))
    assert not Assignment.objects.filter(patient=patient).exists()


def test_an_open_red_flag_blocks_the_assignment_with_the_services_error(
    therapist_client, patient, master, therapist
):
    services.screening_record(
        patient=patient, screened_by=therapist, signs=[RedFlagSign.TUMOUR_WEIGHT_LOSS]
    )

    response = therapist_client.post(
        patient_url(patient, "assign"), {"program": master.pk}, follow=True
    )

    assert any("unresolved red flag" in message for message in messages_of(response))
    assert not Assignment.objects.filter(patient=patient).exists()


def test_a_bad_programme_id_is_a_form_error_not_a_500(therapist_client, patient):
    response = therapist_client.post(
        patient_url(patient, "assign"), {"program": "nonsense"}, follow=True
    )

    assert response.status_code == 200
    assert any(message.startswith("Programme:") for message in messages_of(response))


def test_no_admin_path_creates_an_assignment_around_the_service(therapist_client, patient):
    """Programmes are assigned on the patient page only (through ``assignment_create``)."""
    add = therapist_client.get(reverse("admin:patients_assignment_add"))
    response = therapist_client.post(
        changelist(Patient), {"action": "assign", "_selected_action": [patient.pk]}
    )

    assert add.status_code == 403
    assert response.status_code in (200, 302)  # Django: "No action selected."
    assert not Assignment.objects.exists()


# --- a stopped programme ---------------------------------------------------------------------


def test_the_patient_page_of_a_stopped_programme_shows_where_the_red_flag_came_from(
    therapist_client, assignment, therapist
):
    # In phase 2, so going back is possible (phase 1 offers no "go back").
    services.assignment_advance(assignment=assignment, changed_by=therapist, reason="stable")
    session = _red_flag_session(assignment, red_flag_bladder_bowel=True)

    response = therapist_client.get(change_url(assignment.patient))

    page = response.content.decode()
    banner = page[page.index('id="safety-banner"') : page.index('id="patient-overview"')]
    assert "Programme status: stopped (red flag)" in banner
    assert str(RedFlagSign.CAUDA_BLADDER.label) in banner
    assert "session check-in" in banner
    assert page.index('id="safety-banner"') < page.index('id="programme"')
    programme = section(page, "programme")
    assert re.search(r'id="programme-status" class="stopped">stopped \(red flag\)<', programme)
    assert 'id="stopped-help"' in programme
    for name in ("pause", "resume", "advance"):
        assert patient_url(assignment.patient, name) not in page
    assert patient_url(assignment.patient, "regress") in page
    red_flags = section(page, "red-flags")
    assert 'data-source="session"' in red_flags
    assert change_url(session) in red_flags
    assert "<dt>bladder or bowel changes</dt><dd>yes</dd>" in red_flags
    assert "<dt>new numbness in the saddle area</dt><dd>no</dd>" in red_flags
    assert "<dt>pain before the session</dt><dd>4</dd>" in red_flags
    assert "Taubheit seit heute früh" in red_flags
    assert str(rules.Advice.EMERGENCY_NOW.message) in red_flags
    assert str(rules.Advice.PROGRAMME_STOPPED.message) in red_flags
    flag = RedFlag.objects.get(patient=assignment.patient)
    clear = reverse("admin:patients_patient_clear_red_flag", args=[assignment.patient.pk, flag.pk])
    assert clear in red_flags
    assert 'name="note"' in red_flags
    history = section(page, "phase-history")
    assert 'data-kind="stop"' in history
    assert "Red flag: Cauda equina: bladder or bowel dysfunction" in history


def test_resume_and_pause_are_refused_for_a_stopped_programme_on_page_and_in_actions(
    therapist_client, assignment
):
    _red_flag_session(assignment, red_flag_leg_weakness=True)
    patient = assignment.patient

    on_page = therapist_client.post(patient_url(patient, "resume"), follow=True)
    by_action = therapist_client.post(
        changelist(Patient), {"action": "resume", "_selected_action": [patient.pk]}, follow=True
    )
    on_assignments = therapist_client.post(
        changelist(Assignment),
        {"action": "resume", "_selected_action": [assignment.pk]},
        follow=True,
    )
    paused = therapist_client.post(
        changelist(Patient), {"action": "pause", "_selected_action": [patient.pk]}, follow=True
    )

    refusal = "A red flag stopped this programme: record the medical clearance to resume it."
    assert f"{patient}: {refusal}" in messages_of(on_page)
    assert f"{patient}: {refusal}" in messages_of(by_action)
    assert f"{patient}: {refusal}" in messages_of(on_assignments)
    assert f"{patient}: Only an active programme can be paused." in messages_of(paused)
    assert _status(assignment) == AssignmentStatus.STOPPED
    assert not PhaseChange.objects.filter(kind=PhaseChangeKind.RESUME).exists()


def test_clearing_the_last_red_flag_resumes_the_programme_with_who_when_and_why(
    therapist_client, assignment, therapist
):
    _red_flag_session(assignment, red_flag_bladder_bowel=True, red_flag_leg_weakness=True)
    patient = assignment.patient
    bladder, weakness = (
        RedFlag.objects.get(patient=patient, sign=sign)
        for sign in (RedFlagSign.CAUDA_BLADDER, RedFlagSign.LEG_WEAKNESS)
    )

    def clear(flag, note):
        url = reverse("admin:patients_patient_clear_red_flag", args=[patient.pk, flag.pk])
        return therapist_client.post(url, {"note": note}, follow=True)

    no_note = clear(bladder, "   ")
    first = clear(bladder, "Notaufnahme: kein Cauda-Syndrom")
    still_stopped = _status(assignment)
    last = clear(weakness, "Neurologie: Kraft seitengleich")

    assert any(m.startswith("Medical clearance:") for m in messages_of(no_note))
    assert "No red flag is open any more" not in " ".join(messages_of(first))
    assert still_stopped == AssignmentStatus.STOPPED
    assert "No red flag is open any more: the programme is active again." in messages_of(last)
    assert _status(assignment) == AssignmentStatus.ACTIVE
    resume = PhaseChange.objects.get(assignment=assignment, kind=PhaseChangeKind.RESUME)
    assert resume.changed_by == therapist
    assert resume.reason == "Neurologie: Kraft seitengleich"
    page = last.content.decode()
    assert 'id="safety-banner"' not in page
    history = section(page, "phase-history")
    assert 'data-kind="stop"' in history
    assert 'data-kind="resume"' in history
    assert "Neurologie: Kraft seitengleich" in history
    assert str(therapist) in history or therapist.get_username() in history
    assert patient_url(patient, "pause") in page  # an active programme again
    assert LogEntry.objects.filter(
        object_id=str(patient.pk), change_message="Resumed the programme after clearance."
    ).exists()
    assert AuditEntry.objects.filter(
        object_type="patients.assignment", object_id=str(assignment.pk), fields=["status"]
    ).exists()


def test_the_patient_list_shows_and_filters_stopped_programmes(therapist_client, assignment):
    _red_flag_session(assignment, red_flag_saddle_numbness=True)

    listed = therapist_client.get(changelist(Patient))
    stopped = therapist_client.get(changelist(Patient), {"status": "stopped"})
    active = therapist_client.get(changelist(Patient), {"status": "active"})

    assert '<strong class="stopped">(stopped (red flag))</strong>' in listed.content.decode()
    assert [p.pk for p in stopped.context["cl"].result_list] == [assignment.patient.pk]
    assert not list(active.context["cl"].result_list)


# --- symptom reports --------------------------------------------------------------------------


def test_a_symptom_reports_red_flag_is_on_the_patient_page_with_the_answers(
    therapist_client, assignment, foreign
):
    patient = assignment.patient
    report = services.symptom_report_create(
        patient=patient,
        pain=7,
        notes="Taubes Gefühl am Gesäß",
        **{**NO_SIGNS, "red_flag_saddle_numbness": True},
    )
    quiet = services.symptom_report_create(patient=patient, pain=2, notes="", **NO_SIGNS)

    page = therapist_client.get(change_url(patient)).content.decode()

    red_flags = section(page, "red-flags")
    assert 'data-source="symptom_report"' in red_flags
    assert "From the symptom report of" in red_flags
    assert "<dt>new numbness in the saddle area</dt><dd>yes</dd>" in red_flags
    assert "<dt>pain</dt><dd>7</dd>" in red_flags
    assert "Taubes Gefühl am Gesäß" in red_flags
    assert str(rules.Advice.EMERGENCY_NOW.message) in red_flags
    assert change_url(report) in red_flags
    reports = section(page, "symptom-reports")
    assert change_url(report) in reports and change_url(quiet) in reports
    assert "new numbness in the saddle area;" in reports
    assert "red flag reported" in reports
    assert change_url(foreign["report"]) not in page


def test_the_symptom_report_list_is_read_only_scoped_and_audited(
    therapist_client, therapist, patient, foreign
):
    own = services.symptom_report_create(
        patient=patient, pain=6, **{**NO_SIGNS, "red_flag_leg_weakness": True}
    )

    listed = therapist_client.get(changelist(SymptomReport))
    shown = therapist_client.get(change_url(own))
    edit = therapist_client.post(change_url(own), {"pain": 0})
    other = therapist_client.get(change_url(foreign["report"]))
    add = therapist_client.get(reverse("admin:patients_symptomreport_add"))

    assert [r.pk for r in listed.context["cl"].result_list] == [own.pk]
    assert "Fremdling" not in listed.content.decode()
    assert shown.status_code == 200
    assert not shown.context["has_change_permission"]
    assert "new leg weakness" in shown.content.decode().lower()
    assert edit.status_code == 403
    assert SymptomReport.objects.get(pk=own.pk).pain == 6
    assert other.status_code == 404
    assert add.status_code == 403
    entries = AuditEntry.objects.filter(user=therapist, object_type="patients.symptomreport")
    assert set(entries.values_list("action", "object_id")) == {
        (AuditAction.LIST, str(own.pk)),
        (AuditAction.VIEW, str(own.pk)),
    }


def test_the_practice_admin_sees_every_symptom_report(admin_client_logged_in, patient, foreign):
    own = services.symptom_report_create(patient=patient, pain=1, **NO_SIGNS)

    listed = admin_client_logged_in.get(changelist(SymptomReport))

    assert {r.pk for r in listed.context["cl"].result_list} == {own.pk, foreign["report"].pk}


def _bulk_reports(therapist, count, start=0):
    patients = []
    for n in range(start, start + count):
        user = get_user_model().objects.create(username=f"sr{n}", last_name=f"Bulk{n}")
        patients.append(Patient.objects.create(user=user, therapist=therapist))
    now = timezone.now()
    SymptomReport.objects.bulk_create(
        SymptomReport(
            patient=patient,
            reported_at=now - timedelta(hours=n),
            local_date=timezone.localdate(),
            pain=n % 11,
            flagged=n % 2 == 0,
            flag_reasons=["pain_above_limit"] if n % 2 == 0 else [],
            **{**NO_SIGNS, "red_flag_leg_weakness": n % 3 == 0},
        )
        for n, patient in enumerate(patients)
    )
    Alert.objects.bulk_create(
        Alert(patient=patient, kind=FlagKind.RED_FLAG, details=["leg_weakness"])
        for patient in patients
    )


def _count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries), response


def test_the_symptom_report_list_costs_the_same_queries_for_20_and_200_reports(therapist):
    client = english_client(therapist)
    _bulk_reports(therapist, 20)
    small, _response = _count_queries(client, changelist(SymptomReport), {"all": ""})
    _bulk_reports(therapist, 180, start=20)
    large, response = _count_queries(client, changelist(SymptomReport), {"all": ""})

    assert small == large
    assert large <= 14
    assert len(response.context["cl"].result_list) == 200


def test_the_patient_page_costs_the_same_with_more_red_flags_and_reports(
    therapist_client, assignment
):
    patient = assignment.patient
    services.symptom_report_create(
        patient=patient, pain=6, **{**NO_SIGNS, "red_flag_leg_weakness": True}
    )
    therapist_client.get(change_url(patient))  # warm caches
    small, _response = _count_queries(therapist_client, change_url(patient))
    _red_flag_session(assignment, red_flag_bladder_bowel=True, red_flag_saddle_numbness=True)
    for pain in range(4):
        services.symptom_report_create(
            patient=patient, pain=pain, **{**NO_SIGNS, "red_flag_saddle_numbness": True}
        )
    services.screening_record(
        patient=patient, screened_by=None, signs=[RedFlagSign.TUMOUR_HISTORY], notes="x"
    )
    large, response = _count_queries(therapist_client, change_url(patient))

    assert len(response.context["red_flag_origins"]) == 7  # 5 reports, a session, a screening
    assert small == large


# --- the alert list ---------------------------------------------------------------------------


def test_the_alert_list_puts_red_flags_first_marked_and_shows_open_ones_by_default(
    therapist_client, therapist, assignment, log_session
):
    log_session(assignment, pain_before=1, pain_after=4)  # pain rose: an older, plain alert
    _red_flag_session(assignment, red_flag_saddle_numbness=True)
    newest = Alert.objects.create(patient=assignment.patient, kind=FlagKind.PAIN_RISE)
    red = Alert.objects.get(kind=FlagKind.RED_FLAG)
    done = Alert.objects.create(patient=assignment.patient, kind=FlagKind.RED_FLAG)
    services.alerts_acknowledge(alerts=Alert.objects.filter(pk=done.pk), acknowledged_by=therapist)

    listed = therapist_client.get(changelist(Alert))
    acknowledged = therapist_client.get(changelist(Alert), {"status": "done"})
    everything = therapist_client.get(changelist(Alert), {"status": "all"})

    rows = [alert.pk for alert in listed.context["cl"].result_list]
    assert rows[0] == red.pk
    assert newest.pk in rows
    assert done.pk not in rows
    page = listed.content.decode()
    assert page.count('class="urgent-marker"') == 1
    assert "Red flag" in page
    assert str(RedFlagSign.CAUDA_SADDLE.label) in page
    assert [a.pk for a in acknowledged.context["cl"].result_list] == [done.pk]
    assert [a.pk for a in everything.context["cl"].result_list][-1] == done.pk
    assert len(everything.context["cl"].result_list) == len(rows) + 1


def test_the_patient_page_lists_open_alerts_red_flags_first_and_acknowledges_them(
    therapist_client, therapist, assignment, log_session
):
    patient = assignment.patient
    log_session(assignment, pain_before=1, pain_after=4)  # pain rose
    _red_flag_session(assignment, red_flag_leg_weakness=True)
    red = Alert.objects.get(kind=FlagKind.RED_FLAG)

    page = therapist_client.get(change_url(patient)).content.decode()
    alerts = section(page, "open-alerts")
    response = therapist_client.post(
        reverse("admin:patients_alert_acknowledge", args=[red.pk]),
        {"next": change_url(patient)},
        follow=True,
    )

    kinds = re.findall(r'<tr data-kind="([^"]+)">', alerts)
    assert kinds[0] == "red_flag"
    assert "pain_rise" in kinds
    assert str(RedFlagSign.LEG_WEAKNESS.label) in alerts
    assert response.redirect_chain[-1][0] == change_url(patient)
    red.refresh_from_db()
    assert red.acknowledged_by == therapist
    after = section(response.content.decode(), "open-alerts")
    assert 'data-kind="red_flag"' not in after
    assert 'data-kind="pain_rise"' in after
