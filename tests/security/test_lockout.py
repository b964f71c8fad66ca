"""Login lockout (django-axes, accounts/lockout.py): after AXES_FAILURE_LIMIT wrong passwords
for one username from one address that pair is refused, even with the right password, until the
cool-off has passed. Portal, admin and API alike."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PORTAL = "/accounts/login/"
ADMIN = "/admin/login/"
API = "/api/v1/auth/token/"
ELSEWHERE = "203.0.113.7"


def portal_login(client, username, password):
    return client.post(PORTAL, {"username": username, "password": password})


def admin_login(client, username, password):
    return client.post(ADMIN, {"username": username, "password": password, "next": "/admin/"})


def api_login(client, username, password):
    return client.post(API, {"username": username, "password": password}, format="json")


@pytest.fixture
def generous_api_throttle(settings):
    """The API's own login throttle (5/min) would answer 429 first; these tests are about the
    lockout, which must hold on its own."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "1000/min", "login-address": "1000/min"},
    }


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_portal_ten_wrong_passwords_then_the_right_one_stays_locked(patient):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    answers = [portal_login(client, "anna", "wrong password").status_code for _ in range(10)]
    right = portal_login(client, "anna", PASSWORD)

    limit = settings.AXES_FAILURE_LIMIT
    assert answers == [200] * (limit - 1) + [429] * (10 - limit + 1)
    assert right.status_code == 429
    assert not logged_in(client)
    assert "accounts/locked_out.html" in [t.name for t in right.templates]
    assert "Too many failed logins" in right.text
    assert right["Retry-After"] == str(15 * 60)
    assert right["Content-Security-Policy"]  # a normal page of the site


def test_admin_ten_wrong_passwords_then_the_right_one_stays_locked(therapist):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    answers = [admin_login(client, "t.weber", "wrong password").status_code for _ in range(10)]
    right = admin_login(client, "t.weber", PASSWORD)

    assert answers[-1] == 429
    assert right.status_code == 429
    assert not logged_in(client)
    assert "admin/locked_out.html" in [t.name for t in right.templates]


def test_api_ten_wrong_passwords_then_the_right_one_stays_locked(patient, generous_api_throttle):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    answers = [api_login(client, "anna", "wrong password").status_code for _ in range(10)]
    right = api_login(client, "anna", PASSWORD)

    limit = settings.AXES_FAILURE_LIMIT
    assert answers == [400] * (limit - 1) + [429] * (10 - limit + 1)
    assert right.status_code == 429
    assert right["Content-Type"] == "application/json"
    assert set(right.json()) == {"detail"}
    assert "Too many failed logins" in right.json()["detail"]
    assert right["Retry-After"] == str(15 * 60)
    assert "token" not in right.json()


def test_the_lock_holds_for_the_username_and_address_only(patient, therapist):
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        portal_login(attacker, "anna", "wrong password")

    # the patient at home, with her own address, is not locked out by a stranger
    at_home = portal_login(Client(REMOTE_ADDR=ELSEWHERE), "anna", PASSWORD)
    # other accounts from the attacker's address still get their own attempts
    other_account = admin_login(Client(REMOTE_ADDR="198.51.100.66"), "t.weber", PASSWORD)

    assert at_home.status_code == 302
    assert other_account.status_code == 302
    assert portal_login(attacker, "anna", PASSWORD).status_code == 429


def test_the_email_address_and_the_username_count_as_one_account(patient):
    client = Client()
    for username in ["anna", "ANNA", "anna@example.org", " Anna@Example.org ", "anna"]:
        portal_login(client, username, "wrong password")

    assert portal_login(client, "anna", PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().username == "anna"


def test_after_the_cool_off_the_right_password_works_again(patient, generous_api_throttle):
    client = Client()
    for _ in range(10):
        portal_login(client, "anna", "wrong password")
    assert portal_login(client, "anna", PASSWORD).status_code == 429

    # the last failure is now longer ago than the cool-off
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )

    response = portal_login(client, "anna", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)
    assert api_login(APIClient(), "anna", PASSWORD).status_code == 200


def test_a_successful_login_starts_the_count_again(patient):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        portal_login(client, "anna", "wrong password")
    assert portal_login(client, "anna", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()  # the success reset the count
    client.post("/accounts/logout/")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        portal_login(client, "anna", "wrong password")
    assert AccessAttempt.objects.get().failures_since_start == settings.AXES_FAILURE_LIMIT - 1

    response = portal_login(client, "anna", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_failed_attempts_keep_no_password(patient):
    portal_login(Client(), "anna", "my secret guess")

    attempt = AccessAttempt.objects.get()
    assert "my secret guess" not in attempt.post_data


def test_the_schema_documents_the_lockout_answer(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    answer = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]["429"]
    assert "lockout" in answer["description"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_behind_a_proxy_the_lock_counts_the_validated_forwarded_address(patient, settings):
    """The lockout reads the client address as the audit log does (audit.services): the
    proxy's entry of X-Forwarded-For, and something that is no IP address is no address."""
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        portal_login(attacker, "anna", "wrong password")
    forged = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    portal_login(forged, "anna", "wrong password")

    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    # the same proxy in front of the patient at home: her own forwarded address is not locked
    at_home = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ELSEWHERE)

    assert addresses == {"198.51.100.66", None}
    assert portal_login(at_home, "anna", PASSWORD).status_code == 302
    assert portal_login(attacker, "anna", PASSWORD).status_code == 429
