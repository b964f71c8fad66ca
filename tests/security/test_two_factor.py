"""Two-factor authentication in the admin (accounts/two_factor.py): after the password a staff
member enrols an authenticator app or enters its code; without it no admin page, no patient
data. The API's side of the second factor (token login with ``otp``, verified sessions) is in
test_api_second_factor.py."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.security.conftest import PASSWORD
from tests.two_factor import confirmed_device, current_code, login_verified

pytestmark = pytest.mark.django_db

TWO_FACTOR = "/admin/two-factor/"
PATIENTS = "/admin/patients/patient/"


def password_login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/admin/login/", {"username": user.username, "password": PASSWORD, "next": PATIENTS}
    )
    assert response.status_code == 302  # the password itself was right
    return client


def test_a_therapist_without_a_device_must_enrol_and_sees_no_patient_data(therapist, patient):
    client = password_login(therapist)

    landing = client.get(PATIENTS, follow=True)
    change = client.get(f"{PATIENTS}{patient.pk}/change/", follow=True)

    assert landing.redirect_chain[-1][0] == f"{TWO_FACTOR}?next={PATIENTS.replace('/', '%2F')}"
    assert landing.status_code == 200
    page = landing.text
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', page)
    assert 'id="two-factor-secret"' in page
    for response in (landing, change):
        assert "Anna" not in response.text
        assert "Muster" not in response.text
    device = TOTPDevice.objects.get(user=therapist)
    assert not device.confirmed


def test_enrolment_shows_the_same_key_until_it_is_confirmed(therapist):
    client = password_login(therapist)

    first = client.get(TWO_FACTOR).text
    second = client.get(TWO_FACTOR).text

    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', first)[1]
    assert secret in second
    assert TOTPDevice.objects.filter(user=therapist).count() == 1


def test_enrolling_with_a_valid_code_opens_the_admin(therapist, patient):
    client = password_login(therapist)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=therapist)

    response = client.post(TWO_FACTOR, {"token": current_code(device), "next": PATIENTS})

    assert response.status_code == 302
    assert response["Location"] == PATIENTS
    device.refresh_from_db()
    assert device.confirmed
    listed = client.get(PATIENTS)
    assert listed.status_code == 200
    assert "Muster" in listed.text


def test_a_confirmed_device_asks_for_its_code_and_a_valid_one_opens_the_admin(therapist, patient):
    device = confirmed_device(therapist)
    client = password_login(therapist)
    before = client.session.session_key

    form = client.get(TWO_FACTOR)
    response = client.post(TWO_FACTOR, {"token": current_code(device)})

    assert "data:image/svg" not in form.text  # no new enrolment with the password alone
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session.session_key != before  # a new key for the raised privilege
    assert client.get(f"{PATIENTS}{patient.pk}/change/").status_code == 200
    assert TOTPDevice.objects.filter(user=therapist).count() == 1


@pytest.mark.parametrize("token", ["000000", "12345", "abcdef", ""])
def test_a_wrong_code_is_refused(therapist, patient, token):
    device = confirmed_device(therapist)
    if token == "000000" and current_code(device) == token:
        token = "000001"
    client = password_login(therapist)

    response = client.post(TWO_FACTOR, {"token": token})

    assert response.status_code == 400
    assert response.context["form"].errors["token"]
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(PATIENTS).status_code == 302
    assert "Muster" not in client.get(PATIENTS, follow=True).text


def test_a_wrong_enrolment_code_confirms_nothing(therapist):
    client = password_login(therapist)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=therapist)
    wrong = "000000" if current_code(device) != "000000" else "000001"

    response = client.post(TWO_FACTOR, {"token": wrong})

    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(PATIENTS).status_code == 302


def test_the_practice_admin_needs_the_second_factor_too(superuser):
    client = Client()
    client.force_login(superuser)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith(TWO_FACTOR)


def test_a_deleted_device_ends_the_verified_session(therapist):
    client = login_verified(Client(), therapist)
    assert client.get(PATIENTS).status_code == 200

    TOTPDevice.objects.filter(user=therapist).delete()

    response = client.get(PATIENTS)
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith(TWO_FACTOR)


def test_patients_and_visitors_get_no_two_factor_page(patient):
    assert Client().get(TWO_FACTOR)["Location"] == "/admin/login/"
    client = Client()
    client.force_login(patient.user)
    response = client.get(TWO_FACTOR)
    assert response.status_code == 302
    assert "two-factor" not in response["Location"]
    assert not TOTPDevice.objects.exists()


def test_switched_off_the_admin_opens_with_the_password_and_says_so(settings, therapist):
    settings.ADMIN_REQUIRE_2FA = False
    client = password_login(therapist)

    assert client.get(PATIENTS).status_code == 200
    assert client.get(TWO_FACTOR)["Location"] == "/admin/"
    assert 'id="two-factor-off"' in Client().get("/admin/login/").text


def test_switched_on_the_login_page_has_no_demo_notice(client):
    assert 'id="two-factor-off"' not in client.get("/admin/login/").text


def test_the_two_factor_page_ignores_a_next_url_to_another_site(therapist):
    device = confirmed_device(therapist)
    client = password_login(therapist)

    response = client.post(
        TWO_FACTOR, {"token": current_code(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("required", [True, False])
def test_setup_demo_says_loudly_when_two_factor_is_off(settings, tmp_path, therapist, required):
    settings.ADMIN_REQUIRE_2FA = required
    settings.VAR_DIR = tmp_path
    out = io.StringIO()

    call_command("setup_demo", stdout=out)

    assert ("Two-factor authentication is switched off" in out.getvalue()) is not required
