"""Push reminders on a 390 × 844 phone in real Chromium (README "Push reminders (Web Push)").

The browser's own ``pushManager.subscribe`` needs its vendor's push service, which cannot be
reached here; so the page registers a subscription made with this test's keys and a local push
service (tests/push_service.py) through the portal's own code (``MttPush.register``: the same
API endpoint, session and CSRF token as the "Enable" button). A real reminder run then sends an
encrypted push there, which decrypts to the reminder; a 410 answer removes the device.
"""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from questionnaires.models import Questionnaire
from reminders import services
from reminders.models import Delivery, PushSubscription
from tests.browser import phone
from tests.browser.test_portal import login
from tests.browser.test_portal_safety import assert_axe_clean
from tests.portal.conftest import make_patient

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

browser_context_args = phone.browser_context_args


@pytest.fixture
def anna(django_user_model):
    """Reminded a minute ago (her local time), no quiet hours, e-mail and push both chosen."""
    therapist = django_user_model.objects.create_user(
        "t.weber", "weber@example.org", "x", is_staff=True
    )
    now = timezone.now().astimezone(ZoneInfo("Europe/Berlin"))
    # Her baseline questionnaires would be due as well; this test is about the one reminder.
    Questionnaire.objects.update(is_active=False)
    return make_patient(
        therapist,
        "anna",
        phase=2,
        reminder_time=(now - timedelta(minutes=1)).time().replace(second=0, microsecond=0),
        quiet_hours_start=time(0),
        quiet_hours_end=time(0),
    )


@pytest.fixture
def sends_in_process(monkeypatch):
    """The run's sends go straight to the send task in this process, not through the broker."""
    monkeypatch.setattr(
        services.enqueue,
        "_publish",
        lambda task, ids, size, what, queue=None: task(list(ids)) or len(ids),
    )


def run_reminders() -> None:
    now = timezone.now()
    services.reminders_run(now=now, start=now - timedelta(minutes=15))


def test_a_registered_phone_gets_the_reminder_and_loses_it_when_gone(
    live_server, page: Page, anna, push_service, sends_in_process, settings
):
    login(page, live_server)
    expect(page).to_have_url(f"{live_server.url}/today/")
    page.goto(f"{live_server.url}/accounts/profile/")
    section = page.locator("#push")
    expect(section).to_be_visible()  # Chromium has PushManager: the section is shown
    enable = section.get_by_role("button", name="Enable push reminders on this phone")
    expect(enable).to_be_visible()
    expect(section.get_by_text("No device is registered yet.")).to_be_visible()
    assert_axe_clean(page)
    # Without the permission to show notifications the button says what to do, and registers
    # nothing.
    enable.click()
    expect(section.get_by_role("status")).to_have_text(
        "Notifications are blocked for this site. Allow them in your browser settings, then "
        "try again."
    )
    assert not PushSubscription.objects.exists()

    phone_device = push_service.device()
    registered = page.evaluate(
        "subscription => window.MttPush.register(subscription)", phone_device.to_json()
    )

    assert registered["endpoint"] == phone_device.endpoint
    expect(section.locator("li[data-id]")).to_have_count(1)
    expect(section.get_by_text("No device is registered yet.")).to_be_hidden()
    (stored,) = PushSubscription.objects.all()
    assert (stored.patient_id, stored.pk) == (anna.pk, registered["id"])
    anna.refresh_from_db()
    assert anna.reminder_channels == ["email", "push"]

    run_reminders()
    run_reminders()  # the same window again: nothing is sent twice

    (received,) = push_service.received
    message = received.decrypt(phone_device)
    assert message["title"] == "Time for your training"
    assert message["body"] == "Open today's plan"
    assert message["url"].endswith("/today/")
    assert set(message) == {"title", "body", "url", "tag", "lang"}  # nothing about health
    assert received.vapid_claims(settings.VAPID_PUBLIC_KEY)["sub"] == settings.VAPID_SUBJECT
    (delivery,) = Delivery.objects.filter(patient=anna)
    assert delivery.details["channels"] == {"email": "sent", "push": "sent"}

    # The browser dropped the subscription: the push service answers 410 from now on.
    push_service.status = 410
    Delivery.objects.all().delete()  # a new reminder for the same day and kind
    run_reminders()

    assert len(push_service.received) == 2
    assert not PushSubscription.objects.exists()
    page.reload()
    expect(section.get_by_text("No device is registered yet.")).to_be_visible()
    expect(section.locator("li[data-id]")).to_have_count(0)


def test_the_service_worker_shows_pushes_and_opens_their_link(live_server, page: Page, anna):
    page.goto(f"{live_server.url}/accounts/login/")
    source = page.evaluate("() => fetch('/sw.js').then(response => response.text())")

    assert 'self.addEventListener("push"' in source
    assert "showNotification" in source
    assert 'self.addEventListener("notificationclick"' in source
    assert "openWindow" in source
    assert '"pushDefaultTitle": "Time for your training"' in source
