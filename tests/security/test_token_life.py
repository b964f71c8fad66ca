"""API tokens die with the credentials they were minted from (tokens/signals.py,
docs/security.md): a password change or reset by any path, deactivation and the removal of the
last second-factor device revoke all of that user's tokens — and only that user's."""

import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.security.conftest import PASSWORD
from tests.two_factor import confirmed_device, login_verified
from tokens.models import ApiToken
from tokens.services import token_create

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-spring-morning"


def works(token: str, url: str = "/api/v1/me/today/") -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    status = client.get(url).status_code
    assert status in (200, 401), status
    return status == 200


@pytest.fixture
def anna_tokens(patient):
    """Two tokens of anna (phone and tablet) and one of another patient."""
    phone = token_create(user=patient.user)[1]
    tablet = token_create(user=patient.user, name="Tablet")[1]
    assert works(phone) and works(tablet)
    return phone, tablet


@pytest.fixture
def bystander(therapist):
    from tests.api.conftest import make_patient

    other = make_patient(therapist, username="berta")
    token = token_create(user=other.user)[1]
    assert works(token)
    return token


def all_dead(tokens) -> bool:
    return not any(works(token) for token in tokens)


def test_the_portals_password_change_revokes_every_token(patient, anna_tokens, bystander):
    client = Client()
    client.post("/accounts/login/", {"username": "anna", "password": PASSWORD})

    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert all_dead(anna_tokens)
    assert works(bystander)
    assert "_auth_user_id" in client.session  # the browser session itself goes on
    assert ApiToken.objects.filter(user=patient.user, revoked_at__isnull=True).count() == 0


def test_the_reset_link_revokes_every_token(patient, anna_tokens, bystander):
    client = Client()
    client.post("/accounts/password-reset/", {"email": "anna@example.org"})
    link = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)

    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response["Location"] == "/accounts/password-reset/done/"
    assert all_dead(anna_tokens)
    assert works(bystander)


def test_the_admins_own_password_change_revokes_the_therapists_tokens(therapist, patient):
    token = token_create(user=therapist)[1]
    assert works(token, "/api/v1/patients/")
    client = login_verified(Client(), therapist)

    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not works(token, "/api/v1/patients/")


def test_the_practice_admin_setting_a_password_revokes_that_users_tokens(
    superuser, patient, anna_tokens, bystander
):
    client = login_verified(Client(), superuser)

    response = client.post(
        f"/admin/auth/user/{patient.user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert all_dead(anna_tokens)
    assert works(bystander)


def test_manage_py_changepassword_revokes_the_tokens(patient, anna_tokens):
    # getpass reads the terminal, which a test does not have.
    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", "anna", stdout=mock.Mock())

    assert all_dead(anna_tokens)


def test_set_password_in_code_revokes_the_tokens(patient, anna_tokens):
    user = get_user_model().objects.get(username="anna")
    user.set_password(NEW_PASSWORD)
    user.save(update_fields=["password"])

    assert all_dead(anna_tokens)


def test_other_saves_and_a_password_hash_upgrade_revoke_nothing(patient, anna_tokens):
    user = get_user_model().objects.get(username="anna")
    user.first_name = "Annabelle"
    user.save()
    # check_password() rehashes when the hasher's settings changed; that is no new password.
    with mock.patch(
        "django.contrib.auth.hashers.PBKDF2PasswordHasher.must_update", return_value=True
    ):
        assert user.check_password(PASSWORD)

    assert works(anna_tokens[0]) and works(anna_tokens[1])


def test_deactivation_revokes_the_tokens_for_good(patient, anna_tokens, bystander):
    user = patient.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.is_active = True
    user.save(update_fields=["is_active"])

    assert all_dead(anna_tokens)  # reactivating the account does not bring them back
    assert works(bystander)


def test_deactivating_in_the_admin_revokes_the_tokens(superuser, patient, anna_tokens):
    client = login_verified(Client(), superuser)
    form = client.get(f"/admin/auth/user/{patient.user.pk}/change/").context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data |= {"is_active": "", "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01"}
    data |= {"date_joined_1": "08:00:00"}

    response = client.post(f"/admin/auth/user/{patient.user.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.user.refresh_from_db()
    assert not patient.user.is_active
    assert ApiToken.objects.filter(user=patient.user, revoked_at__isnull=True).count() == 0


def test_removing_the_last_device_revokes_the_staff_members_tokens(therapist, patient):
    first = confirmed_device(therapist)
    second = TOTPDevice.objects.create(user=therapist, name="spare phone", confirmed=True)
    token = token_create(user=therapist)[1]

    second.delete()
    assert works(token, "/api/v1/patients/")  # one device left: the tokens stay
    first.delete()

    assert not works(token, "/api/v1/patients/")


def test_an_abandoned_unconfirmed_device_takes_no_tokens_along(therapist, patient):
    confirmed_device(therapist)
    setup = TOTPDevice.objects.create(user=therapist, name="never confirmed", confirmed=False)
    token = token_create(user=therapist)[1]

    setup.delete()

    assert works(token, "/api/v1/patients/")
    assert ApiToken.objects.get(user=therapist).revoked_at is None


def test_the_practice_admin_deleting_a_device_in_the_admin_revokes_its_owners_tokens(
    superuser, therapist, patient
):
    device = confirmed_device(therapist)
    token = token_create(user=therapist)[1]
    own = token_create(user=superuser)[1]
    client = login_verified(Client(), superuser)

    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not works(token, "/api/v1/patients/")
    assert works(own, "/api/v1/patients/")
