"""auth/token/: obtain, use, expire, revoke; hashed at rest; throttled; no session rows."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD
from tokens.authentication import BearerTokenAuthentication
from tokens.models import ApiToken
from tokens.services import token_create, token_digest, token_revoke

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


def login(username, password=PASSWORD, client=None):
    client = client or APIClient()
    return client.post(URL, {"username": username, "password": password}, format="json")


def bearer(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_login_answers_a_token_that_expires_and_is_stored_hashed(world):
    response = login("anna")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"token", "expires"}
    row = ApiToken.objects.get(user=world.patient.user)
    assert row.digest == token_digest(data["token"])
    assert data["token"] not in {row.digest, row.prefix}
    assert timezone.datetime.fromisoformat(data["expires"]) == row.expires_at
    assert row.expires_at > timezone.now() + timedelta(days=29)
    assert bearer(data["token"]).get("/api/v1/me/today/").status_code == 200


def test_the_email_address_logs_in_too(world):
    response = login("anna@example.org")

    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get().digest == token_digest(token)
    me = bearer(token).get("/api/v1/me/today/")
    assert me.status_code == 200
    assert ApiToken.objects.get().user == world.patient.user


@pytest.mark.parametrize(
    ("username", "password"), [("anna", "wrong password"), ("nobody", PASSWORD), ("", PASSWORD)]
)
def test_wrong_credentials_answer_400_without_a_token(world, username, password):
    response = login(username, password)

    assert response.status_code == 400
    assert ApiToken.objects.count() == 0


def test_an_inactive_account_gets_no_token_and_its_tokens_stop_working(world):
    token = login("anna").json()["token"]
    world.patient.user.is_active = False
    world.patient.user.save(update_fields=["is_active"])

    assert login("anna").status_code == 400
    assert bearer(token).get("/api/v1/me/today/").status_code == 401


def test_an_expired_token_answers_401(world):
    token = login("anna").json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = bearer(token).get("/api/v1/me/today/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_delete_revokes_the_calling_token_only(world):
    first = login("anna").json()["token"]
    second = login("anna").json()["token"]

    assert bearer(first).delete(URL).status_code == 204
    assert bearer(first).get("/api/v1/me/today/").status_code == 401
    assert bearer(second).get("/api/v1/me/today/").status_code == 200
    assert ApiToken.objects.get(digest=token_digest(first)).revoked_at is not None


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer not-a-token", "Bearer ü"])
def test_malformed_or_unknown_tokens_answer_401(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.get("/api/v1/sessions/").status_code == 401


def test_token_requests_write_no_session_row(world):
    token = login("anna").json()["token"]
    client = bearer(token)

    client.get("/api/v1/me/today/")
    client.patch("/api/v1/me/profile/", {"language": "en"}, format="json")
    client.get("/api/v1/sessions/")
    client.delete(URL)

    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies


def test_session_authentication_works_for_the_browser_with_csrf(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.patient.user)

    assert client.get("/api/v1/me/today/").status_code == 200
    assert client.patch("/api/v1/me/profile/", {"language": "en"}, format="json").status_code == 403


def test_login_is_throttled_per_address_and_username(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "3/min", "login-address": "100/min"},
    }

    answers = [login("anna", "wrong password").status_code for _ in range(4)]
    other_user = login("berta")

    assert answers == [400, 400, 400, 429]
    assert login("anna").status_code == 429  # the right password waits too
    assert other_user.status_code == 200


def test_login_is_throttled_per_address(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "100/min", "login-address": "2/min"},
    }

    answers = [login(name).status_code for name in ("anna", "berta", "carla")]

    assert answers == [200, 200, 429]


# --- auth/tokens/: the caller's own tokens ----------------------------------------------------
LIST = "/api/v1/auth/tokens/"


def test_the_list_shows_the_callers_live_tokens_without_secrets(world):
    current = login("anna").json()["token"]
    other = login("anna").json()["token"]
    revoked = login("anna").json()["token"]
    bearer(revoked).delete(URL)
    login("berta")  # another patient's
    named, _secret = token_create(user=world.patient.user, name="Kalender")
    ApiToken.objects.filter(pk=named.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = bearer(current).get(LIST)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["prefix"] for row in rows] == [
        ApiToken.objects.get(digest=token_digest(token)).prefix for token in (other, current)
    ]
    fields = {"id", "name", "prefix", "created", "expires", "current"}
    assert all(set(row) == fields for row in rows)
    assert [row["current"] for row in rows] == [False, True]
    # An unnamed token is called "API login" in the language the answer is in.
    with translation.override(response["Content-Language"]):
        assert rows[0]["name"] == translation.gettext("API login")
    assert response["Content-Language"] == "de" and rows[0]["name"] != "API login"
    for token in (current, other):
        assert token not in response.text
        assert token_digest(token) not in response.text


def test_delete_revokes_one_own_token_and_another_users_id_answers_404(world):
    own = login("anna").json()["token"]
    spare = login("anna").json()["token"]
    foreign = login("berta").json()["token"]
    spare_id = ApiToken.objects.get(digest=token_digest(spare)).pk
    foreign_id = ApiToken.objects.get(digest=token_digest(foreign)).pk

    for_someone_else = bearer(own).delete(f"{LIST}{foreign_id}/")
    read_someone_else = bearer(own).get(f"{LIST}{foreign_id}/")
    revoked = bearer(own).delete(f"{LIST}{spare_id}/")

    assert for_someone_else.status_code == read_someone_else.status_code == 404
    assert bearer(foreign).get("/api/v1/me/today/").status_code == 200
    assert revoked.status_code == 204
    assert bearer(spare).get("/api/v1/me/today/").status_code == 401
    assert bearer(own).get("/api/v1/me/today/").status_code == 200
    assert bearer(own).delete(f"{LIST}{spare_id}/").status_code == 404  # already gone


def test_staff_list_and_revoke_their_own_tokens_too(world):
    own, secret = token_create(user=world.therapist, name="Praxissoftware")
    patients_token, _secret = token_create(user=world.patient.user)

    listed = bearer(secret).get(LIST).json()["results"]
    foreign = bearer(secret).delete(f"{LIST}{patients_token.pk}/")

    assert [(row["id"], row["name"]) for row in listed] == [(own.pk, "Praxissoftware")]
    assert foreign.status_code == 404
    assert bearer(secret).delete(f"{LIST}{own.pk}/").status_code == 204
    assert bearer(secret).get(LIST).status_code == 401


def test_the_browser_session_revokes_with_csrf_only(world):
    token, _secret = token_create(user=world.patient.user)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.patient.user)

    assert client.get(LIST).json()["results"][0]["id"] == token.pk
    assert client.delete(f"{LIST}{token.pk}/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_list_uses_a_fixed_number_of_queries(world):
    secret = login("anna").json()["token"]
    bearer(secret).get(LIST)
    with CaptureQueriesContext(connection) as few:
        bearer(secret).get(LIST)
    for _ in range(8):
        token_create(user=world.patient.user)

    with CaptureQueriesContext(connection) as many:
        response = bearer(secret).get(LIST)

    assert len(response.json()["results"]) == 9
    assert len(many) == len(few) <= 3


@pytest.mark.parametrize("role", ["patient", "therapist"])
def test_token_authentication_costs_one_query_with_user_and_patient(world, role):
    """The token, its user and the user's patient profile come in one query, and nothing else
    (session, language, lockout, second factor) asks the database before the view."""
    user = world.patient.user if role == "patient" else world.therapist
    _row, token = token_create(user=user)
    request = RequestFactory().get("/api/v1/me/today/", HTTP_AUTHORIZATION=f"Bearer {token}")

    with CaptureQueriesContext(connection) as queries:
        authenticated, row = BearerTokenAuthentication().authenticate(request)

    assert len(queries) == 1, queries.captured_queries
    assert (authenticated, row.user_id) == (user, user.pk)
    with CaptureQueriesContext(connection) as later:
        patient = getattr(authenticated, "patient", None)
        # Built from one compiled query's row (tokens/authentication.py): every column is there.
        assert row.user is authenticated
        assert (authenticated.username, authenticated.is_staff) == (user.username, user.is_staff)
        expires_at = row.expires_at
        if patient is not None:
            assert patient.user is authenticated
            assert (patient.time_zone, patient.therapist_id) == (
                world.patient.time_zone,
                world.patient.therapist_id,
            )
    assert len(later) == 0
    assert patient == (world.patient if role == "patient" else None)
    assert expires_at == ApiToken.objects.get(pk=row.pk).expires_at


def test_a_token_shows_only_its_prefix(world):
    row, secret = token_create(user=world.patient.user)

    assert str(row) == f"{row.prefix}…"
    assert secret not in str(row)


def test_revoking_an_already_revoked_token_keeps_its_first_revocation(world):
    row, _secret = token_create(user=world.patient.user)
    token_revoke(token=row)
    first = ApiToken.objects.get(pk=row.pk).revoked_at

    token_revoke(token=ApiToken.objects.get(pk=row.pk))

    assert first is not None
    assert ApiToken.objects.get(pk=row.pk).revoked_at == first


def test_a_token_of_an_account_deactivated_by_a_bulk_update_is_refused(world):
    """Deactivating a user revokes their tokens (tokens/signals.py); a bulk update sends no
    signal, and the token is refused all the same."""
    _row, secret = token_create(user=world.patient.user)
    type(world.patient.user).objects.filter(pk=world.patient.user.pk).update(is_active=False)

    response = APIClient().get(
        "/api/v1/me/today/", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 401
    assert response.json()["detail"] == "This account is deactivated."


def test_deleting_auth_token_needs_a_token_not_a_login_session(world):
    client = APIClient()
    client.force_authenticate(user=world.patient.user)

    response = client.delete("/api/v1/auth/token/")

    assert response.status_code == 401
    assert not ApiToken.objects.filter(user=world.patient.user, revoked_at__isnull=False).exists()
