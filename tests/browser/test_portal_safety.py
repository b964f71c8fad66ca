"""The safety loop as a patient meets it, in real Chromium on a phone (390 × 844): a yes on the
first step of the session saves with one tap, the urgent banner stands on every page, no
training reminder goes out, the therapist gets the e-mail, and only the therapist's clearance
brings the invitation to train back. axe-core checks the new pages (docs/clinical-safety.md)."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import Page, expect

from patients import services
from patients.models import AssignmentStatus, RedFlag, SessionLog, SymptomReport
from patients.selectors import open_assignment
from reminders import services as reminder_services
from reminders.models import Delivery, ReminderKind
from tests import factories
from tests.browser import phone
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_portal import FULL_PAGE, answer_safety, choose, current_step, login
from tests.portal.conftest import make_patient

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TRAINING_KINDS = [ReminderKind.SESSION, ReminderKind.EVENING, ReminderKind.HABITS]
BERLIN = ZoneInfo("Europe/Berlin")

# The phone's screen (tests/browser/phone.py).
browser_context_args = phone.browser_context_args


@pytest.fixture(autouse=True)
def practice(settings):
    settings.PRACTICE_NAME = "Praxis Weber"
    settings.PRACTICE_PHONE = "+49 30 1234 567"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def therapist(db):
    return factories.TherapistFactory(
        username="t.weber", email="weber@example.org", password="a-long-therapist-pass"
    )


@pytest.fixture
def anna(therapist):
    return make_patient(therapist, "anna", phase=2, time_zone="Europe/Berlin")


def assert_axe_clean(page: Page):
    results = Axe().run(page)
    violations = [
        (rule["id"], [node["target"] for node in rule["nodes"]])
        for rule in results.response["violations"]
    ]
    assert violations == [], page.url


def training_reminders(patient, day):
    return Delivery.objects.filter(patient=patient, day=day, kind__in=TRAINING_KINDS)


def test_a_yes_on_step_one_stops_training_until_the_therapist_clears(
    live_server, page: Page, anna, therapist
):
    login(page, live_server)
    page.get_by_role("link", name="Start the guided session").click()
    step = current_step(page)
    stop = step.get_by_role("button", name="Save and stop")
    expect(stop).to_be_hidden()
    assert_axe_clean(page)

    answer_safety(step, yes=("urine or stool",))
    expect(stop).to_be_visible()  # "Save and stop" replaces "Next" at once
    expect(step.get_by_role("button", name="Next")).to_be_hidden()
    expect(step.get_by_text("do not train today")).to_be_visible()
    choose(step, "before you start", 4)
    expect(stop).to_be_focused()  # step 1 complete: the thumb is on the button
    page.screenshot(path=SCREENSHOTS / "portal-session-stop.png", full_page=False)
    stop.click()  # the one tap

    expect(page.get_by_role("heading", name="Stop and get help now")).to_be_visible()
    advice = page.locator("#stop-now")
    expect(advice).to_contain_text("go to a hospital emergency department now, or call 112")
    expect(advice).to_contain_text("Your training is stopped until your therapist has checked")
    expect(advice.get_by_role("link", name="+49 30 1234 567")).to_have_attribute(
        "href", "tel:+49301234567"
    )
    assert_axe_clean(page)
    page.screenshot(path=SCREENSHOTS / "portal-session-stopped.png", full_page=False)

    session = SessionLog.objects.get()
    assert (session.pain_before, session.pain_after, session.rpe) == (4, None, None)
    assert session.red_flag_bladder_bowel and not session.entries.exists()
    assert open_assignment(anna).status == AssignmentStatus.STOPPED

    page.goto(f"{live_server.url}/today/")
    banner = page.locator("#urgent-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("call 112")
    expect(banner.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    expect(page.get_by_role("link", name="Start the guided session")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_axe_clean(page)
    page.screenshot(path=SCREENSHOTS / "portal-today-stopped.png", full_page=False)

    # The next beat run sends no training reminder (tomorrow 18:00, her reminder time: only
    # the stop keeps it back, not today's logged session).
    tomorrow = datetime.now(BERLIN).date() + timedelta(days=1)
    evening = datetime.combine(tomorrow, time(18), tzinfo=BERLIN)
    reminder_services.reminders_run(now=evening, start=evening - timedelta(minutes=15))
    assert not training_reminders(anna, tomorrow).exists()

    # The therapist's e-mail: the urgent record, sent by the reminders' send function.
    delivery = Delivery.objects.get(patient=anna, kind=ReminderKind.RED_FLAG)
    assert reminder_services.delivery_send(delivery_id=delivery.pk) == "sent"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([therapist.email], "Urgent: a patient reported a red flag")
    ]

    for flag in RedFlag.objects.filter(patient=anna):
        services.red_flag_clear(red_flag=flag, cleared_by=therapist, note="GP: no cauda equina")
    page.goto(f"{live_server.url}/today/")
    expect(page.locator("#urgent-banner")).to_have_count(0)
    expect(page.get_by_role("link", name="Start the guided session")).to_be_visible()
    reminder_services.reminders_run(now=evening, start=evening - timedelta(minutes=15))
    assert training_reminders(anna, tomorrow).filter(kind=ReminderKind.SESSION).exists()


def test_the_pain_warning_appears_on_the_step_as_the_pain_is_entered(live_server, page: Page, anna):
    login(page, live_server)
    page.goto(f"{live_server.url}/session/")
    step = current_step(page)
    answer_safety(step)
    warning = step.locator("[data-role='pain-warning']")
    choose(step, "before you start", 2)
    expect(warning).to_have_text("")
    choose(step, "before you start", 4)
    expect(warning).to_contain_text("This is above your pain limit of 3.")
    expect(warning).to_contain_text("Make the movement smaller or use less load.")
    expect(warning).not_to_contain_text("do not go on today")
    choose(step, "before you start", 7)
    expect(warning).to_contain_text("do not go on today, and contact your practice")
    assert_axe_clean(page)
    warning.evaluate("element => element.scrollIntoView({block: 'center'})")
    page.screenshot(path=SCREENSHOTS / "portal-session-pain-warning.png", full_page=False)
    step.get_by_role("button", name="Next").click()

    exercise = current_step(page)
    choose(exercise, "Pain during this exercise", 5)
    expect(exercise.locator("[data-role='pain-warning']")).to_contain_text("above your pain limit")


def test_pain_above_five_warns_even_when_the_patients_limit_is_higher(
    live_server, page: Page, anna
):
    anna.pain_limit = 7
    anna.save(update_fields=["pain_limit"])
    login(page, live_server)
    page.goto(f"{live_server.url}/session/")
    step = current_step(page)
    answer_safety(step)
    warning = step.locator("[data-role='pain-warning']")

    choose(step, "before you start", 6)

    expect(warning).to_contain_text("do not go on today, and contact your practice")
    expect(warning).not_to_contain_text("above your pain limit")


def test_something_is_wrong_on_a_rest_day_with_one_thumb(live_server, page: Page, anna):
    login(page, live_server)
    help_link = page.get_by_role("link", name="Something is wrong?")
    expect(help_link).to_be_in_viewport()  # fixed at the bottom, within thumb reach
    box = help_link.bounding_box()
    assert box["y"] + box["height"] <= 844 and box["y"] > 844 / 2
    help_link.click()

    expect(page.get_by_role("heading", name="Something is wrong?", level=1)).to_be_visible()
    assert_axe_clean(page)
    page.get_by_role("button", name="Send to my practice").click()
    expect(page.locator("#form-errors")).to_be_visible()  # unanswered is not "no"
    assert not SymptomReport.objects.exists()

    answer_safety(page, yes=("leg or foot",))
    choose(page, "How strong is your back pain right now", 3)
    page.get_by_label("What is wrong?").fill("Right foot drags since yesterday")
    page.get_by_role("button", name="Send to my practice").dblclick()  # one report, not two

    advice = page.locator("#report-advice")
    expect(advice).to_contain_text("must be checked by a doctor today")
    expect(advice).not_to_contain_text("call 112.")  # not the cauda-equina advice
    assert_axe_clean(page)
    page.screenshot(path=SCREENSHOTS / "portal-symptom-report.png", **FULL_PAGE)
    report = SymptomReport.objects.get()
    assert (report.red_flag_leg_weakness, report.pain) == (True, 3)
    assert open_assignment(anna).status == AssignmentStatus.STOPPED
    page.goto(f"{live_server.url}/history/")
    expect(page.locator("#urgent-banner")).to_contain_text(re.compile("doctor today"))


def test_the_stop_works_without_javascript(live_server, browser, anna):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="en-GB"
    )
    page = context.new_page()
    login(page, live_server)
    page.goto(f"{live_server.url}/session/")
    first = page.locator("section.step").first
    expect(first.get_by_role("button", name="Save and stop")).to_be_visible()
    answer_safety(first, yes=("numbness",))
    choose(first, "before you start", 3)
    first.get_by_role("button", name="Save and stop").click()
    expect(page.get_by_role("heading", name="Stop and get help now")).to_be_visible()
    session = SessionLog.objects.get()
    assert session.red_flag_saddle_numbness and not session.entries.exists()
    context.close()
