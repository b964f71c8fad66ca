"""Erasure and anonymisation: nothing that identifies the patient is left in any table; the
other patients are untouched; anonymisation keeps the clinical numbers; only the practice admin
can do either."""

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from patients.models import ExerciseEntry, Patient, SessionLog
from privacy import services
from questionnaires.models import Response
from tests.privacy.conftest import english, sessions_of, tables_containing
from tests.two_factor import login_verified
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db


def test_the_scan_finds_the_marked_patient_before_anything_is_done(anna):
    hits = {needle for _table, _column, needle in tables_containing(anna.needles)}

    assert hits == set(anna.needles)
    assert sessions_of(anna.patient.user_id) == 1
    assert AccessAttempt.objects.filter(username=anna.username).exists()


def test_erasure_leaves_nothing_of_the_patient_in_any_table(anna, bert, superuser):
    user_id, patient_id = anna.patient.user_id, anna.patient.pk
    bert_before = tables_containing(bert.needles)

    deleted = services.patient_erase(patient=anna.patient, by=superuser)

    assert deleted > 10
    assert tables_containing(anna.needles) == set()
    assert not Patient.objects.filter(pk=patient_id).exists()
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not SessionLog.objects.filter(patient_id=patient_id).exists()
    assert not ApiToken.objects.filter(user_id=user_id).exists()
    assert sessions_of(user_id) == 0
    # The other patient keeps everything.
    assert tables_containing(bert.needles) == bert_before
    assert sessions_of(bert.patient.user_id) == 1
    assert bert.patient.sessions.count() == 2


def test_anonymisation_removes_identity_and_free_text_and_keeps_the_numbers(anna, bert, superuser):
    patient = anna.patient
    sessions = patient.sessions.count()
    pain = list(patient.sessions.order_by("pk").values_list("pain_before", "pain_after", "rpe"))
    entries = ExerciseEntry.objects.filter(session__patient=patient).aggregate(Sum("sets_done"))
    scores = list(Response.objects.filter(patient=patient).values_list("score", flat=True))
    bert_before = tables_containing(bert.needles)

    services.patient_anonymise(patient=patient, by=superuser)

    assert tables_containing(anna.needles) == set()
    patient = Patient.objects.select_related("user").get(pk=patient.pk)
    user = patient.user
    assert user.username.startswith("anon-")
    assert (user.first_name, user.last_name, user.email) == ("", "", "")
    assert not user.has_usable_password() and not user.is_active
    assert patient.date_of_birth is None
    assert (patient.diagnosis, patient.relevant_conditions) == ("", "")
    assert patient.calendar_token is None
    assert patient.reminder_opt_out is True
    assert not patient.screenings.exists() and not patient.red_flags.exists()
    assert not patient.reminder_deliveries.exists()
    assert not ApiToken.objects.filter(user=user).exists()
    assert sessions_of(user.pk) == 0
    # The clinical numbers stay.
    assert patient.sessions.count() == sessions
    assert (
        list(patient.sessions.order_by("pk").values_list("pain_before", "pain_after", "rpe"))
        == pain
    )
    assert (
        ExerciseEntry.objects.filter(session__patient=patient).aggregate(Sum("sets_done"))
        == entries
    )
    assert list(Response.objects.filter(patient=patient).values_list("score", flat=True)) == scores
    assert services.is_anonymised(patient)
    assert tables_containing(bert.needles) == bert_before


def test_an_anonymised_patient_cannot_log_in(client, anna, superuser):
    services.patient_anonymise(patient=anna.patient, by=superuser)

    response = client.post(
        reverse("login"), {"username": anna.username, "password": "rolling-slowly-42"}
    )

    assert response.status_code == 200  # the form again, no redirect into the portal
    assert "_auth_user_id" not in client.session


def test_a_staff_login_with_a_patient_profile_is_not_erased(anna, superuser):
    user = anna.patient.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.patient_erase(patient=anna.patient, by=superuser)
    assert Patient.objects.filter(pk=anna.patient.pk).exists()


# --- admin -----------------------------------------------------------------------------------


def action(client, name: str, patients, **extra):
    return client.post(
        reverse("admin:patients_patient_changelist"),
        {"action": name, "_selected_action": [p.pk for p in patients], **extra},
    )


def test_the_practice_admin_sees_the_actions_and_therapists_do_not(
    admin_client_logged_in, therapist, anna
):
    url = reverse("admin:patients_patient_changelist")
    admin_page = admin_client_logged_in.get(url).content.decode()
    therapist_page = english(Client(), therapist).get(url).content.decode()

    assert 'value="erase_patients"' in admin_page
    assert 'value="anonymise_patients"' in admin_page
    assert "Quirinus" in therapist_page  # their own patient is listed …
    assert "erase_patients" not in therapist_page  # … without the actions
    assert "anonymise_patients" not in therapist_page


@pytest.mark.parametrize("name", ["erase_patients", "anonymise_patients"])
def test_a_therapist_cannot_run_the_actions(therapist, anna, name):
    client = login_verified(Client(), therapist)

    response = action(client, name, [anna.patient], confirm="1", confirmation="ERASE")

    assert Patient.objects.filter(pk=anna.patient.pk, user__username=anna.username).exists()
    assert response.status_code in (200, 302)
    assert anna.note in Patient.objects.get(pk=anna.patient.pk).diagnosis


def test_erasing_asks_for_the_typed_word_first(admin_client_logged_in, anna):
    confirm = action(admin_client_logged_in, "erase_patients", [anna.patient])
    wrong = action(
        admin_client_logged_in, "erase_patients", [anna.patient], confirm="1", confirmation="yes"
    )

    assert confirm.status_code == 200
    assert "ERASE" in confirm.content.decode()
    assert anna.name in confirm.content.decode()
    assert wrong.status_code == 200
    assert Patient.objects.filter(pk=anna.patient.pk).exists()


def test_the_practice_admin_erases_patients(admin_client_logged_in, anna, bert):
    response = action(
        admin_client_logged_in,
        "erase_patients",
        [anna.patient, bert.patient],
        confirm="1",
        confirmation="ERASE",
    )

    assert response.status_code == 302
    assert not Patient.objects.filter(pk__in=[anna.patient.pk, bert.patient.pk]).exists()
    messages = [
        str(m) for m in admin_client_logged_in.get(response["Location"]).context["messages"]
    ]
    assert "Erased 2 patients and everything stored about them." in messages
    assert tables_containing(anna.needles + bert.needles) == set()
    assert LogEntry.objects.filter(object_repr=f"#{anna.patient.pk}").exists()
    erased = AuditEntry.objects.filter(action=AuditAction.DELETE, object_type="patients.patient")
    assert sorted(erased.values_list("patient_id", flat=True)) == sorted(
        [anna.patient.pk, bert.patient.pk]
    )


def test_the_practice_admin_anonymises_a_patient(admin_client_logged_in, anna):
    sessions = anna.patient.sessions.count()

    response = action(
        admin_client_logged_in,
        "anonymise_patients",
        [anna.patient],
        confirm="1",
        confirmation="ANONYMISE",
    )

    assert response.status_code == 302
    patient = Patient.objects.get(pk=anna.patient.pk)
    assert services.is_anonymised(patient)
    assert patient.sessions.count() == sessions
    assert tables_containing(anna.needles) == set()
    assert AuditEntry.objects.filter(
        action=AuditAction.CHANGE, patient_id=anna.patient.pk, fields=["anonymised"]
    ).exists()
