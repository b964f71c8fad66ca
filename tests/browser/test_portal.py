"""The patient portal in real Chromium at a phone's size (390 × 844)."""

import re

import pytest
from playwright.sync_api import Page, expect

from patients.models import Patient, SessionLog
from tests import factories
from tests.browser import phone
from tests.browser.conftest import SCREENSHOTS
from tests.portal.conftest import PASSWORD, log_session, make_patient

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The phone's screen (tests/browser/phone.py).
browser_context_args = phone.browser_context_args


@pytest.fixture
def therapist(db):
    return factories.TherapistFactory(
        username="t.weber", email="weber@example.org", password=PASSWORD
    )


@pytest.fixture
def anna(therapist):
    return make_patient(therapist, "anna", phase=2)


def login(page: Page, live_server, username="anna"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or e-mail address").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def current_step(page: Page):
    return page.locator("section.step:visible")


def choose(scope, question: str, value):
    scope.get_by_role("group", name=question).get_by_label(str(value), exact=True).check()


# A full-page picture shows the sticky "Something is wrong?" bar where it ends, not mid-page.
FULL_PAGE = {"full_page": True, "style": ".help-bar { position: static; }"}
SAFETY_QUESTIONS = ("numbness", "urine or stool", "leg or foot")


def answer_safety(scope, yes=()):
    """Step 1: the three safety questions, "No" to all but those in ``yes``."""
    for question in SAFETY_QUESTIONS:
        answer = "Yes" if question in yes else "No"
        scope.get_by_role("group", name=re.compile(question)).get_by_label(
            answer, exact=True
        ).check()


def start(page: Page, *, pain_before):
    step = current_step(page)
    answer_safety(step)
    choose(step, "before you start", pain_before)
    next_step(page)


def next_step(page: Page):
    current_step(page).get_by_role("button", name="Next").click()


def finish(page: Page, *, pain_after, rpe, notes=""):
    step = current_step(page)
    expect(step.get_by_role("heading", name="After the session")).to_be_visible()
    choose(step, "How strong is your back pain now", pain_after)
    choose(step, "How hard was the session", rpe)
    if notes:
        step.get_by_label("Notes for your therapist").fill(notes)
    step.get_by_role("button", name="Save session").click()


def test_login_by_email_lands_on_today_with_the_phase_2_plan(live_server, page: Page, anna):
    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=SCREENSHOTS / "portal-login.png", **FULL_PAGE)
    login(page, live_server, "anna@example.org")

    expect(page).to_have_url(f"{live_server.url}/today/")
    expect(page.get_by_role("heading", name="Activating inner stability")).to_be_visible()
    cards = page.locator(".exercise-list .exercise h3")
    expect(cards).to_have_text(
        [
            "Lower-back release with the double ball",
            "Passive extension over the foam roller",
            "Segmental stabilisation",
            "Plank variations (MTT style)",
        ]
    )
    expect(page.get_by_text("3 × 15–20, slow, 30 s rest").first).to_be_visible()
    expect(page.get_by_text("does not replace medical advice")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.screenshot(path=SCREENSHOTS / "portal-today.png", **FULL_PAGE)

    page.set_viewport_size({"width": 360, "height": 740})
    for path in (
        "/today/",
        "/session/",
        "/history/",
        "/progress/",
        "/habits/",
        "/accounts/profile/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path


def test_the_session_form_works_without_javascript(live_server, browser, anna):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="en-GB"
    )
    page = context.new_page()
    login(page, live_server)
    page.goto(f"{live_server.url}/session/")
    steps = page.locator("section.step")
    expect(steps).to_have_count(6)
    for index in range(6):
        expect(steps.nth(index)).to_be_visible()  # all at once, no step buttons
    expect(page.get_by_role("button", name="Next")).to_have_count(0)
    answer_safety(steps.nth(0))
    choose(steps.nth(0), "before you start", 2)
    for index in (1, 2, 3):
        steps.nth(index).get_by_label("I skipped this exercise today").check()
    plank = steps.nth(4)
    plank.get_by_label("Sets done").fill("2")
    plank.get_by_label("Repetitions per set").fill("16")
    choose(plank, "Pain during this exercise", 1)
    finish_step = steps.nth(5)
    choose(finish_step, "How strong is your back pain now", 2)
    choose(finish_step, "How hard was the session", 4)
    finish_step.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("heading", name="Session saved")).to_be_visible()
    entry = SessionLog.objects.get().entries.get(skipped=False)
    assert (entry.exercise.slug, entry.sets_done, entry.reps, entry.pain) == ("plank-mtt", 2, 16, 1)
    context.close()


