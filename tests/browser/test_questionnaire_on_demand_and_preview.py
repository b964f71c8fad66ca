"""In real Chromium at 1366×900, a therapist with the second factor (a) sends a questionnaire
now from the patient page and the patient, logged in, finds it due; (b) sees the patient's
today page as the patient does, read-only (docs/product.md, "Questionnaires on demand" and
"See as patient")."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from patients.models import PrescriptionItem
from questionnaires.models import QuestionnaireRequest
from tests import factories
from tests.browser.conftest import SCREENSHOTS
from tests.portal.conftest import PASSWORD, make_patient
from tests.two_factor import confirmed_device, current_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP}


@pytest.fixture
def therapist(db):
    return factories.TherapistFactory(
        username="t.weber", email="weber@example.org", password=PASSWORD
    )


@pytest.fixture
def anna(therapist):
    return make_patient(therapist, "anna", phase=2, first_name="Anna", last_name="Roth")


def assert_axe_clean(page: Page, selector: str):
    """axe-core on this feature's own markup (Django's admin markup is not ours)."""
    results = Axe().run(page, context=selector)
    violations = [
        (rule["id"], [node["target"] for node in rule["nodes"]])
        for rule in results.response["violations"]
    ]
    assert violations == [], (page.url, selector)


def admin_login(page: Page, live_server, therapist):
    device = confirmed_device(therapist)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(therapist.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")


def test_send_a_questionnaire_now_and_the_patient_sees_it_due(
    live_server, page: Page, browser: Browser, therapist, anna
):
    admin_login(page, live_server, therapist)
    page.goto(f"{live_server.url}/admin/patients/patient/{anna.pk}/change/")

    page.locator("#send-questionnaire").click()
    assert_axe_clean(page, "#content-main")
    page.get_by_label("Questionnaire").select_option(label="Back pain over the last week (NRS)")
    page.get_by_label("Send a reminder").check()
    page.get_by_role("button", name="Send questionnaire").click()

    expect(page.locator(".messagelist")).to_contain_text("sent to Anna Roth")
    row = page.locator("#questionnaire-requests tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Back pain over the last week (NRS)")
    expect(row.locator(".request-status")).to_have_text("open")
    assert_axe_clean(page, "#questionnaire-requests")
    sent = QuestionnaireRequest.objects.get()
    assert (sent.patient, sent.remind) == (anna, True)

    phone = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    patient_page = phone.new_page()
    patient_page.goto(f"{live_server.url}/accounts/login/")
    patient_page.get_by_label("Username or e-mail address").fill("anna")
    patient_page.get_by_label("Password").fill(PASSWORD)
    patient_page.get_by_role("button", name="Log in", exact=True).click()
    expect(patient_page.locator("#questionnaires-title")).to_be_visible()
    expect(
        patient_page.get_by_role("link", name="Back pain over the last week (NRS)")
    ).to_be_visible()
    patient_page.goto(f"{live_server.url}/questionnaires/")
    card = patient_page.locator("li.card", has_text="Back pain over the last week (NRS)")
    expect(card).to_contain_text("Your therapist asks you to fill this in by")
    phone.close()


def test_see_as_patient_shows_the_exercises_with_nothing_to_submit(
    live_server, page: Page, therapist, anna
):
    admin_login(page, live_server, therapist)
    page.goto(f"{live_server.url}/admin/patients/patient/{anna.pk}/change/")

    page.locator("#see-as-patient").click()

    expect(page.locator("#preview-banner")).to_contain_text("Preview as Anna Roth — read-only")
    assert_axe_clean(page, "#preview-banner")
    expect(page.locator("h1")).to_contain_text("Today")
    names = PrescriptionItem.objects.filter(
        assignment__patient=anna, removed_at__isnull=True
    ).values_list("exercise__name_en", flat=True)
    html = page.content()
    assert names and all(name in html for name in names)
    expect(page.locator(".exercise-list li").first).to_be_visible()
    enabled = page.locator(
        "main button:enabled, main input:enabled, main select:enabled, main textarea:enabled"
    )
    expect(enabled).to_have_count(0)
    assert page.locator("main form").count() > 0  # the patient's forms are there, disabled
    registrations = page.evaluate(
        "() => navigator.serviceWorker ? navigator.serviceWorker.getRegistrations()"
        ".then(found => found.length) : 0"
    )
    assert registrations == 0
    page.screenshot(path=SCREENSHOTS / "admin-see-as-patient.png", full_page=True)

    page.get_by_role("link", name="Guided session", exact=True).click()
    expect(page.locator("#session-form")).to_be_attached()
    expect(page.locator("main button:enabled, main input:enabled")).to_have_count(0)
    page.get_by_role("link", name="Back to the patient page").click()
    expect(page).to_have_url(f"{live_server.url}/admin/patients/patient/{anna.pk}/change/")
