import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from programs.models import Program
from tests import factories
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


def test_a_therapist_reads_the_master_programme_and_edits_their_own_copy(live_server, page: Page):
    """Issue 13: a therapist may not change the practice-wide MASTER programme (no save button,
    a forced POST is refused) but copies it into "my programmes" and edits the copy."""
    therapist = factories.TherapistFactory(username="t.roth", password="a-long-therapist-pass")
    device = confirmed_device(therapist)
    master = Program.objects.get(slug="master")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("t.roth")
    page.get_by_label("Password").fill("a-long-therapist-pass")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="MASTER-Programm Rücken").click()

    expect(page.locator("#program-read-only")).to_contain_text("Only the practice admin")
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    expect(page.locator("#id_name_de")).to_have_count(0)  # read-only: text, not a field
    token = page.locator(".object-tools input[name=csrfmiddlewaretoken]").input_value()
    forced = page.request.post(
        page.url, form={"csrfmiddlewaretoken": token, "name_de": "Überschrieben"}
    )
    assert forced.status == 403
    master.refresh_from_db()
    assert master.name_de == "MASTER-Programm Rücken"

    page.get_by_role("button", name="Copy to my programmes").click()
    expect(page.locator(".messagelist")).to_contain_text("Copied 1 programme")
    copy = Program.objects.get(copied_from=master)
    assert copy.owner == therapist
    expect(page).to_have_url(f"{live_server.url}/admin/programs/program/{copy.pk}/change/")
    expect(page.locator("#program_exercises-group tbody tr.form-row.has_original")).to_have_count(7)
    page.locator("#id_name_de").fill("MASTER – meine Variante")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    copy.refresh_from_db()
    assert copy.name_de == "MASTER – meine Variante"
    page.get_by_role("link", name="My programmes").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("MASTER – meine Variante")
    page.screenshot(path=SCREENSHOTS / "admin-my-programmes.png", full_page=True)
