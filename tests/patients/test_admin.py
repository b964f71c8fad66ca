"""The therapist admin: scoping to the therapist's own patients everywhere, the patient page,
phase and status changes through the services, the alert list, and fixed query counts."""

import json
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from patients import selectors, services
from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    Patient,
    PhaseChange,
    PhaseChangeKind,
    RedFlag,
    RedFlagSign,
    SessionLog,
)
from programs.models import Phase
from tests import factories
from tests.patients.conftest import english_client

pytestmark = pytest.mark.django_db


def changelist(model):
    return reverse(f"admin:patients_{model._meta.model_name}_changelist")


def change_url(obj):
    return reverse(f"admin:patients_{obj._meta.model_name}_change", args=[obj.pk])


def patient_url(patient, name):
    return reverse(f"admin:patients_patient_{name}", args=[patient.pk])


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def foreign(other_therapist, make_patient, master, log_session):
    """Another therapist's patient with an assignment, a flagged session, an alert and a red
    flag: everything a therapist must not see."""
    patient = make_patient(therapist=other_therapist, first_name="Fremd", last_name="Fremdling")
    services.screening_record(patient=patient, screened_by=other_therapist, signs=[])
    assignment = services.assignment_create(
        patient=patient, program=master, created_by=other_therapist
    )
    session = log_session(assignment, pain_before=2, pain_after=6)
    services.screening_record(
        patient=patient, screened_by=other_therapist, signs=[RedFlagSign.TUMOUR_HISTORY]
    )
    return {
        "patient": patient,
        "assignment": assignment,
        "session": session,
        "alert": Alert.objects.filter(session=session).first(),
        "red_flag": patient.red_flags.get(),
    }


# --- group and access -----------------------------------------------------------------------


def test_the_therapist_group_has_the_expected_permissions():
    group = Group.objects.get(name="Therapeut")
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))

    for model in ("patient", "assignment", "sessionlog", "alert", "redflag", "prescriptionitem"):
        for action in ("view", "add", "change"):
            assert ("patients", f"{action}_{model}") in codenames
    for model in ("program", "exercise", "phase", "traininggoal", "dailyhabit"):
        for action in ("view", "add", "change"):
            assert ("programs", f"{action}_{model}") in codenames
    assert not [codename for _app, codename in codenames if codename.startswith("delete_")]
    assert not [app for app, _codename in codenames if app == "auth"]


def test_a_patient_login_cannot_open_the_admin(patient):
    client = english_client(patient.user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_patient_login_cannot_open_its_own_patient_page(patient):
    response = english_client(patient.user).get(change_url(patient))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- scoping --------------------------------------------------------------------------------


def test_changelist_and_search_show_only_the_therapists_own_patients(
    therapist_client, patient, foreign
):
    listed = therapist_client.get(changelist(Patient))
    searched = therapist_client.get(changelist(Patient), {"q": "Fremd"})
    searched_own = therapist_client.get(changelist(Patient), {"q": "Schmidt"})

    assert [p.pk for p in listed.context["cl"].result_list] == [patient.pk]
    assert "Fremdling" not in listed.content.decode()
    assert searched.context["cl"].result_count == 0
    assert searched_own.context["cl"].result_count == 1


def test_the_practice_admin_sees_every_patient_and_can_filter_by_therapist(
    admin_client_logged_in, patient, foreign, other_therapist
):
    listed = admin_client_logged_in.get(changelist(Patient))
    filtered = admin_client_logged_in.get(
        changelist(Patient), {"therapist__id__exact": other_therapist.pk}
    )

    assert listed.context["cl"].result_count == 2
    assert [p.pk for p in filtered.context["cl"].result_list] == [foreign["patient"].pk]


@pytest.mark.parametrize("model_name", ["assignment", "sessionlog", "alert", "redflag"])
@pytest.mark.parametrize("term", ["", "Fremd", "Anna"])
def test_autocomplete_of_patients_does_not_leak(
    therapist_client, assignment, foreign, model_name, term
):
    response = therapist_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "patients", "model_name": model_name, "field_name": "patient", "term": term},
    )

    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert foreign["patient"].pk not in ids
    assert ids <= {assignment.patient.pk}


