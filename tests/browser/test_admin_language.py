"""The admin in German in real Chromium, scripts included: the date widget's shortcuts and
calendar speak German (their texts come from locale/de/LC_MESSAGES/djangojs.po where Django
6.1's catalogue has none), and the changelist's action button reads "Ausführen"."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, expect

from tests.two_factor import confirmed_device, current_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_date_widget_and_the_actions_are_german(live_server, browser: Browser):
    chief = get_user_model().objects.create_superuser(
        "chefin", "chefin@example.org", "a-long-demo-pass"
    )
    device = confirmed_device(chief)
    context = browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Benutzername").fill("chefin")
    page.get_by_label("Passwort").fill("a-long-demo-pass")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_label("Code aus Ihrer Authenticator-App").fill(current_code(device))
    page.get_by_role("button", name="Bestätigen").click()
    page.goto(f"{live_server.url}/admin/patients/patient/add/")

    today = page.locator(".datetimeshortcuts a").first
    expect(today).to_have_text("Heute")
    assert today.get_attribute("aria-label").startswith("Heute (")
    page.locator("#calendarlink0").click()
    calendar = page.locator("#calendarbox0")
    expect(calendar).to_be_visible()
    assert (
        calendar.locator(".calendarnav-previous").get_attribute("aria-label").startswith("Zurück (")
    )
    expect(calendar).not_to_contain_text("Today")
    expect(calendar).to_contain_text("Gestern")

    page.goto(f"{live_server.url}/admin/programs/program/")
    expect(page.locator("select[name=action] option").first).to_have_text("– Bitte auswählen –")
    expect(page.get_by_role("button", name="Ausführen")).to_be_visible()
    expect(page.locator("select[name=action]")).to_contain_text("In meine Programme kopieren")
    context.close()
