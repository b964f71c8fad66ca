"""One write path for a patient record (docs/security.md): the admin's change form saves
through ``services.patient_update``, consent is read-only there (only the consent flow changes
it, with its record), and only the practice admin hands a patient to another therapist — in
the service, so the admin and the API hold alike."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from patients import services
from patients.models import Patient
from privacy.models import ConsentRecord

pytestmark = pytest.mark.django_db


def change_url(patient):
    return reverse("admin:patients_patient_change", args=[patient.pk])


def form_data(client, patient) -> tuple[dict, object]:
    """What the change form would post unchanged, and the form shown."""
    page = client.get(change_url(patient))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    return {name: value for name, value in data.items() if name in form.fields}, form


def change_audit(patient):
    return AuditEntry.objects.filter(
        action=AuditAction.CHANGE, object_type="patients.patient", object_id=str(patient.pk)
    )


@pytest.mark.parametrize("who", ["therapist", "practice admin"])
def test_consent_is_read_only_in_the_admin_and_a_forged_post_changes_nothing(
    who, therapist_client, admin_client_logged_in, patient
):
    client = therapist_client if who == "therapist" else admin_client_logged_in
    before = Patient.objects.get(pk=patient.pk)
    records = ConsentRecord.objects.filter(patient=patient).count()
    data, form = form_data(client, patient)
    page = client.get(change_url(patient)).content.decode()

    response = client.post(
        change_url(patient),
        {
            **data,
            "pain_limit": 4,
            "consent_at_0": "2020-01-01",
            "consent_at_1": "10:00:00",
            "consent_at": "2020-01-01 10:00:00",
            "consent_version": "forged-1",
        },
    )

    assert "consent_at" not in form.fields
    assert "consent_version" not in form.fields
    assert before.consent_version in page  # shown, not editable
    assert 'name="consent_version"' not in page
    assert response.status_code == 302
    after = Patient.objects.get(pk=patient.pk)
    assert after.pain_limit == 4
    assert after.consent_at == before.consent_at
    assert after.consent_version == before.consent_version
    assert ConsentRecord.objects.filter(patient=patient).count() == records
    assert list(change_audit(patient).values_list("fields", flat=True)) == [["pain_limit"]]


def test_the_change_form_saves_clinical_fields_and_quiet_hours_through_the_service(
    therapist_client, patient
):
    data, _form = form_data(therapist_client, patient)

    response = therapist_client.post(
        change_url(patient),
        {
            **data,
            "diagnosis": "Spinalkanalstenose",
            "quiet_hours_start": "22:30",
            "chronic_inflammatory_disease": "on",
        },
    )
    invalid = therapist_client.post(change_url(patient), {**data, "time_zone": "Mars/Olympus"})

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.diagnosis == "Spinalkanalstenose"
    assert patient.quiet_hours_start.strftime("%H:%M") == "22:30"
    assert patient.chronic_inflammatory_disease
    assert invalid.status_code == 200
    assert "time_zone" in invalid.context["adminform"].form.errors
    assert Patient.objects.get(pk=patient.pk).time_zone == "Europe/Berlin"


def test_a_therapist_cannot_reassign_through_a_forged_admin_post(
    therapist_client, patient, other_therapist
):
    data, form = form_data(therapist_client, patient)

    response = therapist_client.post(change_url(patient), {**data, "therapist": other_therapist.pk})

    assert "therapist" not in form.fields
    assert response.status_code == 302
    assert Patient.objects.get(pk=patient.pk).therapist_id == patient.therapist_id


def test_even_a_form_that_offered_the_field_cannot_reassign_the_service_refuses(
    monkeypatch, therapist_client, patient, other_therapist
):
    """Were the therapist field ever shown to a therapist, the service still refuses: the page
    says why and nothing is written (no 500)."""
    patient_admin = admin.site.get_model_admin(Patient)
    monkeypatch.setattr(
        type(patient_admin), "get_fieldsets", lambda self, request, obj=None: self.fieldsets
    )
    monkeypatch.setattr(
        type(patient_admin),
        "get_readonly_fields",
        lambda self, request, obj=None: ["login", "created_at", "consent_at", "consent_version"],
    )
    data, form = form_data(therapist_client, patient)
    therapist_field = form.fields["therapist"]
    therapist_field.queryset = therapist_field.queryset.model._default_manager.all()
    monkeypatch.setattr(
        type(patient_admin),
        "formfield_for_foreignkey",
        lambda self, db_field, request, **kwargs: db_field.formfield(**kwargs),
    )

    response = therapist_client.post(
        change_url(patient), {**data, "therapist": other_therapist.pk, "pain_limit": 5}, follow=True
    )

    assert response.status_code == 200
    assert "Only the practice admin can assign another therapist." in [
        str(message) for message in response.context["messages"]
    ]
    after = Patient.objects.get(pk=patient.pk)
    assert after.therapist_id == patient.therapist_id
    assert after.pain_limit == patient.pain_limit
    assert not change_audit(patient).exists()
    assert not LogEntry.objects.filter(object_id=str(patient.pk), action_flag=2).exists()


def test_the_practice_admin_reassigns_in_the_admin(
    admin_client_logged_in, patient, other_therapist
):
    data, form = form_data(admin_client_logged_in, patient)

    response = admin_client_logged_in.post(
        change_url(patient), {**data, "therapist": other_therapist.pk}
    )

    assert "therapist" in form.fields
    assert response.status_code == 302
    assert Patient.objects.get(pk=patient.pk).therapist == other_therapist
    assert list(change_audit(patient).values_list("fields", flat=True)) == [["therapist"]]


def test_the_service_lets_only_the_practice_admin_reassign(
    patient, therapist, other_therapist, superuser
):
    with pytest.raises(ValidationError) as refused:
        services.patient_update(patient=patient, changed_by=therapist, therapist=other_therapist)
    unchanged = Patient.objects.get(pk=patient.pk).therapist
    services.patient_update(
        patient=patient, changed_by=therapist, therapist=therapist, pain_limit=2
    )
    services.patient_update(patient=patient, changed_by=superuser, therapist=other_therapist)

    assert refused.value.message_dict == {
        "therapist": ["Only the practice admin can assign another therapist."]
    }
    assert unchanged == therapist
    patient.refresh_from_db()
    assert patient.therapist == other_therapist
    assert patient.pain_limit == 2


def test_the_service_refuses_consent_fields(patient, therapist):
    with pytest.raises(ValidationError) as refused:
        services.patient_update(patient=patient, changed_by=therapist, consent_version="x")

    assert "consent_version" in refused.value.message_dict


def test_a_new_patient_of_another_therapist_only_from_the_practice_admin(
    therapist, other_therapist, superuser
):
    names = {"email": "p@example.org", "first_name": "P", "last_name": "Q"}

    with pytest.raises(ValidationError) as refused:
        services.patient_create(
            username="p1", therapist=other_therapist, created_by=therapist, **names
        )
    made = services.patient_create(
        username="p2", therapist=other_therapist, created_by=superuser, **names
    )

    assert "therapist" in refused.value.message_dict
    assert not Patient.objects.filter(user__username="p1").exists()
    assert made.therapist == other_therapist


def test_the_change_form_keeps_a_reminder_channel_unless_reminders_are_off(
    therapist_client, patient
):
    data, form = form_data(therapist_client, patient)
    assert {"remind_by_email", "remind_by_push"} <= form.fields.keys()
    data.pop("remind_by_email")  # an unticked check box is not posted

    refused = therapist_client.post(change_url(patient), data, follow=True)

    assert "Choose at least one way to be reminded, or switch reminders off." in (
        refused.content.decode()
    )
    assert Patient.objects.get(pk=patient.pk).remind_by_email is True
    switched_off = therapist_client.post(change_url(patient), {**data, "reminder_opt_out": "on"})
    assert switched_off.status_code == 302
    after = Patient.objects.get(pk=patient.pk)
    assert (after.remind_by_email, after.reminder_opt_out) == (False, True)