@pytest.mark.parametrize("key", ["patient", "assignment", "session", "alert", "red_flag"], ids=str)
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_therapists_objects_answer_404_by_url(therapist_client, foreign, key, view):
    obj = foreign[key]
    url = reverse(f"admin:patients_{obj._meta.model_name}_{view}", args=[obj.pk])

    response = therapist_client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("model", [SessionLog, Alert, Assignment, RedFlag], ids=str)
def test_lists_of_related_objects_show_only_own_patients(
    therapist_client, assignment, log_session, foreign, model
):
    log_session(assignment, pain_before=1, pain_after=7)
    services.screening_record(
        patient=assignment.patient, screened_by=None, signs=[RedFlagSign.INFECTION_FEVER]
    )

    response = therapist_client.get(changelist(model))

    patients = {obj.patient_id for obj in response.context["cl"].result_list}
    assert patients == {assignment.patient.pk}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("advance", {"reason": "x"}),
        ("regress", {"reason": "x"}),
        ("pause", {}),
        ("resume", {}),
        ("screening", {"signs": ["leg_weakness"]}),
        ("assign", {"program": 1}),
    ],
)
def test_the_patient_page_actions_answer_404_for_another_therapists_patient(
    therapist_client, foreign, name, data
):
    response = therapist_client.post(patient_url(foreign["patient"], name), data)

    assert response.status_code == 404
    assert not PhaseChange.objects.exclude(
        kind__in=[PhaseChangeKind.START, PhaseChangeKind.STOP]
    ).exists()


def test_clearing_another_therapists_red_flag_answers_404(therapist_client, foreign):
    url = reverse(
        "admin:patients_patient_clear_red_flag",
        args=[foreign["patient"].pk, foreign["red_flag"].pk],
    )

    response = therapist_client.post(url, {"note": "cleared by a stranger"})

    assert response.status_code == 404
    assert RedFlag.objects.filter(cleared_at__isnull=True).count() == 1


def test_the_patient_page_actions_need_post(therapist_client, assignment):
    response = therapist_client.get(patient_url(assignment.patient, "pause"))

    assert response.status_code == 405


def test_changelist_actions_ignore_selected_ids_of_other_therapists(
    therapist_client, assignment, foreign
):
    response = therapist_client.post(
        changelist(Patient),
        {"action": "pause", "_selected_action": [assignment.patient.pk, foreign["patient"].pk]},
    )

    assert response.status_code == 302
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.PAUSED
    # The foreign patient's red flag stopped that programme; the action left it alone.
    assert Assignment.objects.get(pk=foreign["assignment"].pk).status == AssignmentStatus.STOPPED


# --- creating a patient ---------------------------------------------------------------------

NEW_PATIENT = {
    "username": "bernd",
    "first_name": "Bernd",
    "last_name": "Becker",
    "email": "bernd@example.org",
    "language": "de",
    "time_zone": "Europe/Berlin",
    "reminder_time": "18:00",
    "remind_by_email": "on",
    "quiet_hours_start": "21:00",
    "quiet_hours_end": "07:00",
    "pain_limit": "3",
    "diagnosis": "Bandscheibenvorfall L4/5",
    "consent_version": "2025-1",
}


def test_a_therapist_creates_a_patient_of_their_own(therapist_client, therapist, other_therapist):
    form = therapist_client.get(reverse("admin:patients_patient_add"))
    response = therapist_client.post(
        reverse("admin:patients_patient_add"), {**NEW_PATIENT, "therapist": other_therapist.pk}
    )

    assert "therapist" not in form.context["adminform"].form.fields
    assert response.status_code == 302, response.context["adminform"].form.errors
    patient = Patient.objects.get(user__username="bernd")
    assert patient.therapist == therapist
    assert patient.diagnosis == "Bandscheibenvorfall L4/5"
    assert not patient.user.has_usable_password()
    assert LogEntry.objects.filter(object_id=str(patient.pk)).exists()


