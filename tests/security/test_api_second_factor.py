"""Staff need the second factor on every path to patient data (accounts/two_factor.py,
docs/security.md): a staff token from ``POST /api/v1/auth/token/`` needs a current TOTP code,
a wrong code counts towards the lockout, a session stopped at the admin's code prompt reads no
API, and the admin's token page opens only to a verified session. Patients are unchanged;
``ADMIN_REQUIRE_2FA=false`` (the demo) switches all of it off."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.api.conftest import make_patient
from tests.security.conftest import PASSWORD
from tests.two_factor import confirmed_device, current_code, login_verified
from tokens.models import ApiToken
from tokens.services import token_create, token_digest

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PATIENTS_API = "/api/v1/patients/"
ADMIN_TOKENS = "/admin/tokens/apitoken/mine/"


@pytest.fixture
def generous_api_throttle(settings):
    """The API's login throttle would answer 429 before the lockout does; these tests are about
    the lockout."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "1000/min", "login-address": "1000/min"},
    }


@pytest.fixture
def device(therapist):
    return confirmed_device(therapist)


def token_login(username, password=PASSWORD, **extra):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    return client.post(TOKEN, {"username": username, "password": password, **extra}, format="json")


def wrong_code(device) -> str:
    return "000000" if current_code(device) != "000000" else "000001"


def bearer(token) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- POST auth/token/ for staff --------------------------------------------------------------
@pytest.mark.parametrize("extra", [{}, {"otp": ""}, {"otp": "   "}])
def test_a_staff_token_needs_a_code(therapist, device, patient, extra):
    response = token_login("t.weber", **extra)

    assert response.status_code == 400
    assert set(response.json()) == {"otp"}
    assert "authenticator app" in response.json()["otp"][0]
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("code", ["wrong", "12345", "abcdef", "1234567890"])
def test_a_wrong_code_answers_400_naming_otp(therapist, device, patient, code):
    code = wrong_code(device) if code == "wrong" else code

    response = token_login("t.weber", otp=code)

    assert response.status_code == 400
    assert response.json() == {
        "otp": ["This code is not valid. Send the current code from your authenticator app."]
    }
    assert not ApiToken.objects.exists()


