import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.two_factor import confirmed_device, current_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_practice_admin_logs_in_and_opens_the_master_programme(live_server, page: Page):
    chief = get_user_model().objects.create_superuser(
        "chief", "chief@example.org", "a-long-demo-pass"
    )
    device = confirmed_device(chief)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill("a-long-demo-pass")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="MASTER-Programm Rücken").click()

    expect(page.locator("#id_name_de")).to_have_value("MASTER-Programm Rücken")
    exercises = page.locator("#program_exercises-group tbody tr.form-row.has_original")
    expect(exercises).to_have_count(7)
    expect(page.locator("#program_phases-group tbody tr.form-row.has_original")).to_have_count(4)
    page.screenshot(path=SCREENSHOTS / "admin-master-programme.png", full_page=True)