def test_the_practice_admin_chooses_the_therapist(admin_client_logged_in, other_therapist):
    response = admin_client_logged_in.post(
        reverse("admin:patients_patient_add"), {**NEW_PATIENT, "therapist": other_therapist.pk}
    )

    assert response.status_code == 302
    assert Patient.objects.get(user__username="bernd").therapist == other_therapist


def test_a_taken_username_is_a_form_error(therapist_client, patient):
    response = therapist_client.post(
        reverse("admin:patients_patient_add"), {**NEW_PATIENT, "username": "Anna"}
    )

    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors


def test_a_therapist_cannot_hand_a_patient_to_another_therapist(
    therapist_client, patient, other_therapist
):
    page = therapist_client.get(change_url(patient))
    data = {
        name: value
        for name, value in page.context["adminform"].form.initial.items()
        if value is not None
    }
    therapist_client.post(change_url(patient), {**data, "therapist": other_therapist.pk})

    assert "therapist" not in page.context["adminform"].form.fields
    assert Patient.objects.get(pk=patient.pk).therapist_id == patient.therapist_id


# --- the patient page -----------------------------------------------------------------------


def test_the_patient_page_shows_phase_readiness_prescription_and_chart_data(
    therapist_client, assignment, log_session
):
    log_session(assignment, pain_before=2, pain_after=6)

    response = therapist_client.get(change_url(assignment.patient))

    page = response.content.decode()
    assert response.status_code == 200
    assert str(assignment.current_phase) in page
    readiness = response.context["overview"]["readiness"]
    assert not readiness.ready
    for reason in readiness.reasons:
        assert str(reason.message) in page
    assert 'class="not-met"' in page
    first_item = response.context["overview"]["items"][0]
    assert first_item.dosage_text in page
    chart = json.loads(
        page.split('id="patient-chart-data" type="application/json">')[1].split("<")[0]
    )
    assert chart["pain_before"] == [2]
    assert chart["pain_after"] == [6]
    assert chart["pain_limit"] == 3
    assert chart["weekly_adherence"]
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert "js/admin-patient-charts.js" in page
    assert "<script>" not in page  # the CSP forbids inline scripts
    flagged = response.context["flagged_sessions"]
    assert [session.pk for session, _reasons in flagged] == [SessionLog.objects.get().pk]
    assert "pain rose during the session" in page


def test_the_patient_page_of_a_new_patient_offers_the_assignment(therapist_client, patient):
    response = therapist_client.get(change_url(patient))

    assert response.status_code == 200
    assert response.context["overview"]["assignment"] is None
    assert patient_url(patient, "assign") in response.content.decode()


def test_a_red_flag_blocks_the_assignment_until_a_clearance_is_recorded(
    therapist_client, patient, master, therapist
):
    screened = therapist_client.post(
        patient_url(patient, "screening"),
        {"signs": [RedFlagSign.CAUDA_BLADDER], "notes": "seit gestern"},
        follow=True,
    )
    red_flag = patient.red_flags.get()
    refused = therapist_client.post(
        patient_url(patient, "assign"), {"program": master.pk}, follow=True
    )
    clear_url = reverse("admin:patients_patient_clear_red_flag", args=[patient.pk, red_flag.pk])
    no_note = therapist_client.post(clear_url, {"note": "  "}, follow=True)

    assert red_flag.sign == RedFlagSign.CAUDA_BLADDER
    assert red_flag.recorded_by == therapist
    assert "Screening recorded with 1 red flag." in messages_of(screened)
    assert not Assignment.objects.filter(patient=patient).exists()
    assert any("unresolved red flag" in message for message in messages_of(refused))
    assert RedFlag.objects.get(pk=red_flag.pk).cleared_at is None
    assert any("Medical clearance" in message for message in messages_of(no_note))

    cleared = therapist_client.post(clear_url, {"note": "Urologie: unauffällig"}, follow=True)
    assigned = therapist_client.post(
        patient_url(patient, "assign"), {"program": master.pk}, follow=True
    )

    red_flag.refresh_from_db()
    assert red_flag.cleared_by == therapist
    assert red_flag.clearance_note == "Urologie: unauffällig"
    assert cleared.status_code == assigned.status_code == 200
    assignment = Assignment.objects.get(patient=patient)
    assert assignment.current_phase.number == 1
    assert assignment.items.exists()


