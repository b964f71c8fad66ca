"""A therapist's day in the admin, in real Chromium: screen a new patient, clear a red flag,
assign the MASTER programme, advance a phase with a reason and find a flagged session."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from patients import services
from patients.models import Patient
from programs.models import Exercise
from tests.browser.conftest import SCREENSHOTS
from tests.two_factor import current_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_therapist_screens_assigns_advances_and_sees_a_flagged_session(live_server, page: Page):
    therapist = get_user_model().objects.create_user(
        "t.weber", "weber@example.org", "a-long-therapist-pass", is_staff=True
    )
    therapist.groups.add(Group.objects.get(name="Therapeut"))

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("t.weber")
    page.get_by_label("Password").fill("a-long-therapist-pass")
    page.get_by_role("button", name="Log in").click()

    # First login: enrol an authenticator app (the QR code, or the key typed in).
    expect(page.locator("#two-factor-qr img")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "admin-two-factor-setup.png", full_page=True)
    device = TOTPDevice.objects.get(user=therapist, confirmed=False)
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/patients/patient/add/")
    page.get_by_label("Username").fill("jonas")
    page.get_by_label("First name").fill("Jonas")
    page.get_by_label("Last name").fill("Becker")
    page.get_by_label("Email address").fill("jonas@example.org")
    page.get_by_role("button", name="Save and continue editing").click()
    patient = Patient.objects.get(user__username="jonas")
    assert patient.therapist == therapist

    page.get_by_label("Radiculopathy: progressive leg weakness").check()
    page.get_by_role("button", name="Save the screening").click()
    page.locator("#programme select").select_option(label="MASTER back programme")
    page.get_by_role("button", name="Assign programme").click()
    expect(page.locator(".messagelist")).to_contain_text("unresolved red flag")
    expect(page.locator("#programme")).to_contain_text("No open programme.")

    page.locator("#red-flags textarea").first.fill("Neurology: no progressive deficit, cleared.")
    page.get_by_role("button", name="Record clearance").click()
    expect(page.locator("#red-flags")).to_contain_text("No open red flag.")
    page.locator("#programme select").select_option(label="MASTER back programme")
    page.get_by_role("button", name="Assign programme").click()
    expect(page.locator("#current-phase")).to_contain_text("1.")

    page.locator("#programme textarea").first.fill("Two pain-free weeks, release work mastered.")
    page.get_by_role("button", name="Advance to the next phase").click()
    expect(page.locator("#current-phase")).to_contain_text("2.")
    expect(page.locator("#prescription")).to_contain_text("Segmental stabilisation")
    expect(page.locator("body")).to_contain_text("Two pain-free weeks, release work mastered.")

    services.session_log_create(
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
        patient=patient,
        performed_at=timezone.now() - timedelta(hours=1),
        pain_before=2,
        pain_after=3,
        rpe=5,
        entries=[
            {"exercise": Exercise.objects.get(slug="plank-mtt").pk, "sets_done": 3, "pain": 6}
        ],
    )
    page.reload()

    flagged = page.locator("#flagged-sessions tbody tr")
    expect(flagged).to_have_count(1)
    expect(flagged.first).to_contain_text("2 / 3")
    page.screenshot(path=SCREENSHOTS / "admin-patient-page.png", full_page=True)
