"""The portal as an installable app on a 390 × 844 phone in real Chromium (docs/product.md,
"Installable app and offline use"): install criteria, a session done without a connection and
stored exactly once when the connection is back, a warning sign reported offline, logout
clearing what the phone kept."""

import pytest
from playwright.sync_api import Page, expect

from patients.models import SessionLog
from tests.browser import phone
from tests.browser.test_portal import (
    answer_safety,
    choose,
    current_step,
    finish,
    login,
    next_step,
    start,
)
from tests.browser.test_portal_safety import assert_axe_clean

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

browser_context_args = phone.browser_context_args


anna = phone.anna


SESSION_KEPT = "() => caches.open('mtt-pages').then(c => c.match('/session/')).then(r => !!r)"
TODAY_KEPT = "() => caches.open('mtt-pages').then(c => c.match('/today/')).then(r => !!r)"


def installed(page: Page, live_server):
    """Logged in on /today/, the service worker controls the page and today's plan and the
    guided session are kept on the phone."""
    login(page, live_server)
    expect(page).to_have_url(f"{live_server.url}/today/")
    page.wait_for_function("() => navigator.serviceWorker.ready.then(r => !!r.active)")
    page.reload()  # a page the worker controls, kept by the worker itself
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.wait_for_function(TODAY_KEPT)
    page.wait_for_function(SESSION_KEPT)
    page.wait_for_load_state("networkidle")  # the session and its pictures kept afresh


def test_install_criteria_manifest_and_service_worker(live_server, page: Page, anna):
    installed(page, live_server)
    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert (manifest["start_url"], manifest["display"]) == ("/today/", "standalone")
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{live_server.url}/"
    # The static files are kept at install: the content of the precache list.
    kept = page.evaluate(
        "caches.keys().then(names => caches.open(names.find(n => n.startsWith('mtt-static-'))))"
        ".then(cache => cache.keys()).then(requests => requests.map(r => new URL(r.url).pathname))"
    )
    assert "/static/css/app.css" in kept and "/offline/" in kept
    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.get_by_role("heading", name="The app on your phone")).to_be_visible()


def test_a_session_done_offline_is_stored_once_when_back_online(live_server, page: Page, anna):
    installed(page, live_server)
    context = page.context
    context.set_offline(True)

    page.goto(f"{live_server.url}/session/")  # from the phone, not the server
    expect(page.get_by_role("heading", name="Guided session")).to_be_visible()
    start(page, pain_before=2)
    for _ in range(3):
        current_step(page).get_by_label("I skipped this exercise today").check()
        next_step(page)
    step = current_step(page)
    expect(step.get_by_role("heading", name="Plank variations")).to_be_visible()
    step.get_by_label("Sets done").fill("3")
    step.get_by_label("Repetitions per set").fill("12")
    choose(step, "Pain during this exercise", 1)
    next_step(page)
    finish(page, pain_after=2, rpe=5, notes="In the basement")

    saved = page.locator("#offline-saved")
    expect(saved.get_by_role("heading", name="Saved on this phone")).to_be_visible()
    expect(saved.get_by_text("will be sent when you are online")).to_be_visible()
    expect(saved.locator("#offline-red-flag")).to_be_hidden()
    assert not SessionLog.objects.exists()
    assert page.evaluate("MttOutbox.all().then(e => e.length)") == 1

    context.set_offline(False)
    expect(saved.get_by_text("Sent: your therapist can now see this session.")).to_be_visible()
    page.goto(f"{live_server.url}/today/")  # a reload sends nothing a second time
    page.evaluate("MttApp.flush()")
    assert page.evaluate("MttOutbox.all().then(e => e.length)") == 0

    session = SessionLog.objects.get()
    assert (session.pain_before, session.pain_after, session.rpe, session.notes) == (
        2,
        2,
        5,
        "In the basement",
    )
    plank = session.entries.get(skipped=False)
    assert (plank.exercise.slug, plank.sets_done, plank.reps, plank.pain) == ("plank-mtt", 3, 12, 1)


def test_the_same_offline_session_sent_twice_is_stored_once(live_server, page: Page, anna):
    """Background Sync and the page may both send it: the Idempotency-Key makes that harmless."""
    installed(page, live_server)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/session/")
    step = current_step(page)
    answer_safety(step, yes=("leg or foot",))
    choose(step, "before you start", 3)
    step.get_by_role("button", name="Save and stop").click()
    expect(page.locator("#offline-saved")).to_be_visible()
    entry = page.evaluate("MttOutbox.all().then(e => e[0])")
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/today/")
    page.wait_for_function("() => MttOutbox.all().then(e => e.length === 0)")
    page.evaluate("entry => MttOutbox.add(entry).then(() => MttApp.flush())", entry)
    assert SessionLog.objects.count() == 1
    assert SessionLog.objects.get().red_flag_leg_weakness


def test_a_warning_sign_offline_shows_the_advice_at_once_and_says_nobody_knows_yet(
    live_server, page: Page, anna
):
    installed(page, live_server)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/session/")
    step = current_step(page)
    answer_safety(step, yes=("urine or stool",))
    stop_box = step.locator("[data-role='stop-box']")
    expect(stop_box.get_by_text("your practice is not yet informed")).to_be_visible()
    expect(stop_box.get_by_text("your therapist is told at once")).to_be_hidden()
    expect(stop_box.locator("a[href='tel:112']")).to_be_visible()
    choose(step, "before you start", 4)
    step.get_by_role("button", name="Save and stop").click()

    alert = page.locator("#offline-red-flag")
    expect(alert).to_be_visible()
    expect(alert.get_by_text("Your practice is not yet informed")).to_be_visible()
    expect(alert.get_by_text("Numbness in the saddle area")).to_be_visible()
    expect(alert.get_by_text("weakness in a leg")).to_be_hidden()  # only the sign reported
    expect(alert.locator("a[href='tel:112']")).to_be_visible()
    assert_axe_clean(page)

    page.context.set_offline(False)
    expect(alert.get_by_text("Your practice is not yet informed")).to_be_hidden()
    session = SessionLog.objects.get()
    assert session.red_flag_bladder_bowel and session.pain_after is None


def test_another_page_offline_shows_the_offline_page(live_server, page: Page, anna):
    installed(page, live_server)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/history/")
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    assert_axe_clean(page)


def test_logout_clears_the_kept_pages_and_the_outbox(live_server, page: Page, anna):
    installed(page, live_server)
    page.locator(".menu > summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    assert not page.evaluate(SESSION_KEPT)
    assert not page.evaluate(TODAY_KEPT)
    assert page.evaluate("MttOutbox.all().then(e => e.length)") == 0