def test_advance_on_the_patient_page_needs_a_reason(therapist_client, assignment, therapist):
    url = patient_url(assignment.patient, "advance")

    refused = therapist_client.post(url, {"reason": " "}, follow=True)
    advanced = therapist_client.post(url, {"reason": "Stabil, schmerzfrei"}, follow=True)

    assert any("Reason" in message for message in messages_of(refused))
    change = PhaseChange.objects.get(kind=PhaseChangeKind.ADVANCE)
    assert change.reason == "Stabil, schmerzfrei"
    assert change.changed_by == therapist
    assert change.to_phase.number == 2
    assert "Phase changed." in messages_of(advanced)
    assert advanced.redirect_chain[-1][0] == change_url(assignment.patient)


def test_regress_pause_and_resume_on_the_patient_page(therapist_client, assignment):
    patient = assignment.patient
    therapist_client.post(patient_url(patient, "advance"), {"reason": "gut"})
    therapist_client.post(patient_url(patient, "regress"), {"reason": "Schmerz nahm zu"})
    therapist_client.post(patient_url(patient, "pause"))
    paused = Assignment.objects.get(pk=assignment.pk).status
    refused = therapist_client.post(patient_url(patient, "pause"), follow=True)
    therapist_client.post(patient_url(patient, "resume"))

    assignment.refresh_from_db()
    assert assignment.current_phase.number == 1
    assert PhaseChange.objects.get(kind=PhaseChangeKind.REGRESS).reason == "Schmerz nahm zu"
    assert paused == AssignmentStatus.PAUSED
    assert any("Only an active programme can be paused." in m for m in messages_of(refused))
    assert assignment.status == AssignmentStatus.ACTIVE


# --- changelist actions ---------------------------------------------------------------------


def test_the_advance_action_asks_for_a_reason_before_it_changes_anything(
    therapist_client, assignment, make_patient, master, therapist
):
    berta = make_patient(first_name="Berta")
    services.screening_record(patient=berta, screened_by=therapist, signs=[])
    second = services.assignment_create(patient=berta, program=master, created_by=therapist)
    selected = [assignment.patient.pk, second.patient.pk]

    confirm = therapist_client.post(
        changelist(Patient), {"action": "advance", "_selected_action": selected}
    )
    empty = therapist_client.post(
        changelist(Patient),
        {"action": "advance", "_selected_action": selected, "apply": "1", "reason": ""},
    )

    assert confirm.status_code == 200
    assert "admin/patients/phase_change_confirmation.html" in [t.name for t in confirm.templates]
    assert empty.status_code == 200
    assert empty.context["form"].errors
    assert not PhaseChange.objects.filter(kind=PhaseChangeKind.ADVANCE).exists()

    done = therapist_client.post(
        changelist(Patient),
        {
            "action": "advance",
            "_selected_action": selected,
            "apply": "1",
            "reason": "Ziele erreicht",
        },
        follow=True,
    )

    changes = PhaseChange.objects.filter(kind=PhaseChangeKind.ADVANCE)
    assert {change.assignment_id for change in changes} == {assignment.pk, second.pk}
    assert {change.reason for change in changes} == {"Ziele erreicht"}
    assert "Changed the phase of 2 patients." in messages_of(done)
    assert LogEntry.objects.filter(object_id=str(assignment.patient.pk)).exists()


