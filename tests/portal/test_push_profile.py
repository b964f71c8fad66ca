"""The profile page's reminder channels (check boxes) and its push section: offered only where
the server has VAPID keys, with the patient's own registered devices."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reminders.models import PushSubscription
from reminders.push import generate_keys

pytestmark = pytest.mark.django_db

SETTINGS = {
    "email": "anna@example.org",
    "language": "en",
    "time_zone": "Europe/Berlin",
    "reminder_time": "18:00",
}


@pytest.fixture
def keys(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = generate_keys()
    return settings.VAPID_PUBLIC_KEY


def device(patient, name: str) -> PushSubscription:
    return PushSubscription.objects.create(
        patient=patient,
        endpoint=f"https://updates.push.services.mozilla.com/wpush/v2/{name}",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
    )


def test_with_keys_the_page_offers_push_and_lists_the_patients_devices(
    patient_client, patient, other_patient, keys
):
    device(patient, "annas-phone")
    device(other_patient, "bernds-phone")

    page = patient_client.get(reverse("profile")).content.decode()

    assert 'name="reminder_channels" value="email"' in page
    assert 'name="reminder_channels" value="push"' in page
    assert "Push notification on the devices registered below" in page
    assert f'data-public-key="{keys}"' in page
    assert 'data-api="/api/v1/me/push-subscriptions/"' in page
    assert "Enable push reminders on this phone" in page
    assert "annas-phone" in page
    assert "bernds-phone" not in page
    assert "js/portal-push.js" in page


def test_without_keys_the_page_offers_email_only(patient_client, patient, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""

    page = patient_client.get(reverse("profile")).content.decode()

    assert 'name="reminder_channels" value="email"' in page
    assert 'value="push"' not in page
    assert 'id="push"' not in page
    assert "js/portal-push.js" not in page


def test_a_push_choice_is_kept_while_the_server_has_no_keys(patient_client, patient, settings):
    patient.remind_by_push = True
    patient.save(update_fields=["remind_by_push"])
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""

    response = patient_client.post(reverse("profile"), {**SETTINGS, "reminder_channels": []})

    assert response.status_code == 302  # push is still chosen: not "no channel"
    patient.refresh_from_db()
    assert patient.reminder_channels == ["push"]


def test_the_check_boxes_save_the_channels(patient_client, patient, keys):
    response = patient_client.post(
        reverse("profile"), {**SETTINGS, "reminder_channels": ["email", "push"]}
    )

    assert response["Location"] == reverse("profile")
    patient.refresh_from_db()
    assert patient.reminder_channels == ["email", "push"]
    page = patient_client.get(reverse("profile")).content.decode()
    assert 'value="push" id="id_reminder_channels_1" checked' in page


def test_no_channel_without_switching_reminders_off_is_refused(patient_client, patient, keys):
    response = patient_client.post(reverse("profile"), {**SETTINGS, "reminder_channels": []})

    assert response.status_code == 200
    assert response.context["form"].errors["reminder_channels"] == [
        "Choose at least one way to be reminded, or switch reminders off."
    ]
    patient.refresh_from_db()
    assert patient.reminder_channels == ["email"]
    switched_off = patient_client.post(
        reverse("profile"), {**SETTINGS, "reminder_channels": [], "reminder_opt_out": "on"}
    )
    assert switched_off.status_code == 302
    patient.refresh_from_db()
    assert (patient.reminder_channels, patient.reminder_opt_out) == ([], True)


def test_an_unknown_channel_is_refused(patient_client, patient, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""  # push not offered here

    response = patient_client.post(reverse("profile"), {**SETTINGS, "reminder_channels": ["push"]})

    assert response.status_code == 200
    assert "reminder_channels" in response.context["form"].errors
    patient.refresh_from_db()
    assert patient.reminder_channels == ["email"]


def test_the_profile_page_costs_the_same_queries_for_many_devices(
    patient_client, patient, keys, django_assert_num_queries
):
    device(patient, "first")
    patient_client.get(reverse("profile"))  # the calendar key exists before counting

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert patient_client.get(reverse("profile")).status_code == 200
        return len(queries)

    one = count()
    for number in range(10):
        device(patient, f"more{number}")
    with django_assert_num_queries(one):
        page = patient_client.get(reverse("profile")).content.decode()
    assert page.count('data-action="push-remove"') == 11 + 1  # the rows and the row template
