"""Who may open which portal page: anonymous → login, staff → admin, patients → only their own."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.portal.conftest import log_session

pytestmark = pytest.mark.django_db

PAGES = [
    "portal:today",
    "portal:session",
    "portal:history",
    "portal:progress",
    "portal:habits",
    "portal:questionnaires",
    "profile",
]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_the_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("name", PAGES)
def test_staff_are_sent_to_the_admin(staff_client, name):
    response = staff_client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


@pytest.mark.parametrize("name", PAGES)
def test_a_login_without_patient_profile_gets_a_clear_message(client, name):
    user = get_user_model().objects.create_user("nobody", "nobody@example.org", "x" * 12)
    client.force_login(user)
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "has no patient profile" in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_patients_open_every_page(patient_client, name):
    response = patient_client.get(reverse(name))
    assert response.status_code == 200
    assert "does not replace medical advice" in response.content.decode()


def test_home_sends_each_role_where_it_belongs(client, patient, therapist):
    assert client.get("/").status_code == 200
    client.force_login(patient.user)
    assert client.get("/")["Location"] == reverse("portal:today")
    client.force_login(therapist)
    assert client.get("/")["Location"] == reverse("admin:index")


def test_another_patients_session_is_not_found(patient_client, other_patient):
    session = log_session(other_patient)
    response = patient_client.get(reverse("portal:session_feedback", args=[session.pk]))
    assert response.status_code == 404


def test_another_patients_sessions_never_show_in_history_or_progress(
    patient_client, patient, other_patient
):
    log_session(patient, notes="mine")
    log_session(other_patient, notes="secret of bernd", pain_before=7, pain_after=9)
    history = patient_client.get(reverse("portal:history")).content.decode()
    progress = patient_client.get(reverse("portal:progress"))
    assert "secret of bernd" not in history
    assert progress.context["chart"]["pain"]["after"] == [2]


def test_patients_cannot_use_the_admin(patient_client):
    response = patient_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