def test_guided_session_stores_exactly_what_was_entered(live_server, page: Page, anna):
    login(page, live_server)
    page.get_by_role("link", name="Start the guided session").click()

    expect(page.locator(".step-progress")).to_have_text("Step 1 of 6")
    start(page, pain_before=2)

    step = current_step(page)
    expect(step.get_by_role("heading", name="Lower-back release")).to_be_visible()
    expect(step.get_by_text("follow the dot")).to_be_visible()
    step.get_by_role("button", name="Start tempo guide").click()
    expect(step.locator(".tempo-track")).to_have_class(re.compile("running"))
    step.get_by_role("button", name="Set done").click()
    step.get_by_role("button", name="Set done").click()
    expect(step.get_by_text("2 of 2 sets done")).to_be_visible()
    expect(step.get_by_label("Sets done")).to_have_value("2")
    choose(step, "Pain during this exercise", 1)
    next_step(page)

    step = current_step(page)
    expect(step.get_by_role("heading", name="Passive extension")).to_be_visible()
    step.get_by_label("I skipped this exercise today").check()
    step.get_by_label("Why?").fill("No roller at hand")
    next_step(page)

    step = current_step(page)
    expect(step.get_by_role("heading", name="Segmental stabilisation")).to_be_visible()
    step.get_by_role("button", name="Set done").click()
    rest = step.get_by_role("timer")
    expect(rest).to_be_visible()
    expect(rest).to_contain_text("Rest")
    page.screenshot(path=SCREENSHOTS / "portal-session.png", full_page=False)
    step.get_by_role("button", name="End rest").click()
    expect(rest).to_be_hidden()
    step.get_by_role("button", name="Set done").click()
    step.get_by_role("button", name="End rest").click()
    step.get_by_role("button", name="Set done").click()
    expect(step.get_by_text("3 of 3 sets done")).to_be_visible()
    step.get_by_label("Repetitions per set").fill("15")
    choose(step, "Pain during this exercise", 2)
    next_step(page)

    step = current_step(page)
    expect(step.get_by_role("heading", name="Plank variations")).to_be_visible()
    step.get_by_label("Sets done").fill("3")
    step.get_by_label("Repetitions per set").fill("12")
    choose(step, "Pain during this exercise", 3)
    next_step(page)

    finish(page, pain_after=3, rpe=6, notes="Felt stable")
    expect(page.get_by_role("heading", name="Session saved")).to_be_visible()
    expect(page.get_by_text("stayed below your pain limit")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "portal-session-saved.png", **FULL_PAGE)

    session = SessionLog.objects.get()
    assert (session.patient_id, session.pain_before, session.pain_after, session.rpe) == (
        anna.pk,
        2,
        3,
        6,
    )
    assert session.notes == "Felt stable"
    assert not session.flagged
    entries = [
        (e.exercise.slug, e.sets_done, e.reps, e.duration_s, e.load_kg, e.pain, e.skipped)
        for e in session.entries.select_related("exercise").order_by("id")
    ]
    assert entries == [
        ("lws-release-doppelball", 2, None, None, None, 1, False),
        ("passive-extension-faszienrolle", 0, None, None, None, None, True),
        ("segmentale-stabilisation", 3, 15, None, None, 2, False),
        ("plank-mtt", 3, 12, None, None, 3, False),
    ]
    assert session.entries.get(skipped=True).skip_reason == "No roller at hand"


def _plank_only_session(page: Page, live_server, *, plank_pain):
    page.goto(f"{live_server.url}/session/")
    start(page, pain_before=1)
    for _ in range(3):
        current_step(page).get_by_label("I skipped this exercise today").check()
        next_step(page)
    step = current_step(page)
    step.get_by_label("Sets done").fill("3")
    step.get_by_label("Repetitions per set").fill("15")
    choose(step, "Pain during this exercise", plank_pain)
    next_step(page)