def test_a_wrong_code_counts_towards_the_lockout_like_a_wrong_password(
    therapist, device, patient, generous_api_throttle
):
    first = token_login("t.weber", otp=wrong_code(device))
    assert AccessAttempt.objects.get().failures_since_start == 1
    answers = [first.status_code] + [
        token_login("t.weber", otp=wrong_code(device)).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    device.throttle_reset()  # django-otp's own wait is not what this test is about

    right = token_login("t.weber", otp=current_code(device))

    limit = settings.AXES_FAILURE_LIMIT
    assert answers == [400] * (limit - 1) + [429] * 2
    assert right.status_code == 429
    assert "Too many failed logins" in right.json()["detail"]
    assert "token" not in right.json()
    assert not ApiToken.objects.exists()


def test_wrong_passwords_and_wrong_codes_add_up(therapist, device, patient, generous_api_throttle):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert token_login("t.weber", "wrong password").status_code == 400

    assert token_login("t.weber", otp=wrong_code(device)).status_code == 429


def test_the_right_code_gives_a_token_that_reads_the_therapists_patients(
    therapist, device, patient
):
    response = token_login("t.weber", otp=current_code(device))

    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(digest=token_digest(token)).user == therapist
    listed = bearer(token).get(PATIENTS_API)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [patient.pk]


def test_a_code_is_accepted_only_once(therapist, device, patient):
    code = current_code(device)
    assert token_login("t.weber", otp=code).status_code == 200

    replayed = token_login("t.weber", otp=code)

    assert replayed.status_code == 400
    assert set(replayed.json()) == {"otp"}
    assert ApiToken.objects.count() == 1


def test_after_wrong_codes_django_otp_makes_the_next_try_wait(therapist, device, patient):
    token_login("t.weber", otp=wrong_code(device))

    response = token_login("t.weber", otp=current_code(device))  # within the doubling wait

    assert response.status_code == 400
    assert "Too many wrong codes" in response.json()["otp"][0]
    assert not ApiToken.objects.exists()


def test_a_staff_member_without_a_device_is_told_to_enrol_in_the_admin(therapist, patient):
    TOTPDevice.objects.create(user=therapist, name="unconfirmed", confirmed=False)

    for extra in ({}, {"otp": "123456"}):
        response = token_login("t.weber", **extra)

        assert response.status_code == 400
        assert set(response.json()) == {"otp"}
        assert "/admin/" in response.json()["otp"][0]
        assert "set up two-factor authentication" in response.json()["otp"][0]
    assert not ApiToken.objects.exists()


def test_the_practice_admin_needs_a_code_too(superuser):
    device = confirmed_device(superuser)

    assert set(token_login("practice-admin", "correct horse battery").json()) == {"otp"}
    response = token_login("practice-admin", "correct horse battery", otp=current_code(device))

    assert response.status_code == 200


def test_a_wrong_password_with_a_right_code_gets_nothing(therapist, device, patient):
    response = token_login("t.weber", "wrong password", otp=current_code(device))

    assert response.status_code == 400
    assert set(response.json()) == {"non_field_errors"}
    assert not ApiToken.objects.exists()


def test_patients_need_no_code(patient):
    response = token_login("anna")

    assert response.status_code == 200
    assert bearer(response.json()["token"]).get("/api/v1/me/today/").status_code == 200


def test_the_schema_documents_otp(client):
    schema = client.get("/api/schema/?format=json").json()
    login = schema["components"]["schemas"]["LoginRequest"]

    assert "otp" in login["properties"]
    assert "otp" not in login.get("required", [])
    assert "authenticator app" in login["properties"]["otp"]["description"]


# --- session cookies on the API ----------------------------------------------------------------
def password_only_admin_login(user) -> Client:
    """The attack route: the admin login with the password, stopped at the code prompt."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/admin/login/", {"username": user.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith("/admin/two-factor/")
    return client


@pytest.mark.parametrize(
    "url",
    [PATIENTS_API, "/api/v1/sessions/", "/api/v1/assignments/", "/api/v1/auth/tokens/"],
)
def test_a_session_stopped_at_the_code_prompt_reads_no_api(therapist, device, patient, url):
    client = password_only_admin_login(therapist)

    response = client.get(url)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "authenticator app" in response.json()["detail"]
    assert "Muster" not in response.text
    assert "anna" not in response.text


def test_a_session_stopped_at_the_code_prompt_writes_nothing(therapist, device, patient):
    client = password_only_admin_login(therapist)

    # The test client skips CSRF checks: the 403 is the missing second factor.
    response = client.patch(
        f"{PATIENTS_API}{patient.pk}/", {"pain_limit": 7}, content_type="application/json"
    )

    assert response.status_code == 403
    assert "authenticator app" in response.json()["detail"]
    patient.refresh_from_db()
    assert patient.pain_limit != 7


def test_the_same_session_reads_the_api_once_the_code_is_entered(therapist, device, patient):
    client = password_only_admin_login(therapist)
    client.post("/admin/two-factor/", {"token": current_code(device)})

    response = client.get(PATIENTS_API)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [patient.pk]


def test_patients_sessions_read_the_api_as_before(patient):
    client = Client()
    client.post("/accounts/login/", {"username": "anna", "password": PASSWORD})

    response = client.get("/api/v1/me/today/")

    assert response.status_code == 200


# --- switched off: the demo --------------------------------------------------------------------
def test_switched_off_password_alone_gives_tokens_and_sessions(settings, therapist, patient):
    settings.ADMIN_REQUIRE_2FA = False

    token = token_login("t.weber")
    client = Client()
    client.post("/admin/login/", {"username": "t.weber", "password": PASSWORD})

    assert token.status_code == 200
    assert bearer(token.json()["token"]).get(PATIENTS_API).status_code == 200
    assert client.get(PATIENTS_API).status_code == 200
    assert client.get(ADMIN_TOKENS).status_code == 200


# --- the admin's token page --------------------------------------------------------------------
def test_the_token_page_needs_a_verified_session(therapist, device, patient):
    client = password_only_admin_login(therapist)

    page = client.get(ADMIN_TOKENS)
    created = client.post(ADMIN_TOKENS, {"name": "Praxissoftware", "days": 30})

    assert page.status_code == 302
    assert page["Location"].startswith("/admin/login/")
    assert client.get(page["Location"])["Location"].startswith("/admin/two-factor/")
    assert created.status_code == 302
    assert not ApiToken.objects.exists()


def test_the_token_page_creates_a_named_token_shown_once(therapist, patient):
    client = login_verified(Client(HTTP_ACCEPT_LANGUAGE="en"), therapist)

    response = client.post(ADMIN_TOKENS, {"name": "Praxissoftware", "days": 90})

    assert response.status_code == 200
    token = re.search(r'<code id="new-token-value">(mtt_[\w-]+)</code>', response.text)[1]
    row = ApiToken.objects.get(digest=token_digest(token))
    assert (row.user, row.name) == (therapist, "Praxissoftware")
    assert timedelta(days=89, hours=23) < row.expires_at - timezone.now() <= timedelta(days=90)
    assert "no-store" in response["Cache-Control"]
    listed = bearer(token).get(PATIENTS_API)
    assert [item["id"] for item in listed.json()["results"]] == [patient.pk]
    again = client.get(ADMIN_TOKENS)
    assert token not in again.text
    assert "Praxissoftware" in again.text
    assert row.prefix in again.text


@pytest.mark.parametrize(
    "form", [{"name": "x", "days": 0}, {"name": "x", "days": 366}, {"name": "", "days": 30}]
)
def test_the_token_page_bounds_name_and_expiry(therapist, form):
    client = login_verified(Client(HTTP_ACCEPT_LANGUAGE="en"), therapist)

    response = client.post(ADMIN_TOKENS, form)

    assert response.status_code == 400
    assert 'id="new-token-value"' not in response.text
    assert not ApiToken.objects.exists()


def test_the_token_page_lists_and_revokes_only_ones_own_tokens(therapist, patient):
    own, _secret = token_create(user=therapist, name="Kalender-Sync")
    colleague = make_patient(therapist, username="zora").user  # any other user
    foreign, _secret = token_create(user=colleague, name="Fremdes Gerät")
    client = login_verified(Client(HTTP_ACCEPT_LANGUAGE="en"), therapist)

    page = client.get(ADMIN_TOKENS)
    foreign_revoke = client.post(ADMIN_TOKENS, {"revoke": str(foreign.pk)})
    own_revoke = client.post(ADMIN_TOKENS, {"revoke": str(own.pk)})
    nonsense = client.post(ADMIN_TOKENS, {"revoke": "9" * 40})

    assert "Kalender-Sync" in page.text
    assert "Fremdes Gerät" not in page.text
    assert foreign_revoke.status_code == own_revoke.status_code == nonsense.status_code == 302
    foreign.refresh_from_db()
    own.refresh_from_db()
    assert foreign.revoked_at is None
    assert own.revoked_at is not None
    assert "Kalender-Sync" not in client.get(ADMIN_TOKENS).text


def test_the_admin_links_the_token_page_in_the_user_tools(therapist):
    client = login_verified(Client(HTTP_ACCEPT_LANGUAGE="en"), therapist)

    page = client.get("/admin/").text

    assert f'href="{ADMIN_TOKENS}" id="user-tools-api-tokens"' in page


def test_the_token_page_uses_a_fixed_number_of_queries(therapist):
    client = login_verified(Client(), therapist)
    token_create(user=therapist, name="one")
    client.get(ADMIN_TOKENS)
    with CaptureQueriesContext(connection) as few:
        client.get(ADMIN_TOKENS)
    for number in range(6):
        token_create(user=therapist, name=f"more {number}")

    with CaptureQueriesContext(connection) as many:
        response = client.get(ADMIN_TOKENS)

    assert response.text.count('name="revoke"') == 7
    assert len(many) == len(few)
