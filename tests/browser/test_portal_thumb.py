"""The portal with one thumb on a 390 × 844 phone in real Chromium (docs/product.md, "Web
pages"): a one-row header with a menu, the start button in the first screen and in reach while
the plan scrolls, 0–10 buttons of at least 44 × 44 px with 8 px between them, "Next" checks its
step, habits tick without a reload, and axe-core finds nothing on any portal page."""

from itertools import pairwise

import pytest
from playwright.sync_api import Page, expect

from patients.models import HabitCheck
from tests.browser import phone
from tests.browser.test_portal import answer_safety, current_step, login, next_step
from tests.browser.test_portal_safety import assert_axe_clean
from tests.portal.conftest import log_session, make_patient

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

browser_context_args = phone.browser_context_args


anna = phone.anna


def in_first_screen(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844


def test_one_row_header_and_the_start_button_in_the_first_screen(live_server, page: Page, anna):
    login(page, live_server)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 64  # one row
    expect(page.get_by_role("link", name="History")).to_be_hidden()  # in the menu
    page.locator(".menu > summary").click()
    expect(page.get_by_role("link", name="History")).to_be_visible()
    page.locator(".menu > summary").click()

    assert in_first_screen(page, "#start-session")
    page.mouse.wheel(0, 1500)
    # A function, not an expression string: polling a string needs eval, which the page's CSP
    # forbids (it fails whenever the first check is not already true).
    page.wait_for_function("() => window.scrollY > 1000")
    assert in_first_screen(page, "#start-session")  # sticky while the plan scrolls by
    page.locator("#start-session").click()
    expect(page).to_have_url(f"{live_server.url}/session/")


def test_scale_buttons_fit_a_thumb(live_server, page: Page, anna):
    login(page, live_server)
    page.goto(f"{live_server.url}/session/")
    page.evaluate("document.querySelectorAll('[data-step]').forEach(s => { s.hidden = false; })")
    for scale in ("#id_pain_before", "#id_rpe"):
        options = page.locator(f"{scale} .scale-option")
        expect(options).to_have_count(11)
        rects = [options.nth(index).bounding_box() for index in range(11)]
        for rect in rects:
            assert rect["width"] >= 44 and rect["height"] >= 44, (scale, rect)
        same_row = [(a, b) for a, b in pairwise(rects) if a["y"] == b["y"]]
        assert same_row
        for left, right in same_row:
            assert right["x"] - (left["x"] + left["width"]) >= 7.9, scale
        rows = sorted({rect["y"] for rect in rects})
        assert rows[1] - rows[0] >= rects[0]["height"] + 7.9  # 8 px between the rows too


def test_next_checks_its_step(live_server, page: Page, anna):
    login(page, live_server)
    page.goto(f"{live_server.url}/session/")
    next_step(page)  # nothing answered
    expect(page.locator(".step-progress")).to_have_text("Step 1 of 6")
    answer_safety(current_step(page))
    next_step(page)  # the pain before is still missing
    expect(page.locator(".step-progress")).to_have_text("Step 1 of 6")


def test_a_habit_ticks_without_a_reload(live_server, page: Page, anna):
    login(page, live_server)
    habit = page.locator(".habit-list .habit").first
    habit.scroll_into_view_if_needed()
    page.evaluate("window.notReloaded = true")
    scrolled = page.evaluate("window.scrollY")
    before = habit.locator(".habit-count").text_content()
    habit.get_by_role("button", name="Tick off").click()
    expect(habit.locator(".habit-count")).not_to_have_text(before)
    expect(habit.locator(".habit-count")).to_have_text("1 of " + before.split(" of ")[1])
    assert page.evaluate("window.notReloaded === true")
    assert page.evaluate("window.scrollY") == scrolled
    assert HabitCheck.objects.get(patient=anna).count == 1
    expect(page.locator("#habit-status")).to_contain_text("1 of")


PORTAL_PAGES = [
    "/today/",
    "/session/",
    "/history/",
    "/progress/",
    "/habits/",
    "/questionnaires/",
    "/symptoms/",
    "/accounts/profile/",
    "/privacy/",
    "/offline/",
]


def test_axe_finds_nothing_on_any_portal_page(live_server, page: Page, anna):
    log_session(anna, days_ago=2, pain_before=3, pain_after=2)
    login(page, live_server)
    for path in PORTAL_PAGES:
        page.goto(f"{live_server.url}{path}")
        assert_axe_clean(page)  # colour contrast included
    page.goto(f"{live_server.url}/privacy/")
    expect(page.get_by_role("button", name="Withdraw my consent")).to_be_visible()
    page.locator(".menu > summary").click()  # the open menu too
    assert_axe_clean(page)
    page.goto(f"{live_server.url}/questionnaires/")
    page.locator("main a[href^='/questionnaires/']").first.click()
    assert_axe_clean(page)


def test_progress_chart_in_german_fits_and_shows_percent(
    live_server, page: Page, django_user_model
):
    """The legend is not cut off, the axis says "%", and only weeks since the start count."""
    therapist = django_user_model.objects.create_user(
        "t.weber", "w@example.org", "x", is_staff=True
    )
    dora = make_patient(therapist, "dora", phase=2, language="de")
    for day in (2, 5, 9):
        log_session(dora, days_ago=day, pain_before=3, pain_after=2)
    login(page, live_server, "dora")
    page.goto(f"{live_server.url}/progress/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    for canvas in ("pain-chart", "adherence-chart"):
        page.wait_for_function(f"() => Chart.getChart(document.getElementById('{canvas}'))")
    legend_fits = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.getElementById('pain-chart'));
          return chart.legend.legendHitBoxes.length === 2 && chart.legend.legendHitBoxes.every(
            box => box.left >= 0 && box.left + box.width <= chart.width);
        }"""
    )
    assert legend_fits
    adherence = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.getElementById('adherence-chart'));
          return {legend: chart.options.plugins.legend.display,
                  ticks: chart.scales.y.ticks.map(tick => tick.label),
                  weeks: chart.data.labels.length};
        }"""
    )
    assert adherence["legend"] is False
    assert "100\u00a0%" in adherence["ticks"]
    assert 5 <= adherence["weeks"] <= 6  # the programme started 30 days ago
