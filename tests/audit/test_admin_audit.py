"""What the therapist admin writes to the audit log: reads and changes of patient data by
therapists and the practice admin, with the patient's id and the changed fields' names only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from patients.models import Alert, Assignment, Patient, RedFlag, SessionLog
from tests.audit.conftest import rows
from tests.patients.conftest import english_client

pytestmark = pytest.mark.django_db


def change_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def page_url(patient, name):
    return reverse(f"admin:patients_patient_{name}", args=[patient.pk])


def audit_inserts(queries) -> int:
    return sum(
        query["sql"].startswith('INSERT INTO "audit_auditentry"')
        for query in queries.captured_queries
    )


def test_viewing_the_patient_page_records_one_view(therapist_client, therapist, patient):
    response = therapist_client.get(change_url(patient), REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 200
    assert rows() == [(therapist.pk, patient.pk, "view", "patients.patient", str(patient.pk), [])]
    assert AuditEntry.objects.get().address == "192.0.2.7"


def test_the_patient_list_records_every_patient_shown_in_one_insert(
    therapist_client, therapist, make_patient, other_therapist
):
    mine = [make_patient() for _ in range(3)]
    make_patient(therapist=other_therapist)  # not shown, not recorded

    with CaptureQueriesContext(connection) as queries:
        response = therapist_client.get(changelist(Patient))

    assert response.status_code == 200
    assert audit_inserts(queries) == 1
    assert sorted(rows()) == sorted(
        (therapist.pk, p.pk, "list", "patients.patient", str(p.pk), []) for p in mine
    )


def test_changing_the_patient_records_the_changed_field_names_not_values(
    therapist_client, therapist, patient
):
    # A split date-time field cannot be posted back unchanged (microseconds): leave it empty.
    Patient.objects.filter(pk=patient.pk).update(consent_at=None)
    page = therapist_client.get(change_url(patient))
    data = {
        name: value
        for name, value in page.context["adminform"].form.initial.items()
        if value is not None
    }

    response = therapist_client.post(
        change_url(patient), {**data, "pain_limit": 5, "diagnosis": "Bandscheibe L4/L5 secret"}
    )

    assert response.status_code == 302
    change = rows(action="change")
    assert change == [
        (therapist.pk, patient.pk, "change", "patients.patient", str(patient.pk), change[0][5])
    ]
    assert sorted(change[0][5]) == ["diagnosis", "pain_limit"]
    stored = str(list(AuditEntry.objects.values()))
    assert "secret" not in stored
    assert "Schmidt" not in stored and "anna@example.org" not in stored


def test_adding_a_patient_records_the_addition(therapist_client, therapist):
    response = therapist_client.post(
        reverse("admin:patients_patient_add"),
        {
            "username": "neu",
            "first_name": "Nina",
            "last_name": "Neu",
            "email": "nina@example.org",
            "language": "de",
            "time_zone": "Europe/Berlin",
            "reminder_time": "18:00",
            "remind_by_email": "on",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "07:00",
            "pain_limit": 3,
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    patient = Patient.objects.get(user__username="neu")
    assert rows() == [(therapist.pk, patient.pk, "add", "patients.patient", str(patient.pk), [])]


def test_phase_changes_and_screenings_on_the_patient_page_are_recorded(
    therapist_client, therapist, assignment
):
    patient = assignment.patient

    therapist_client.post(page_url(patient, "advance"), {"reason": "Foundation holds"})
    therapist_client.post(page_url(patient, "pause"))
    therapist_client.post(page_url(patient, "screening"), {"signs": [], "notes": "unremarkable"})

    screening = patient.screenings.latest("screened_at")  # the fixture screened before
    assert rows() == [
        (
            therapist.pk,
            patient.pk,
            "change",
            "patients.assignment",
            str(assignment.pk),
            ["current_phase", "phase_started_on"],
        ),
        (therapist.pk, patient.pk, "change", "patients.assignment", str(assignment.pk), ["status"]),
        (therapist.pk, patient.pk, "add", "patients.screening", str(screening.pk), []),
    ]


def test_a_refused_change_records_nothing(therapist_client, assignment):
    response = therapist_client.post(page_url(assignment.patient, "advance"), {"reason": ""})

    assert response.status_code == 302
    assert rows() == []


def test_prescription_changes_name_the_inline_fields(therapist_client, therapist, assignment):
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

    response = therapist_client.post(change_url(assignment), data)

    assert response.status_code == 302
    assert rows(action="change") == [
        (
            therapist.pk,
            assignment.patient_id,
            "change",
            "patients.assignment",
            str(assignment.pk),
            ["prescriptionitem.sets"],
        )
    ]


def test_changelist_actions_record_each_changed_assignment(
    therapist_client, therapist, assignment, make_patient, master
):
    from patients import services

    berta = make_patient()
    services.screening_record(patient=berta, screened_by=therapist, signs=[])
    second = services.assignment_create(patient=berta, program=master, created_by=therapist)

    therapist_client.post(
        changelist(Patient),
        {"action": "pause", "_selected_action": [assignment.patient_id, second.patient_id]},
    )

    assert sorted(rows(action="change")) == sorted(
        (therapist.pk, a.patient_id, "change", "patients.assignment", str(a.pk), ["status"])
        for a in (assignment, second)
    )


def test_session_page_and_alert_acknowledgement_are_recorded(
    therapist_client, therapist, assignment, log_session
):
    session = log_session(assignment, pain_before=1, pain_after=4)  # raises an alert
    alert = Alert.objects.filter(session=session).first()

    therapist_client.get(change_url(session))
    therapist_client.post(
        changelist(Alert), {"action": "acknowledge", "_selected_action": [alert.pk]}
    )

    patient_id = assignment.patient_id
    assert rows() == [
        (therapist.pk, patient_id, "view", "patients.sessionlog", str(session.pk), []),
        (
            therapist.pk,
            patient_id,
            "change",
            "patients.alert",
            str(alert.pk),
            ["acknowledged_at", "acknowledged_by"],
        ),
    ]


def test_the_practice_admin_is_audited_too_including_deletions(
    admin_client_logged_in, superuser, patient
):
    from patients import services

    services.screening_record(patient=patient, screened_by=superuser, signs=["cauda_saddle"])
    red_flag = RedFlag.objects.get(patient=patient)

    admin_client_logged_in.get(reverse("admin:patients_redflag_delete", args=[red_flag.pk]))
    admin_client_logged_in.post(
        reverse("admin:patients_redflag_delete", args=[red_flag.pk]), {"post": "yes"}
    )

    assert not RedFlag.objects.filter(pk=red_flag.pk).exists()
    assert rows() == [
        (superuser.pk, patient.pk, "view", "patients.redflag", str(red_flag.pk), []),
        (superuser.pk, patient.pk, "delete", "patients.redflag", str(red_flag.pk), []),
    ]


def test_another_therapists_patient_answers_404_and_records_nothing(
    other_therapist_client, patient, assignment
):
    assert other_therapist_client.get(change_url(patient)).status_code == 404
    assert other_therapist_client.get(change_url(assignment)).status_code == 404
    assert rows() == []


def test_questionnaire_responses_and_reminder_deliveries_are_recorded(
    therapist, patient, make_patient
):
    from questionnaires.models import Questionnaire
    from questionnaires.services import response_submit

    questionnaire = Questionnaire.objects.get(slug="nrs-pain-week")
    answers = {
        item.link_id: item.options.order_by("order", "value").first().value
        for item in questionnaire.items.all()
    }
    response = response_submit(patient=patient, questionnaire=questionnaire, answers=answers)
    client = english_client(therapist)

    client.get(reverse("admin:questionnaires_response_changelist"))
    client.get(change_url(response))

    assert rows() == [
        (therapist.pk, patient.pk, "list", "questionnaires.response", str(response.pk), []),
        (therapist.pk, patient.pk, "view", "questionnaires.response", str(response.pk), []),
    ]


def test_a_patients_own_portal_use_is_not_audited(client, patient, assignment, log_session):
    log_session(assignment)
    client.force_login(patient.user)

    for name in ("portal:today", "portal:history", "portal:progress", "portal:habits"):
        assert client.get(reverse(name)).status_code == 200

    assert SessionLog.objects.filter(patient=patient).exists()
    assert Assignment.objects.filter(patient=patient).exists()
    assert rows() == []


def test_the_changed_fields_name_added_and_deleted_inline_rows_never_values():
    from types import SimpleNamespace

    from audit.admin_mixins import changed_field_names

    form = SimpleNamespace(changed_data=["pain_limit"])
    model = SimpleNamespace(_meta=SimpleNamespace(model_name="prescriptionitem"))
    inline = SimpleNamespace(
        model=model,
        new_objects=[object()],
        changed_objects=[(object(), ["sets"])],
        deleted_objects=[object()],
    )

    assert changed_field_names(form, [inline]) == [
        "pain_limit",
        "prescriptionitem.added",
        "prescriptionitem.sets",
        "prescriptionitem.deleted",
    ]
