"""The therapist's start page in real Chromium at 1366×900, in German: log in with the second
factor, a red flag on top, acknowledged in one click, the row gone and the header's count down;
axe-core finds nothing on the start page, the alert list and the session list
(docs/product.md "The start page")."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from patients import services
from tests import factories
from tests.browser.conftest import SCREENSHOTS
from tests.two_factor import current_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NO_SIGNS = {
    "red_flag_saddle_numbness": False,
    "red_flag_bladder_bowel": False,
    "red_flag_leg_weakness": False,
}


def assert_axe_clean(page: Page, selector: str):
    results = Axe().run(page, context=selector)
    violations = [
        (rule["id"], [node["target"] for node in rule["nodes"]])
        for rule in results.response["violations"]
    ]
    assert violations == [], (page.url, selector, violations)


def _practice(therapist):
    """A red flag, a flagged session with another alert, and a silent patient."""
    jonas = factories.PatientFactory(
        therapist=therapist, username="jonas", first_name="Jonas", last_name="Becker"
    )
    factories.assign(jonas, days_ago=20)
    factories.log_session(jonas, pain_before=1, pain_after=4)  # pain rose: flagged
    services.symptom_report_create(
        patient=jonas, pain=4, **{**NO_SIGNS, "red_flag_bladder_bowel": True}
    )
    mia = factories.PatientFactory(
        therapist=therapist, username="mia", first_name="Mia", last_name="Wolf"
    )
    factories.assign(mia, days_ago=30)
    factories.log_session(mia, days_ago=12)


def _login_german(browser: Browser, url: str, therapist) -> Page:
    context = browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{url}/admin/")
    page.locator("#id_username").fill("t.weber")
    page.locator("#id_password").fill("a-long-therapist-pass")
    page.locator("input[type=submit]").click()
    device = TOTPDevice.objects.get(user=therapist)
    page.locator("input[name=token]").fill(current_code(device))
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(f"{url}/admin/")
    return page


def test_the_start_page_in_german_acknowledge_a_red_flag_in_one_click(
    live_server, browser: Browser
):
    therapist = factories.TherapistFactory(
        username="t.weber", email="weber@example.org", password="a-long-therapist-pass"
    )
    TOTPDevice.objects.create(user=therapist, name="Telefon", confirmed=True)
    _practice(therapist)

    page = _login_german(browser, live_server.url, therapist)

    sections = page.locator("section.today-section")
    expect(sections.first).to_have_attribute("id", "today-red-flags")
    red = page.locator("#today-red-flags .today-row")
    expect(red).to_have_count(1)
    expect(red.first).to_contain_text("Jonas Becker")
    expect(red.first).to_contain_text("Cauda equina")
    expect(page.locator("#today-flagged-sessions .today-row")).to_have_count(1)
    expect(page.locator("#today-silent")).to_contain_text("Mia Wolf")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    badge = page.locator("#alert-badge .badge-red-flags")
    expect(badge).to_have_attribute("data-count", "1")
    alerts_before = int(page.locator("#alert-badge .badge-alerts").get_attribute("data-count"))
    assert_axe_clean(page, "#content-main")
    assert_axe_clean(page, "#header")
    page.screenshot(path=SCREENSHOTS / "admin-start-page.png", full_page=True)

    red.first.locator("button.acknowledge").click()

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("#today-red-flags .today-row")).to_have_count(0)
    expect(page.locator("#alert-badge .badge-red-flags")).to_have_count(0)
    expect(page.locator("#alert-badge .badge-alerts")).to_have_attribute(
        "data-count", str(alerts_before - 1)
    )
    expect(page.locator(".messagelist")).to_be_visible()

    page.goto(live_server.url + reverse("admin:patients_alert_changelist"))
    expect(page.locator("#result_list tbody tr")).to_have_count(alerts_before - 1)
    assert_axe_clean(page, "#content")
    page.goto(live_server.url + reverse("admin:patients_sessionlog_changelist"))
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    assert_axe_clean(page, "#content")
