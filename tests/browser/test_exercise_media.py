"""Exercise pictures in real Chromium on a 390 px phone: every step of the guided session shows
its start picture (loaded, with its alt text), /today/ a thumbnail per exercise; axe-core finds
nothing on either page."""

import re

import pytest
from playwright.sync_api import Page, expect

from programs.models import Exercise
from tests.browser import phone
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_portal import current_step, login, next_step, start
from tests.browser.test_portal_safety import assert_axe_clean

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The phone's screen and its patient (tests/browser/phone.py).
anna = phone.anna
browser_context_args = phone.browser_context_args


def loaded(image) -> bool:
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_each_session_step_shows_its_start_picture_on_a_phone(live_server, page: Page, anna):
    login(page, live_server)
    thumbnails = page.locator("#due-title ~ ul img.exercise-thumb")
    expect(thumbnails).to_have_count(4)
    for index in range(4):
        thumbnails.nth(index).scroll_into_view_if_needed()
        expect(thumbnails.nth(index)).to_be_visible()
    assert_axe_clean(page)

    page.get_by_role("link", name="Start the guided session").click()
    start(page, pain_before=2)
    names = {exercise.name_en: exercise for exercise in Exercise.objects.all()}
    for number in range(4):
        step = current_step(page)
        heading = step.get_by_role("heading", level=2).inner_text()
        exercise = names[heading]
        alt = exercise.media.get(role="start_position").alt_en
        picture = step.get_by_role("img", name=alt, exact=True)
        expect(picture).to_be_visible()
        expect(picture).to_have_attribute("src", re.compile(rf"{exercise.slug}-start\.svg$"))
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
        )
        box = picture.bounding_box()
        assert 0 < box["width"] <= 390
        assert loaded(picture)
        if number == 0:
            page.screenshot(path=SCREENSHOTS / "portal-session-pictures.png", full_page=False)
            assert_axe_clean(page)
            step.get_by_text("How to do it").click()
            expect(step.get_by_text("Equipment:")).to_be_visible()
        next_step(page)
    expect(current_step(page).get_by_role("heading", name="After the session")).to_be_visible()


def test_the_patient_switches_to_the_allowed_variant_and_back_on_a_phone(
    live_server, page: Page, anna
):
    """docs/product.md "Variants": the therapist allows the easier variant of one exercise; the
    patient switches on /today/ and back, with the page's messages saying what happened."""
    from patients import services
    from patients.selectors import open_assignment

    segmental = Exercise.objects.get(slug="segmentale-stabilisation")
    knee = Exercise.objects.create(
        slug="segmentale-stabilisation-knie",
        name_de="Segmentale Stabilisation im Vierfüßlerstand",
        name_en="Segmental stabilisation on all fours",
        phase=segmental.phase,
        goal=segmental.goal,
        instructions_de="Vierfüßlerstand.",
        instructions_en="On all fours, hands under the shoulders.",
        harder_variant=segmental,
    )
    segmental.easier_variant = knee
    segmental.save(update_fields=["easier_variant"])
    item = open_assignment(anna).items.get(exercise=segmental)
    services.prescription_item_allow_variant(item=item, allowed="easier", changed_by=None)

    login(page, live_server)
    card = page.locator(f"#item-{item.pk}")
    card.get_by_text("How to do it").click()
    expect(card.get_by_text("Your therapist allows the easier variant")).to_be_visible()
    card.locator(".variant-switch").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "portal-variant-switch.png", full_page=False)
    assert_axe_clean(page)
    card.get_by_role("button", name=f"Switch to “{knee.name_en}”").click()

    expect(page.get_by_text(f"Done: you now do “{knee.name_en}”.")).to_be_visible()
    card = page.locator(f"#item-{item.pk}")
    expect(card.get_by_role("heading", level=3)).to_have_text(knee.name_en)
    card.get_by_text("How to do it").click()
    card.get_by_role("button", name=f"Switch back to “{segmental.name_en}”").click()

    expect(page.get_by_text(f"Done: you now do “{segmental.name_en}”.")).to_be_visible()
    item.refresh_from_db()
    assert (item.exercise, item.prescribed_exercise) == (segmental, None)
