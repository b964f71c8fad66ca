"""The profile's calendar section: the patient's secret iCalendar feed as a ``webcal://`` "Add to
calendar" link and a copyable https address, and a button (POST, CSRF-checked) that makes the
first address or renews it, after which the old address answers 404."""

import html

import pytest
from django.test import Client

from reminders.services import calendar_token_rotate, calendar_url

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
RENEW = "/accounts/profile/calendar/renew/"


def feed_path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_without_an_address_the_profile_offers_to_make_one(patient_client, patient):
    patient.calendar_token = None
    patient.save(update_fields=["calendar_token"])

    page = patient_client.get(PROFILE).text

    assert 'id="calendar"' in page
    assert "Create my calendar address" in page
    assert "webcal://" not in page

    response = patient_client.post(RENEW)

    assert response.status_code == 302 and response["Location"] == PROFILE + "#calendar"
    patient.refresh_from_db()
    assert patient.calendar_token
    assert "Your calendar address is ready." in patient_client.get(PROFILE).text


def test_the_profile_shows_the_feed_as_webcal_link_and_copyable_address(
    patient_client, patient, settings
):
    settings.SITE_URL = "https://mtt.example.org"
    calendar_token_rotate(patient=patient)
    url = calendar_url(patient)
    assert url.startswith("https://mtt.example.org/")

    page = html.unescape(patient_client.get(PROFILE).text)

    assert f'href="webcal://{url.removeprefix("https://")}"' in page
    assert "Add to calendar" in page
    assert f'value="{url}" readonly' in page
    assert "Renew the secret address" in page
    # The address works as a calendar feed.
    feed = patient_client.get(feed_path(url))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")


def test_renewing_makes_a_new_address_and_the_old_one_stops_working(patient_client, patient):
    calendar_token_rotate(patient=patient)
    old = calendar_url(patient)

    response = patient_client.post(RENEW, follow=True)

    patient.refresh_from_db()
    new = calendar_url(patient)
    assert new != old
    assert new in html.unescape(response.text)
    assert "Your calendar has a new address. Add it to your calendar app again." in response.text
    anonymous = Client()
    assert anonymous.get(feed_path(old)).status_code == 404
    assert anonymous.get(feed_path(new)).status_code == 200


def test_renewing_needs_a_post_with_the_csrf_token(patient):
    calendar_token_rotate(patient=patient)
    token = patient.calendar_token
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient.user)

    assert client.post(RENEW).status_code == 403
    assert client.get(RENEW).status_code == 405
    patient.refresh_from_db()
    assert patient.calendar_token == token


def test_staff_and_visitors_cannot_renew(client, therapist, patient):
    calendar_token_rotate(patient=patient)
    token = patient.calendar_token
    assert client.post(RENEW)["Location"].startswith("/accounts/login/")
    client.force_login(therapist)
    assert client.post(RENEW)["Location"] == "/admin/"
    patient.refresh_from_db()
    assert patient.calendar_token == token