def test_pain_above_the_limit_shows_the_flag_advice(live_server, page: Page, anna):
    login(page, live_server)
    _plank_only_session(page, live_server, plank_pain=5)
    finish(page, pain_after=2, rpe=5)

    advice = page.locator("#flag-advice")
    expect(advice).to_be_visible()
    expect(advice).to_contain_text("Pain was above your pain limit")
    expect(advice).to_contain_text("Make the movement smaller or use less load.")
    expect(advice).to_contain_text("contact your therapist")
    page.screenshot(path=SCREENSHOTS / "portal-session-flagged.png", **FULL_PAGE)
    session = SessionLog.objects.get()
    assert session.flagged and session.flag_reasons == ["pain_above_limit"]
    assert session.entries.get(exercise__slug="plank-mtt").pain == 5


def test_timer_for_time_based_sets(live_server, page: Page, therapist):
    make_patient(therapist, "lena", phase=4)
    login(page, live_server, "lena")
    page.goto(f"{live_server.url}/session/?all=1")
    start(page, pain_before=1)
    for _ in range(10):  # to the bouncing exercise, the time-based one
        if current_step(page).locator("[data-timer]").count():
            break
        current_step(page).get_by_label("I skipped this exercise today").check()
        next_step(page)
    step = current_step(page)
    expect(step.get_by_text("aim for 30–60 seconds")).to_be_visible()
    step.get_by_role("button", name="Start set timer").click()
    page.wait_for_timeout(1300)
    step.get_by_role("button", name="Stop: set done").click()
    expect(step.get_by_label("Sets done")).to_have_value("1")
    assert int(step.get_by_label("Seconds per set").input_value()) >= 1


def _chart_drawn(page: Page, canvas_id: str) -> bool:
    return page.evaluate(
        """id => {
            const canvas = document.getElementById(id);
            if (!window.Chart || !Chart.getChart(canvas)) return false;
            const pixels = canvas.getContext("2d")
                .getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
            return false;
        }""",
        canvas_id,
    )


def test_history_and_progress_draw_charts(live_server, page: Page, anna):
    for day in range(1, 22):
        log_session(
            anna,
            days_ago=day % 14 + 1,  # sessions may be logged at most 14 days back
            pain_before=3 + day % 3,
            pain_after=2 + day % 2,
            slugs=["lws-release-doppelball", "segmentale-stabilisation"],
        )
    login(page, live_server)

    page.goto(f"{live_server.url}/history/")
    expect(page.locator("ol.history > li")).to_have_count(20)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('pain-chart'))"
    )
    assert _chart_drawn(page, "pain-chart")
    page.screenshot(path=SCREENSHOTS / "portal-history.png", full_page=False)

    page.goto(f"{live_server.url}/progress/")
    for canvas in ("pain-chart", "adherence-chart"):
        page.wait_for_function(
            f"() => window.Chart && Chart.getChart(document.getElementById('{canvas}'))"
        )
        page.wait_for_timeout(1200)  # let the entry animation finish before the pixels are read
        assert _chart_drawn(page, canvas), canvas
    points = page.evaluate(
        "Chart.getChart(document.getElementById('pain-chart')).data.datasets[1].data"
    )
    assert len(points) == 21
    page.screenshot(path=SCREENSHOTS / "portal-progress.png", **FULL_PAGE)


def test_language_switch_is_kept_in_the_profile(live_server, page: Page, anna):
    login(page, live_server)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".menu > summary").click()
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert Patient.objects.get(pk=anna.pk).language == "de"

    page.locator(".menu > summary").click()
    page.locator(".site-nav form button").click()  # log out
    login_page = f"{live_server.url}/accounts/login/"
    # The page script sends what the phone kept before it logs out: wait until it has, so the
    # logout's answer cannot arrive after the next login page (it would reset the CSRF cookie).
    expect(page).to_have_url(login_page)
    page.context.clear_cookies()
    page.goto(login_page)
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the browser's language
    page.locator("#id_username").fill("anna")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/today/")
    expect(page.locator("html")).to_have_attribute("lang", "de")  # the profile's language
    page.screenshot(path=SCREENSHOTS / "portal-today-de.png", full_page=False)


def test_a_patient_cannot_open_the_admin_or_another_patients_pages(
    live_server, page: Page, anna, therapist
):
    bernd = make_patient(therapist, "bernd", phase=2)
    secret = log_session(bernd, notes="Bernd's private note")
    login(page, live_server)

    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.get_by_text("not authorized")).to_be_visible()

    response = page.goto(f"{live_server.url}/session/{secret.pk}/")
    assert response.status == 404
    page.goto(f"{live_server.url}/history/")
    expect(page.get_by_text("Bernd's private note")).to_have_count(0)
