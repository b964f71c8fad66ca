"""Versioned consent: recorded at intake, asked again when the text changes, in the portal and
over the API, and withdrawable."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from patients.models import Patient
from privacy.models import ConsentAction, ConsentRecord, ConsentSource
from privacy.services import consent_give
from tests import factories
from tests.privacy.conftest import make_therapist
from tokens.services import token_create

pytestmark = pytest.mark.django_db

NEW_VERSION = "2027-03"


@pytest.fixture
def patient(therapist):
    return factories.PatientFactory(therapist=therapist, username="zora")


@pytest.fixture
def new_text(settings):
    settings.CONSENT_VERSION = NEW_VERSION


def test_a_new_patient_has_the_current_version_recorded_at_intake(patient, therapist, settings):
    (record,) = ConsentRecord.objects.filter(patient=patient)

    assert patient.consent_version == settings.CONSENT_VERSION
    assert patient.consent_at is not None
    assert (record.action, record.source, record.recorded_by) == (
        ConsentAction.GIVEN,
        ConsentSource.INTAKE,
        therapist,
    )


def test_a_paper_consent_of_an_earlier_version_is_kept_as_given(therapist, settings):
    from patients import services

    patient = services.patient_create(
        username="yves",
        email="yves@example.org",
        first_name="Yves",
        last_name="Muster",
        therapist=therapist,
        created_by=therapist,
        consent_version="2025-1",
    )

    assert patient.consent_version == "2025-1"
    assert ConsentRecord.objects.get(patient=patient).version == "2025-1"


def test_with_a_newer_text_every_portal_page_leads_to_the_consent_page(client, patient, new_text):
    client.force_login(patient.user)

    for url in ("/", "/today/", "/history/", "/habits/", reverse("profile")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("privacy:consent")), url
    assert client.get(reverse("privacy:export_json")).status_code == 200
    assert client.get(reverse("privacy:overview")).status_code == 200


def test_agreeing_records_the_new_version_and_returns_to_the_page(client, patient, new_text):
    client.force_login(patient.user)
    page = client.get("/history/", follow=True)

    refused = client.post(reverse("privacy:consent"), {"next": "/history/"})
    agreed = client.post(reverse("privacy:consent"), {"agree": "yes", "next": "/history/"})

    assert page.status_code == 200
    assert refused.status_code == 200
    assert agreed.status_code == 302 and agreed["Location"] == "/history/"
    patient.refresh_from_db()
    assert patient.consent_version == NEW_VERSION
    latest = ConsentRecord.objects.filter(patient=patient).first()
    assert (latest.version, latest.source) == (NEW_VERSION, ConsentSource.PORTAL)
    assert ConsentRecord.objects.filter(patient=patient).count() == 2
    assert client.get("/history/").status_code == 200


def test_the_consent_page_does_not_send_the_patient_to_another_site(client, patient, new_text):
    client.force_login(patient.user)

    response = client.post(
        reverse("privacy:consent"), {"agree": "yes", "next": "https://evil.example.com/"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:today")


def test_withdrawing_in_the_portal_closes_it_until_consent_is_given_again(client, patient):
    client.force_login(patient.user)

    response = client.post(reverse("privacy:consent_withdraw"))

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.consent_at is None
    assert ConsentRecord.objects.filter(patient=patient).first().action == ConsentAction.WITHDRAWN
    assert client.get("/today/")["Location"].startswith(reverse("privacy:consent"))


def test_staff_have_no_consent_page(client, therapist):
    client.force_login(therapist)

    assert client.get(reverse("privacy:consent")).status_code == 404


# --- API -------------------------------------------------------------------------------------


def bearer(patient) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=patient.user)[1]}"}


def test_the_api_refuses_patient_endpoints_until_consent_is_given(client, patient, new_text):
    headers = bearer(patient)

    refused = client.get("/api/v1/me/today/", **headers)
    sessions = client.get("/api/v1/sessions/", **headers)
    state = client.get("/api/v1/me/consent/", **headers)
    export = client.get("/api/v1/me/export/", **headers)

    assert refused.status_code == 403
    assert refused.json()["code"] == "consent_required"
    assert refused.json()["consent_version"] == NEW_VERSION
    assert sessions.status_code == 403
    assert state.status_code == 200
    assert state.json()["required"] is True
    assert state.json()["current_version"] == NEW_VERSION
    assert state.json()["text_url"].endswith(reverse("privacy:consent"))
    assert export.status_code == 200


def test_the_api_client_gives_consent_for_the_current_version_only(client, patient, new_text):
    headers = bearer(patient)

    wrong = client.post(
        "/api/v1/me/consent/", {"version": "2020-01"}, content_type="application/json", **headers
    )
    right = client.post(
        "/api/v1/me/consent/", {"version": NEW_VERSION}, content_type="application/json", **headers
    )

    assert wrong.status_code == 400 and "version" in wrong.json()
    assert right.status_code == 201
    assert right.json()["required"] is False
    assert right.json()["given_version"] == NEW_VERSION
    assert ConsentRecord.objects.filter(patient=patient, source=ConsentSource.API).count() == 1
    assert client.get("/api/v1/me/today/", **headers).status_code == 200


def test_the_api_client_withdraws_consent(client, patient):
    headers = bearer(patient)

    response = client.delete("/api/v1/me/consent/", **headers)

    assert response.status_code == 204
    assert client.get("/api/v1/me/today/", **headers).status_code == 403
    assert client.get("/api/v1/me/consent/", **headers).json()["given_version"] is None


def test_therapists_are_not_asked_for_consent_and_have_none_to_give(client, therapist, new_text):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=therapist)[1]}"}

    assert client.get("/api/v1/patients/", **headers).status_code == 200
    assert client.get("/api/v1/me/consent/", **headers).status_code == 403


def test_a_missing_consent_costs_no_extra_query_on_the_api(
    client, patient, django_assert_num_queries
):
    headers = bearer(patient)

    with django_assert_num_queries(1):  # the token with user and patient
        assert client.get("/api/v1/me/consent/", **headers).status_code == 200


def test_consent_give_rejects_an_empty_version(patient, settings):
    settings.CONSENT_VERSION = ""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        consent_give(patient=patient, by=None, source=ConsentSource.API, version="  ")


def test_seed_demo_records_the_current_consent_for_its_patients(settings):
    call_command("seed_demo", therapists=1, patients=2, weeks=1, password="demo-pass-123", seed=1)

    patients = Patient.objects.all()
    assert {p.consent_version for p in patients} == {settings.CONSENT_VERSION}
    assert ConsentRecord.objects.filter(source=ConsentSource.INTAKE).count() == patients.count()


def test_the_consent_history_in_the_admin_costs_the_same_queries_for_more_patients(
    admin_client_logged_in, therapist, django_assert_num_queries
):
    from patients import services

    url = reverse("admin:privacy_consentrecord_changelist")
    counts = []
    for number in range(2):
        for index in range(3 + number * 5):
            services.patient_create(
                username=f"p{number}-{index}",
                email=f"p{number}-{index}@example.org",
                first_name="P",
                last_name=f"Nummer{number}{index}",
                therapist=therapist,
                created_by=therapist,
            )
        # with the audit INSERT and the header badge of open alerts
        with django_assert_num_queries(11) as captured:
            response = admin_client_logged_in.get(url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert "Nummer17" in response.content.decode()
    assert counts[0] == counts[1]


def test_therapists_cannot_open_the_consent_history(client, therapist, patient):
    from tests.two_factor import login_verified

    login_verified(client, make_therapist("t.other"))

    assert client.get(reverse("admin:privacy_consentrecord_changelist")).status_code == 403


def test_a_warning_sign_is_taken_before_a_new_consent_text_is_agreed_to(client, patient, new_text):
    """Reporting symptoms never waits for a consent click (docs/clinical-safety.md); the rest
    of the portal and the API still do."""
    client.force_login(patient.user)

    page = client.get(reverse("portal:symptom_report"))
    posted = client.post(
        "/api/v1/me/symptom-reports/",
        {
            "red_flag_saddle_numbness": False,
            "red_flag_bladder_bowel": True,
            "red_flag_leg_weakness": False,
            "pain": 4,
            "notes": "",
        },
        content_type="application/json",
        **bearer(patient),
    )

    assert page.status_code == 200
    assert posted.status_code == 201 and posted.json()["flagged"] is True
    assert patient.red_flags.get().sign == "cauda_bladder"
    assert client.get("/today/")["Location"].startswith(reverse("privacy:consent"))
