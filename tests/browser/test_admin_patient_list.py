"""The therapist's patient list in real Chromium on a 1366 × 900 desktop, in English and German:
the key columns (phase, last session, adherence, open alerts, red flag) in view without
scrolling sideways, beside the admin's navigation, and axe-core clean."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import SCREENSHOTS
from tests.patients.test_admin import _bulk_patients
from tests.two_factor import login_verified

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

KEY_COLUMNS = ["current_phase", "last_session", "adherence", "alerts", "red_flag"]


def header_boxes(page: Page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#result_list thead th')]
            .map(th => [th.className, th.getBoundingClientRect().right]))"""
    )


@pytest.mark.parametrize(("language", "superuser"), [("en", False), ("de", False), ("de", True)])
def test_the_patient_list_fits_1366_px_and_is_axe_clean(
    live_server, page: Page, language, superuser
):
    therapist = factories.TherapistFactory(username="t.weber", last_name="Weber")
    _bulk_patients(30, therapist, factories.master())
    user = (
        factories.UserFactory(username="praxis", is_staff=True, is_superuser=True)
        if superuser
        else therapist
    )
    client = login_verified(Client(), user)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.context.add_cookies(
        [
            {"name": name, "value": value, "url": live_server.url}
            for name, value in (
                (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value),
                (settings.LANGUAGE_COOKIE_NAME, language),
            )
        ]
    )

    page.goto(f"{live_server.url}/admin/patients/patient/?o=1")
    expect(page.locator("#result_list tbody tr")).to_have_count(25)
    page.screenshot(path=SCREENSHOTS / f"admin-patient-list-{language}.png")

    rights = header_boxes(page)
    for column in KEY_COLUMNS:
        [right] = [right for name, right in rights.items() if f"column-{column}" in name]
        assert right <= 1366, (column, rights)
    scroll = page.evaluate(
        """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
                  document.querySelector('#changelist .results').scrollWidth,
                  document.querySelector('#changelist .results').clientWidth]"""
    )
    assert scroll[0] <= scroll[1] and scroll[2] <= scroll[3], scroll
    assert page.locator("#nav-sidebar").is_visible()  # beside the navigation, not instead
    # Every fifth patient has an open red flag: it reads as a word, not a tick.
    expect(page.locator("td.field-red_flag .open-red-flag")).to_have_count(5)
    expect(page.locator("td.field-red_flag .open-red-flag").first).to_have_text(
        "Ja" if language == "de" else "Yes"
    )
    expect(page.locator("td.field-alerts").first).to_have_text("1")

    violations = [
        (rule["id"], [node["target"] for node in rule["nodes"]])
        for rule in Axe().run(page, context="#content").response["violations"]
    ]
    assert violations == []
