"""Login by username or e-mail, logout, password reset, invitation, login link, profile."""

import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts import services as account_services
from accounts.tokens import InvitationTokenGenerator, LoginLinkTokenGenerator
from patients.models import Patient
from tests.portal.conftest import PASSWORD, make_patient

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-spring-morning"


def _login(client, username, password=PASSWORD):
    return client.post(
        reverse("login"), {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en"
    )


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.mark.parametrize("username", ["anna", "ANNA", "anna@example.org", "Anna@Example.org"])
def test_login_by_username_or_email(client, patient, username):
    response = _login(client, username)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("portal:today")


def test_wrong_password_shows_an_error(client, patient):
    response = _login(client, "anna", "wrong-password")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_an_email_shared_by_two_accounts_logs_nobody_in(client, patient, therapist):
    other = make_patient(therapist, "carla", phase=0)
    other.user.email = "anna@example.org"
    other.user.save()

    shared = _login(client, "anna@example.org")

    assert shared.status_code == 200
    assert "do not match" in shared.content.decode()
    assert "_auth_user_id" not in client.session
    by_name = _login(client, "anna")
    assert by_name["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(patient.user.pk)


def test_logout_needs_a_post(patient_client):
    assert patient_client.get(reverse("logout")).status_code == 405
    response = patient_client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert patient_client.get(reverse("portal:today")).status_code == 302


def test_logout_clears_the_data_kept_on_the_device(patient_client):
    """The pages and unsent sessions kept for offline use are health data (docs/product.md,
    "Installable app and offline use")."""
    response = patient_client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_login_applies_the_profile_language(client, therapist):
    make_patient(therapist, "dora", language="de")
    _login(client, "dora")
    page = client.get(reverse("portal:today"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="de"' in page


def test_password_reset_by_email(client, patient):
    response = client.post(reverse("password_reset"), {"email": "ANNA@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    link = _path(_link(mail.outbox[0]))
    set_password_page = client.get(link, follow=True)
    assert set_password_page.context["validlink"]
    response = client.post(
        set_password_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_reset_complete")
    assert _login(client, "anna", NEW_PASSWORD).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing(client, patient):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


@pytest.fixture
def invited(therapist):
    """A patient as the admin creates one: no usable password yet."""
    patient = make_patient(therapist, "emil", phase=2)
    patient.user.set_unusable_password()
    patient.user.save()
    return patient


def test_invitation_sets_the_password_and_logs_in_once(client, invited, therapist):
    link = account_services.patient_invite(patient=invited, invited_by=therapist)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["emil@example.org"]
    assert link in mail.outbox[0].body
    assert link.startswith("http://127.0.0.1:8000/accounts/invitation/")

    form_page = client.get(_path(link), follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("portal:today")
    invited.user.refresh_from_db()
    assert invited.user.check_password(NEW_PASSWORD)

    client.post(reverse("logout"))
    again = client.get(_path(link), follow=True)
    assert not again.context["validlink"]


def test_invitation_expires_after_seven_days(client, invited, therapist):
    link = account_services.patient_invite(patient=invited, invited_by=therapist)
    later = datetime.now() + timedelta(days=7, minutes=1)
    with mock.patch.object(InvitationTokenGenerator, "_now", return_value=later):
        response = client.get(_path(link), follow=True)
    assert not response.context["validlink"]


def test_invitation_is_written_in_the_patients_language(invited, therapist):
    Patient.objects.filter(pk=invited.pk).update(language="de")
    invited.refresh_from_db()
    languages = []
    real_render = account_services.render_to_string

    def render(*args, **kwargs):
        languages.append(translation.get_language())
        return real_render(*args, **kwargs)

    with mock.patch.object(account_services, "render_to_string", render):
        account_services.patient_invite(patient=invited, invited_by=therapist)
    assert languages == ["de", "de"]


def test_invitation_needs_an_email_address(invited, therapist):
    invited.user.email = ""
    invited.user.save()
    with pytest.raises(ValidationError):
        account_services.patient_invite(patient=invited, invited_by=therapist)


def test_an_invitation_link_is_no_password_reset_link(client, invited, therapist):
    link = account_services.patient_invite(patient=invited, invited_by=therapist)
    uid, token = _path(link).rstrip("/").split("/")[-2:]
    response = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    assert not response.context["validlink"]


def test_login_link_logs_in_once(client, patient):
    response = client.post(reverse("login_link_request"), {"email": "anna@example.org"})
    assert response.status_code == 200
    link = _path(_link(mail.outbox[0]))

    confirm = client.get(link)
    assert confirm.status_code == 200
    assert client.get(reverse("portal:today")).status_code == 302  # not yet logged in
    assert client.post(link)["Location"] == reverse("home")
    assert client.get(reverse("portal:today")).status_code == 200

    client.post(reverse("logout"))
    assert client.get(link).status_code == 400


def test_login_link_expires_after_15_minutes(client, patient):
    client.post(reverse("login_link_request"), {"email": "anna@example.org"})
    link = _path(_link(mail.outbox[0]))
    later = datetime.now() + timedelta(minutes=16)
    with mock.patch.object(LoginLinkTokenGenerator, "_now", return_value=later):
        response = client.post(link, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    page = response.content.decode()
    assert "This link does not work any more" in page
    assert reverse("login_link_request") in page
    assert "_auth_user_id" not in client.session


def test_no_login_link_for_staff_or_unknown_addresses(client, therapist, patient):
    for email in ("weber@example.org", "nobody@example.org"):
        response = client.post(reverse("login_link_request"), {"email": email})
        assert response.status_code == 200  # the same answer either way
    assert mail.outbox == []


def test_profile_saves_settings_and_applies_the_language(patient_client, patient):
    data = {
        "email": "anna.neu@example.org",
        "language": "de",
        "time_zone": "Europe/Vienna",
        "reminder_time": "07:30",
        "reminder_channels": ["email"],
        "reminder_opt_out": "on",
    }
    response = patient_client.post(reverse("profile"), data)
    assert response["Location"] == reverse("profile")
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert (patient.language, patient.time_zone, str(patient.reminder_time)) == (
        "de",
        "Europe/Vienna",
        "07:30:00",
    )
    assert patient.reminder_opt_out and not patient.habit_reminders
    assert patient.user.email == "anna.neu@example.org"
    assert 'lang="de"' in patient_client.get(reverse("portal:today")).content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [("time_zone", "Mars/Olympus"), ("language", "fr"), ("reminder_time", "25:00"), ("email", "x")],
)
def test_profile_rejects_bad_values_and_writes_nothing(patient_client, patient, field, value):
    data = {
        "email": "anna@example.org",
        "language": "en",
        "time_zone": "Europe/Berlin",
        "reminder_time": "18:00",
        "reminder_channels": ["email"],
        field: value,
    }
    response = patient_client.post(reverse("profile"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    before = Patient.objects.get(pk=patient.pk)
    assert (before.time_zone, before.language) == ("Europe/Berlin", "en")


def test_profile_refuses_an_email_of_another_account(patient_client, patient, other_patient):
    data = {
        "email": "bernd@example.org",
        "language": "en",
        "time_zone": "Europe/Berlin",
        "reminder_time": "18:00",
        "reminder_channels": ["email"],
    }
    response = patient_client.post(reverse("profile"), data)
    assert response.context["form"].errors["email"]
    patient.user.refresh_from_db()
    assert patient.user.email == "anna@example.org"


def test_language_switch_changes_the_patients_profile(patient_client, patient):
    response = patient_client.post(reverse("language"), {"language": "de", "next": "/today/"})
    assert response["Location"] == "/today/"
    patient.refresh_from_db()
    assert patient.language == "de"
    assert 'lang="de"' in patient_client.get("/today/").content.decode()


def test_language_switch_for_visitors_sets_the_cookie(client):
    response = client.post(reverse("language"), {"language": "en", "next": "/"})
    assert response.cookies["django_language"].value == "en"
    assert 'lang="en"' in client.get("/").content.decode()


def test_staff_logins_keep_the_browser_language(client, therapist):
    client.force_login(therapist)
    assert "profile_language" not in client.session


def test_account_pages_render_for_visitors(client):
    for name in ("login", "password_reset", "password_reset_done", "login_link_request"):
        assert client.get(reverse(name)).status_code == 200
    assert get_user_model().objects.count() == 0


def test_the_language_chosen_on_the_login_page_is_kept_and_written_to_the_profile(
    client, therapist
):
    """docs/product.md, "Web pages": the choice made before logging in is the patient's latest."""
    dora = make_patient(therapist, "dora", language="de")
    client.post(reverse("language"), {"language": "en", "next": reverse("login")})
    _login(client, "dora")
    assert 'lang="en"' in client.get(reverse("portal:today")).content.decode()
    dora.refresh_from_db()
    assert dora.language == "en"
    # Only that choice: the next login on this browser follows the profile again.
    dora.language = "de"
    dora.save(update_fields=["language"])
    client.post(reverse("logout"))
    _login(client, "dora")
    assert 'lang="de"' in client.get(reverse("portal:today")).content.decode()


def test_the_profile_explains_how_to_install_the_app(patient_client):
    page = patient_client.get(reverse("profile")).content.decode()
    hint = page[page.index('id="install"') : page.index('id="calendar"')]
    assert "The app on your phone" in hint
    assert "Add to Home Screen" in hint  # works without JavaScript: the steps are text
    assert 'data-action="install"' in hint  # the browser's own prompt, where it offers one
