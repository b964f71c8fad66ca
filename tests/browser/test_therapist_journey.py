"""A therapist's day in the admin, in real Chromium: screen a new patient, clear a red flag,
assign the MASTER programme, advance a phase with a reason and find a flagged session; then a
red flag the patient reports tops the admin, stops the programme, and the therapist's clearance
resumes it (docs/clinical-safety.md)."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from patients import services
from patients.models import Assignment, AssignmentStatus, Patient
from programs.models import Exercise
from tests import factories
from tests.browser.conftest import SCREENSHOTS
from tests.two_factor import current_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def assert_axe_clean(page: Page, selector: str):
    """axe-core on the project's own part of an admin page (Django's admin markup is not ours)."""
    results = Axe().run(page, context=selector)
    violations = [
        (rule["id"], [node["target"] for node in rule["nodes"]])
        for rule in results.response["violations"]
    ]
    assert violations == [], (page.url, selector)


def test_therapist_screens_assigns_advances_and_sees_a_flagged_session(live_server, page: Page):
    therapist = factories.TherapistFactory(
        username="t.weber", email="weber@example.org", password="a-long-therapist-pass"
    )

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

    # The screening: every red flag under its group, the prompts apart.
    expect(page.locator("#screening fieldset legend")).to_have_count(6)
    assert_axe_clean(page, "#screening")
    page.locator("#screening fieldset", has_text="Radiculopathy").get_by_label(
        "progressive neurological deficits"
    ).check()
    page.get_by_role("button", name="Save the screening").click()
    page.locator("#id_assign_program").select_option(label="MASTER back programme")
    page.get_by_role("button", name="Assign programme").click()
    expect(page.locator(".messagelist")).to_contain_text("unresolved red flag")
    expect(page.locator("#programme")).to_contain_text("No open programme.")

    page.locator("#red-flags textarea").first.fill("Neurology: no progressive deficit, cleared.")
    page.get_by_role("button", name="Record clearance").click()
    expect(page.locator("#red-flags")).to_contain_text("No open red flag.")
    page.locator("#id_assign_program").select_option(label="MASTER back programme")
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

    # The patient reports bladder changes on a rest day: it tops the admin's start page.
    services.symptom_report_create(
        patient=patient,
        pain=4,
        notes="Since this morning",
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=True,
        red_flag_leg_weakness=False,
    )
    page.goto(f"{live_server.url}/admin/")
    urgent = page.locator("#today-red-flags")
    expect(urgent).to_contain_text("Jonas Becker")
    expect(urgent).to_contain_text("Cauda equina: bladder or bowel dysfunction")
    assert_axe_clean(page, "#today-red-flags")
    page.screenshot(path=SCREENSHOTS / "admin-urgent-red-flag.png", full_page=True)
    # Acknowledged from the start page, the alert leaves it; the red flag stays open.
    urgent.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#today-red-flags .today-row")).to_have_count(0)
    page.goto(live_server.url + reverse("admin:patients_patient_change", args=[patient.pk]))

    expect(page.locator("#safety-banner")).to_contain_text("stopped (red flag)")
    expect(page.locator("#programme-status")).to_have_text("stopped (red flag)")
    expect(page.get_by_role("button", name="Resume the programme")).to_have_count(0)
    red_flags = page.locator("#red-flags")
    expect(red_flags).to_contain_text("Since this morning")
    expect(red_flags).to_contain_text("emergency department")
    assert_axe_clean(page, "#safety-banner")
    assert_axe_clean(page, "#red-flags")
    page.screenshot(path=SCREENSHOTS / "admin-patient-stopped.png", full_page=True)
    red_flags.locator("textarea").fill("Emergency department: no cauda equina, cleared.")
    red_flags.get_by_role("button", name="Record clearance").click()

    expect(page.locator(".messagelist")).to_contain_text("the programme is active again")
    expect(page.locator("#programme-status")).to_have_text("active")
    expect(page.locator("#phase-history tr[data-kind=resume]")).to_contain_text(
        "Emergency department: no cauda equina, cleared."
    )
    assert Assignment.objects.get(patient=patient).status == AssignmentStatus.ACTIVE