def test_the_regress_action_reports_what_the_service_refuses(therapist_client, assignment):
    response = therapist_client.post(
        changelist(Patient),
        {
            "action": "regress",
            "_selected_action": [assignment.patient.pk],
            "apply": "1",
            "reason": "zu früh",
        },
        follow=True,
    )

    assert any("first phase" in message for message in messages_of(response))
    assert not PhaseChange.objects.filter(kind=PhaseChangeKind.REGRESS).exists()


def test_assignment_actions_and_prescription_overrides_go_through_the_services(
    therapist_client, assignment
):
    items = list(assignment.items.order_by("pk"))
    page = therapist_client.get(change_url(assignment))
    formset = page.context["inline_admin_formsets"][0].formset
    data = {
        f"{formset.prefix}-TOTAL_FORMS": len(items),
        f"{formset.prefix}-INITIAL_FORMS": len(items),
        f"{formset.prefix}-MIN_NUM_FORMS": 0,
        f"{formset.prefix}-MAX_NUM_FORMS": 1000,
        "phase_changes-TOTAL_FORMS": 1,
        "phase_changes-INITIAL_FORMS": 1,
        "phase_changes-MIN_NUM_FORMS": 0,
        "phase_changes-MAX_NUM_FORMS": 0,
    }
    for index, form in enumerate(formset.forms):
        data[f"{formset.prefix}-{index}-id"] = form.instance.pk
        for name, value in form.initial.items():
            if value is not None and name in form.fields:
                data[f"{formset.prefix}-{index}-{name}"] = value
    data[f"{formset.prefix}-0-sets"] = 1
    data[f"{formset.prefix}-1-remove"] = "on"
    data[f"{formset.prefix}-0-variant_allowed"] = "both"

    response = therapist_client.post(change_url(assignment), data)

    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"][0].formset.forms
    ]
    first, second = (type(item).objects.get(pk=item.pk) for item in items[:2])
    assert first.sets == 1
    assert first.variant_allowed == "both"  # the patient may switch (docs/product.md, "Variants")
    assert first.removed_at is None
    assert second.removed_at is not None


# --- alerts ---------------------------------------------------------------------------------


def test_alerts_list_open_first_and_the_action_acknowledges_through_the_service(
    therapist_client, therapist, assignment, log_session, foreign
):
    log_session(assignment, pain_before=1, pain_after=3)  # pain rose by 2
    log_session(assignment, pain_before=1, pain_after=1, pain=4)  # above the limit
    older, newer = Alert.objects.filter(patient=assignment.patient).order_by("created_at")
    services.alerts_acknowledge(alerts=Alert.objects.filter(pk=newer.pk), acknowledged_by=therapist)

    listed = therapist_client.get(changelist(Alert), {"status": "all"})
    open_only = therapist_client.get(changelist(Alert))  # open ones unless asked otherwise
    response = therapist_client.post(
        changelist(Alert),
        {"action": "acknowledge", "_selected_action": [older.pk, foreign["alert"].pk]},
        follow=True,
    )

    assert [alert.pk for alert in listed.context["cl"].result_list] == [older.pk, newer.pk]
    assert [alert.pk for alert in open_only.context["cl"].result_list] == [older.pk]
    assert "Acknowledged 1 alert." in messages_of(response)
    older.refresh_from_db()
    assert older.acknowledged_by == therapist
    assert Alert.objects.get(pk=foreign["alert"].pk).acknowledged_at is None


