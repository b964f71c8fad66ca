"""The programme builder in real Chromium at 1366×900, as a therapist with a verified second
factor: assign a programme starting in phase 2 with a reason; add an exercise with load and
hold time to one patient, without sideways scrolling; then that patient sees it with its load
and hold time on the today page (docs/product.md, "Programme builder")."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from patients.models import Assignment
from programs.models import Exercise
from tests import factories
from tests.browser.conftest import SCREENSHOTS
from tests.two_factor import login_verified

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-patient-pass"
DESKTOP = {"width": 1366, "height": 900}


def sign_in_as_staff(page: Page, live_server, user) -> None:
    """The session a password plus authenticator code gives (tests/two_factor.py), handed to
    the browser as its cookie."""
    client = login_verified(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= 1366")


def assert_axe_clean(page: Page, selector: str):
    results = Axe().run(page, context=selector)
    violations = [
        (rule["id"], [node["target"] for node in rule["nodes"]])
        for rule in results.response["violations"]
    ]
    assert violations == [], (page.url, selector)


def test_assign_in_phase_2_add_an_exercise_and_the_patient_sees_it(live_server, page: Page):
    page.set_viewport_size(DESKTOP)
    therapist = factories.TherapistFactory(username="t.weber", email="weber@example.org")
    patient = factories.PatientFactory(
        therapist=therapist,
        username="jonas",
        first_name="Jonas",
        password=PASSWORD,
        language="en",  # reads the English words of the dose below
    )
    factories.screen(patient)
    sign_in_as_staff(page, live_server, therapist)
    page_url = live_server.url + reverse("admin:patients_patient_change", args=[patient.pk])

    # (a) Start in phase 2: the reason is asked for, and kept in the history.
    page.goto(page_url)
    page.locator("#id_assign_program").select_option(label="MASTER back programme")
    page.locator("#id_assign_start_phase").select_option(value="2")
    page.get_by_role("button", name="Assign programme").click()
    expect(page.locator(".messagelist")).to_contain_text("reason for starting after the first")
    page.locator("#id_assign_program").select_option(label="MASTER back programme")
    page.locator("#id_assign_start_phase").select_option(value="2")
    page.get_by_label("Reason").fill("Came from rehab, stable in phase 1 exercises.")
    page.get_by_role("button", name="Assign programme").click()
    expect(page.locator("#current-phase")).to_contain_text("2.")
    expect(page.locator("#phase-history")).to_contain_text("Came from rehab")
    expect(page.locator("#regress-form")).to_have_count(1)
    assignment = Assignment.objects.get(patient=patient)
    assert assignment.current_phase.number == 2

    # (b) Add a phase 3 exercise to this patient's phase 2 with load and hold time.
    one_leg = Exercise.objects.get(slug="einbeinstand-rotation")
    page.locator("#prescription-add summary").click()
    page.locator("#id_add-exercise").select_option(value=str(one_leg.pk))
    page.locator("#id_add-phase").select_option(value="2")
    page.locator("#id_add-load_kg").fill("4")
    page.locator("#id_add-hold_s").fill("10")
    page.get_by_role("button", name="Add to the prescription").click()
    item = assignment.items.get(exercise=one_leg)
    card = page.locator(f"#item-{item.pk}")
    expect(card).to_contain_text("with 4 kg, hold each repetition for 10 s")
    assert no_sideways_scroll(page)

    # A dose refused at the card: the error is shown there, nothing changes.
    card.locator("summary").click()
    card.locator(f"#id_item-{item.pk}-sets").fill("99")
    card.get_by_role("button", name="Save the dose").click()
    card = page.locator(f"#item-{item.pk}")
    expect(card.locator(".errorlist")).to_contain_text("less than or equal to 20")
    assert no_sideways_scroll(page)
    assert_axe_clean(page, "#prescription")
    page.locator("#prescription").screenshot(path=SCREENSHOTS / "admin-programme-builder.png")
    item.refresh_from_db()
    assert item.sets != 99

    # The patient sees it with load and hold time on the today page.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or e-mail address").fill("jonas")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.goto(f"{live_server.url}/today/")
    patient_card = page.locator(f"#item-{item.pk}")
    expect(patient_card).to_contain_text("With 4 kg, hold each repetition for 10 s")
    assert no_sideways_scroll(page)
