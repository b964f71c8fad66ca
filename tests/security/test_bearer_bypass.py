"""API calls with a bearer token skip the browser's middleware (api/bearer.py, docs/security.md):
nothing is lost by it. A bearer call is the token's user or nobody — never the login session
whose cookie it carries; the session, its CSRF check, the staff's second factor and the login
lockout still hold for everything else."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.bearer import accepted_language, is_bearer_api
from tests.api.conftest import make_patient
from tests.security.conftest import PASSWORD
from tests.two_factor import confirmed_device, login_verified
from tokens.services import token_create

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PROFILE = "/api/v1/me/profile/"
PATIENTS = "/api/v1/patients/"


def bearer(token: str, **headers) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", **headers)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def with_session_of(client: APIClient, user) -> APIClient:
    """``client`` also carries ``user``'s login session cookie (verified for staff)."""
    login_verified(client, user)
    return client


@pytest.fixture
def patient_token(patient) -> str:
    return token_create(user=patient.user)[1]


def test_a_bearer_call_with_a_therapists_session_cookie_is_the_tokens_patient(
    patient, therapist, patient_token
):
    other = make_patient(therapist, username="berta")
    client = with_session_of(bearer(patient_token), therapist)

    profile = client.get(PROFILE)
    patients = client.get(PATIENTS)

    assert profile.status_code == 200
    assert profile.json()["username"] == "anna"
    shown = [row["id"] for row in patients.json()["results"]]
    assert shown == [patient.pk] and other.pk not in shown  # not the therapist's list


@pytest.mark.parametrize("token", ["not-a-token", ""])
def test_a_bad_bearer_token_with_a_valid_session_cookie_gets_nothing(patient, token):
    client = with_session_of(bearer(token), patient.user)

    answer = client.get(PROFILE)

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "username" not in answer.json()


def test_a_bearer_call_reads_and_writes_no_session_and_sets_no_cookie(patient, patient_token):
    client = with_session_of(bearer(patient_token), patient.user)
    sessions = Session.objects.count()

    with CaptureQueriesContext(connection) as queries:
        read = client.get(PROFILE)
        written = client.patch(PROFILE, {"language": "en"}, format="json")

    assert read.status_code == 200 and written.status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    assert Session.objects.count() == sessions
    for answer in (read, written):
        assert "Set-Cookie" not in answer.headers
        assert "Cookie" not in answer.get("Vary", "")


def test_a_bearer_write_needs_no_csrf_token(patient, patient_token):
    client = bearer(patient_token, enforce_csrf_checks=True)

    assert client.patch(PROFILE, {"language": "en"}, format="json").status_code == 200


def test_a_session_write_to_the_api_still_needs_the_csrf_token(patient):
    client = APIClient(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # the page sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    with_session_of(client, patient.user)

    refused = client.patch(PROFILE, {"language": "en"}, format="json")
    allowed = client.patch(PROFILE, {"language": "en"}, format="json", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert allowed.status_code == 200


def test_a_session_write_with_another_authorization_scheme_still_needs_csrf(patient):
    client = with_session_of(APIClient(enforce_csrf_checks=True), patient.user)

    refused = client.patch(
        PROFILE, {"language": "en"}, format="json", HTTP_AUTHORIZATION="Basic YW5uYTp4"
    )

    assert refused.status_code == 403


def test_a_staff_session_on_the_api_still_needs_the_second_factor(therapist):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(therapist)  # password only: stopped at the code prompt
    confirmed_device(therapist)

    assert client.get(PATIENTS).status_code == 403
    assert login_verified(client, therapist).get(PATIENTS).status_code == 200


@pytest.mark.parametrize("header", [True, False], ids=["with a bearer header", "without"])
def test_a_staff_token_still_needs_the_code(therapist, patient_token, header):
    confirmed_device(therapist)
    client = bearer(patient_token) if header else APIClient(HTTP_ACCEPT_LANGUAGE="en")

    answer = client.post(TOKEN, {"username": "t.weber", "password": PASSWORD}, format="json")

    assert answer.status_code == 400
    assert "otp" in answer.json()
    assert "token" not in answer.json()


@pytest.mark.parametrize("header", [True, False], ids=["with a bearer header", "without"])
def test_the_token_login_still_locks_out(patient, patient_token, settings, header):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "1000/min", "login-address": "1000/min"},
    }
    client = bearer(patient_token) if header else APIClient(HTTP_ACCEPT_LANGUAGE="en")

    def login(password):
        return client.post(TOKEN, {"username": "anna", "password": password}, format="json")

    answers = [login("wrong password").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    right = login(PASSWORD)

    assert answers[-1] == 429
    assert right.status_code == 429
    assert "Too many failed logins" in right.json()["detail"]


def test_the_login_page_still_locks_out_even_with_a_bearer_header(patient):
    client = Client(HTTP_AUTHORIZATION="Bearer whatever")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "anna", "password": "wrong"})

    right = client.post("/accounts/login/", {"username": "anna", "password": PASSWORD})

    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_outside_the_api_a_bearer_header_changes_nothing(therapist):
    client = login_verified(Client(HTTP_AUTHORIZATION="Bearer whatever"), therapist)

    page = client.get("/admin/patients/patient/")

    assert page.status_code == 200
    assert page.wsgi_request.user == therapist


def test_a_bearer_call_reads_its_language_from_accept_language_not_the_cookie(
    patient, patient_token
):
    client = bearer(patient_token)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    english = client.get("/api/v1/habits/999999/", HTTP_ACCEPT_LANGUAGE="en")
    german = client.get("/api/v1/habits/999999/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    default = client.get("/api/v1/habits/999999/", HTTP_ACCEPT_LANGUAGE="fr")

    assert english["Content-Language"] == "en"
    assert german["Content-Language"] == "de"
    assert default["Content-Language"] == settings.LANGUAGE_CODE
    assert "Accept-Language" in english["Vary"]
    assert english.json()["detail"] != german.json()["detail"]


def test_a_session_call_keeps_the_profile_language_a_bearer_call_the_header(patient, patient_token):
    """Unchanged for the browser: once logged in, the profile's language (German here) wins
    over the browser's; a token client gets the language it asks for."""
    session = with_session_of(APIClient(HTTP_ACCEPT_LANGUAGE="en"), patient.user)
    session.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert session.get("/api/v1/habits/999999/")["Content-Language"] == "de"
    assert bearer(patient_token).get("/api/v1/habits/999999/")["Content-Language"] == "en"


@pytest.mark.parametrize(
    ("path", "header", "expected"),
    [
        ("/api/v1/me/today/", "Bearer abc", True),
        ("/api/v1/me/today/", "bearer abc", True),
        ("/api/v1/me/today/", "BEARER", True),  # malformed: the token check answers 401
        ("/api/v1/me/today/", "Basic abc", False),
        ("/api/v1/me/today/", "Bearerabc", False),
        ("/api/v1/me/today/", None, False),
        ("/admin/", "Bearer abc", False),
        ("/today/", "Bearer abc", False),
    ],
)
def test_which_requests_are_bearer_api_calls(rf, path, header, expected):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}

    assert is_bearer_api(rf.get(path, **extra)) is expected


@pytest.mark.parametrize(
    ("header", "language"),
    [("en-GB,en;q=0.8", "en"), ("de", "de"), ("fr, en;q=0.5", "en"), ("*", "de"), ("", "de")],
)
def test_accepted_language(header, language):
    assert accepted_language(header) == language
