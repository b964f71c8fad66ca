"""The take-home programme and the calendar section in real Chromium at a phone's size."""

import pytest
from playwright.sync_api import Page, expect

from patients.models import Patient
from tests.browser import phone
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_portal import login
from tests.pdf import pdf_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The phone's screen and its patient (tests/browser/phone.py).
anna = phone.anna
browser_context_args = phone.browser_context_args


def test_today_prints_the_programme_and_the_profile_adds_and_renews_the_calendar(
    page: Page, live_server, anna, settings
):
    settings.SITE_URL = live_server.url  # the feed's address points at this server
    login(page, live_server)
    page.goto(f"{live_server.url}/today/")
    link = page.get_by_role("link", name="Print my programme")
    expect(link).to_be_visible()
    pdf = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Segmental stabilisation" in " ".join(pdf_text(pdf.body()).split())

    page.goto(f"{live_server.url}/accounts/profile/")
    section = page.locator("#calendar")
    if section.get_by_role("button", name="Create my calendar address").count():
        section.get_by_role("button", name="Create my calendar address").click()
    address = page.locator("#calendar-address")
    expect(address).to_be_visible()
    first = address.input_value()
    assert first.startswith(live_server.url + "/calendar/") and first.endswith(".ics")
    add = section.get_by_role("link", name="Add to calendar")
    assert add.get_attribute("href") == "webcal://" + first.split("://", 1)[1]
    section.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "portal-profile-calendar.png")

    section.get_by_role("button", name="Renew the secret address").click()

    expect(page.get_by_text("Your calendar has a new address.")).to_be_visible()
    renewed = page.locator("#calendar-address").input_value()
    assert renewed != first
    assert Patient.objects.get(pk=anna.pk).calendar_token in renewed
    assert page.request.get(first).status == 404
    assert page.request.get(renewed).status == 200