def test_session_page_is_read_only_with_entries_and_next_day_check(
    therapist_client, assignment, log_session
):
    session = log_session(assignment, pain_before=2, pain_after=3)
    services.next_day_check_record(session=session, pain=5)

    response = therapist_client.get(change_url(session))
    post = therapist_client.post(change_url(session), {})

    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert (
        len(response.context["inline_admin_formsets"][0].formset.forms) == assignment.items.count()
    )
    assert "next-day check" in response.content.decode().lower()
    assert post.status_code == 403


# --- query counts ---------------------------------------------------------------------------


def _bulk_patients(count, therapist, master, *, start=0):
    """``count`` patients with an assignment, some sessions, alerts and red flags, made in bulk
    (the services would take too long for the larger list)."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bulk{n}", first_name=f"Bulk{n}", last_name="Muster")
        for n in range(start, start + count)
    )
    patients = Patient.objects.bulk_create(
        Patient(user=user, therapist=therapist) for user in users
    )
    phases = list(Phase.objects.order_by("number"))
    today = timezone.localdate()
    assignments = Assignment.objects.bulk_create(
        Assignment(
            patient=patient,
            program=master,
            current_phase=phases[n % 4],
            phase_started_on=today - timedelta(days=20),
            start_date=today - timedelta(days=60),
            status=(
                AssignmentStatus.PAUSED
                if n % 7 == 0
                else AssignmentStatus.STOPPED  # the red flag below stopped it
                if n % 5 == 0
                else AssignmentStatus.ACTIVE
            ),
        )
        for n, patient in enumerate(patients)
    )
    sessions = SessionLog.objects.bulk_create(
        SessionLog(
            patient=assignment.patient,
            assignment=assignment,
            phase=assignment.current_phase,
            performed_at=timezone.now() - timedelta(days=day),
            local_date=today - timedelta(days=day),
            pain_before=2,
            pain_after=5 if day == 1 else 2,
            rpe=4,
            red_flag_saddle_numbness=False,
            red_flag_bladder_bowel=False,
            red_flag_leg_weakness=False,
            flagged=day == 1,
        )
        for assignment in assignments
        for day in range(1, 4)
    )
    Alert.objects.bulk_create(
        Alert(patient_id=session.patient_id, session=session, kind="pain_rise")
        for session in sessions
        if session.flagged
    )
    RedFlag.objects.bulk_create(
        RedFlag(patient=patient, sign=RedFlagSign.TUMOUR_HISTORY, source="intake")
        for patient in patients[::5]
    )


def _count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["therapist", "superuser"])
def test_the_patient_list_costs_the_same_queries_for_20_and_200_patients(
    therapist, superuser, master, who, django_assert_max_num_queries
):
    user = therapist if who == "therapist" else superuser
    client = english_client(user)
    url = changelist(Patient)
    params = {"red_flag": "no", "all": ""}  # every row on one page: an N+1 would show

    _bulk_patients(20, therapist, master)
    small = _count_queries(client, url, params)
    _bulk_patients(180, therapist, master, start=20)
    with django_assert_max_num_queries(16):
        response = client.get(url, params)
    large = _count_queries(client, url, params)

    assert small == large
    assert response.context["cl"].result_count == 160
    row = next(p for p in response.context["cl"].result_list if p.user.username == "bulk1")
    assert row.open_alerts == 1
    assert row.sessions_14d == 3
    assert row.phase.number == 2
    stopped = client.get(url, {"status": "stopped", "all": ""})  # the ones with a red flag
    assert stopped.context["cl"].result_count == 33
    assert stopped.content.decode().count("(stopped (red flag))") == 33


@pytest.mark.parametrize("who", ["therapist", "superuser"])
def test_the_patient_list_reads_5_and_200_patients_in_the_same_queries_and_audits_them(
    therapist, superuser, master, who, django_assert_num_queries
):
    """Every column comes with the page's one query: the same statements for 5 and 200 rows
    on one page, and the audit still records a LIST row per patient shown."""
    user = therapist if who == "therapist" else superuser
    client = english_client(user)
    url = changelist(Patient)
    _bulk_patients(5, therapist, master)
    client.get(url)  # warm the content-type cache and the catalogue snapshot
    small = _count_queries(client, url, {"all": ""})
    _bulk_patients(195, therapist, master, start=5)
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    with django_assert_num_queries(small) as queries:
        response = client.get(url, {"all": ""})

    assert response.context["cl"].result_count == 200
    assert response.content.decode().count('class="action-select"') == 200
    page_reads = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "patients_')
    ]
    assert len(page_reads) == 1  # no second read for adherence, phases or anything per row
    listed = AuditEntry.objects.filter(pk__gt=before, user=user, action=AuditAction.LIST)
    assert listed.count() == 200
    assert set(listed.values_list("patient_id", flat=True)) == set(
        Patient.objects.filter(therapist=therapist).values_list("pk", flat=True)
    )


def test_the_patient_list_rows_show_every_column_in_words(
    therapist_client, therapist, patient, assignment, log_session, make_patient, master
):
    """The rows the list writes itself: the name links to the patient page (with the list's
    filters kept), phase, last session, adherence, open alerts and an open red flag in words."""
    log_session(assignment, pain_before=2, pain_after=6)  # flagged: one open alert
    flagged = make_patient(first_name="Rita", last_name="Rot")
    RedFlag.objects.create(patient=flagged, sign=RedFlagSign.TUMOUR_HISTORY, source="intake")

    response = therapist_client.get(changelist(Patient), {"red_flag": "no"})
    html = response.content.decode()
    everyone = therapist_client.get(changelist(Patient)).content.decode()

    row = next(r for r in response.context["cl"].rows if "Anna Schmidt" in r)
    assert f'href="{change_url(patient)}?_changelist_filters=red_flag%3Dno"' in row
    assert '<td class="field-current_phase">1. Acute relief and tissue hydration</td>' in row
    assert '<td class="field-adherence">' in row and "(1 sessions)" in row
    open_alerts = Alert.objects.filter(patient=patient, acknowledged_at__isnull=True).count()
    assert open_alerts > 0
    assert f'<td class="field-alerts"><strong class="open-alerts">{open_alerts}</strong>' in row
    assert '<td class="field-red_flag">No</td>' in row
    assert "<time datetime=" in row
    assert "Rita Rot" not in html
    assert '<strong class="open-red-flag">Yes</strong>' in everyone
    assert '<label for="searchbar"><img' in html and "Search patients</span></label>" in html


def test_the_patient_list_in_a_popup_and_with_a_column_added_elsewhere(
    therapist_client, patient, monkeypatch
):
    """A popup (a raw-id lookup) links its rows back to the opener; a column that is not one of
    the list's own cells is shown the way Django's admin shows it."""
    popup = therapist_client.get(changelist(Patient), {"_popup": "1"})
    row = popup.context["cl"].rows[0]
    assert f'data-popup-opener="{patient.pk}"' in row

    patient_admin = admin.site.get_model_admin(Patient)
    monkeypatch.setattr(
        type(patient_admin),
        "get_list_display",
        lambda self, request: [*type(self).list_display, "pain_limit"],
    )
    listed = therapist_client.get(changelist(Patient))
    row = listed.context["cl"].rows[0]
    assert f'<td class="field-pain_limit">{patient.pain_limit}</td>' in row


def test_the_patient_list_adherence_is_the_rule_applied_to_the_same_days(
    therapist, therapist_client, make_patient, master, log_session
):
    """The list counts the days done in SQL; the result equals the selector that reads the
    days themselves (``adherence_for_patients``) for the same patients: skipped entries, a
    day trained twice, an exercise not done and a programme started inside the window."""
    today = timezone.localdate()
    patients = []
    for number, started_days_ago in enumerate([60, 5, 0]):
        patient = make_patient(first_name=f"Ad{number}")
        assignment = factories.assign(patient, program=master)
        Assignment.objects.filter(pk=assignment.pk).update(
            start_date=today - timedelta(days=started_days_ago)
        )
        exercises = list(
            assignment.items.filter(removed_at__isnull=True).values_list("exercise_id", flat=True)
        )
        for day in range(0, min(14, started_days_ago + 1), 2 + number):
            factories.log_session(
                patient,
                days_ago=day,
                exercises=exercises[: 1 + (day % len(exercises))],
            )
        if number == 0:
            log_session(assignment)  # a second session today
        patients.append(patient)

    response = therapist_client.get(changelist(Patient), {"all": ""})
    shown = {p.pk: p.adherence_14d for p in response.context["cl"].result_list}
    expected = selectors.adherence_for_patients([p.pk for p in patients], today=today)

    assert {pk: shown[pk] for pk in expected} == expected
    assert len(expected) == 3 and len(set(expected.values())) > 1


@pytest.mark.parametrize("model", [Alert, SessionLog, Assignment, RedFlag], ids=str)
def test_related_lists_cost_the_same_queries_for_20_and_200_patients(therapist, master, model):
    client = english_client(therapist)

    _bulk_patients(20, therapist, master)
    small = _count_queries(client, changelist(model))
    _bulk_patients(180, therapist, master, start=20)
    large = _count_queries(client, changelist(model))

    assert small == large
    assert large <= 14


def test_the_patient_page_query_count_does_not_grow_with_sessions(
    therapist_client, assignment, log_session
):
    Assignment.objects.filter(pk=assignment.pk).update(
        start_date=timezone.localdate() - timedelta(days=13)
    )
    log_session(assignment)
    therapist_client.get(change_url(assignment.patient))  # warm the content-type cache
    small = _count_queries(therapist_client, change_url(assignment.patient))
    for day in range(2, 12):
        log_session(assignment, performed_at=timezone.now() - timedelta(days=day), pain_after=6)
    large = _count_queries(therapist_client, change_url(assignment.patient))

    assert small == large


def test_foreign_key_choices_offer_only_own_patients_and_staff_therapists(
    rf, therapist, superuser, patient, foreign
):
    alert_admin = admin.site.get_model_admin(Alert)
    patient_admin = admin.site.get_model_admin(Patient)
    request = rf.get("/")
    request.user = therapist
    as_admin = rf.get("/")
    as_admin.user = superuser

    patients = alert_admin.formfield_for_foreignkey(Alert._meta.get_field("patient"), request)
    sessions = alert_admin.formfield_for_foreignkey(Alert._meta.get_field("session"), request)
    own = patient_admin.formfield_for_foreignkey(Patient._meta.get_field("therapist"), request)
    staff = patient_admin.formfield_for_foreignkey(Patient._meta.get_field("therapist"), as_admin)

    assert list(patients.queryset) == [patient]
    assert not sessions.queryset.filter(pk=foreign["session"].pk).exists()
    assert list(own.queryset) == [therapist]
    assert set(staff.queryset) == {therapist, foreign["patient"].therapist, superuser}


def test_creating_a_patient_emails_the_invitation_and_the_action_resends_it(
    therapist_client, patient, mailoutbox
):
    from django.core import mail

    response = therapist_client.post(
        reverse("admin:patients_patient_add"),
        {
            "username": "neu",
            "first_name": "Nora",
            "last_name": "Neumann",
            "email": "nora@example.org",
            "language": "de",
            "time_zone": "Europe/Berlin",
            "reminder_time": "18:00",
            "remind_by_email": "on",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "07:00",
            "pain_limit": "3",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert [message.to for message in mail.outbox] == [["nora@example.org"]]

    therapist_client.post(
        reverse("admin:patients_patient_changelist"),
        {"action": "invite", admin.helpers.ACTION_CHECKBOX_NAME: [patient.pk]},
    )
    assert mail.outbox[-1].to == [patient.user.email]
