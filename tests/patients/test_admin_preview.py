""" "See as patient": the patient's today, session and progress pages as the patient sees them
(their data, their language), read-only (every control disabled, GET only, no portal script
that keeps an outbox or registers the service worker), scoped and audited as a read
(docs/product.md, "See as patient"; docs/privacy.md)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from patients.models import SessionLog
from tests.patients.conftest import english_client

pytestmark = pytest.mark.django_db

PAGES = ["today", "session", "progress"]


def preview_url(patient, page):
    return reverse(f"admin:patients_patient_preview_{page}", args=[patient.pk])


def heading(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)).strip()


@pytest.fixture
def patient_client(patient):
    client = Client()
    client.force_login(patient.user)
    return client


def test_today_shows_the_patients_exercises_in_the_patients_language(
    therapist_client, patient_client, patient, assignment
):
    own = patient_client.get(reverse("portal:today"))
    preview = therapist_client.get(preview_url(patient, "today"))

    assert preview.status_code == 200
    html = preview.content.decode()
    names = [str(card.exercise.name) for card in own.context["due"]]
    assert names
    for name in names:
        assert name in html
    assert heading(html) == heading(own.content.decode())
    assert '<html lang="de">' in html  # the patient's language (the therapist reads English)
    assert "Heute" in heading(html)
    assert assignment.current_phase.name_de in html


def test_the_banner_is_in_the_therapists_language_with_a_way_back(
    therapist_client, patient, assignment
):
    html = therapist_client.get(preview_url(patient, "today")).content.decode()

    banner = html[html.index('id="preview-banner"') : html.index("</header>")]
    assert 'lang="en"' in banner
    assert "Preview as Anna Schmidt — read-only" in banner
    assert reverse("admin:patients_patient_change", args=[patient.pk]) in banner
    for page in PAGES:
        assert preview_url(patient, page) in banner


@pytest.mark.parametrize("shown", PAGES)
def test_nothing_can_be_sent_and_no_portal_script_runs(
    therapist_client, patient, assignment, shown
):
    html = therapist_client.get(preview_url(patient, shown)).content.decode()

    main = html[html.index('<main id="main">') : html.index("</main>")]
    # Every form control of the page sits in a disabled fieldset.
    assert main.count('<fieldset class="preview-page" disabled>') == 1
    forms_at = [match.start() for match in re.finditer("<form", main)]
    assert all(at > main.index("preview-page") for at in forms_at)
    for script in ("js/outbox.js", "js/pwa.js", "portal-habits.js", "portal-session.js"):
        assert script not in html
    assert "data-logout" not in html  # no menu with the patient's logout


def test_the_session_page_shows_the_form_disabled(therapist_client, patient, assignment):
    html = therapist_client.get(preview_url(patient, "session")).content.decode()

    assert 'id="session-form"' in html
    main = html[html.index('<main id="main">') : html.index("</main>")]
    form = main.index('id="session-form"')
    assert main.index('<fieldset class="preview-page" disabled>') < form
    assert main.rstrip().endswith("</fieldset>")  # the disabled fieldset closes the page
    for item in assignment.items.filter(removed_at__isnull=True).select_related("exercise"):
        assert item.exercise.name_de in html


def test_the_progress_page_keeps_its_charts(therapist_client, patient, assignment):
    html = therapist_client.get(preview_url(patient, "progress")).content.decode()

    assert 'id="progress-data"' in html
    assert "portal-charts.js" in html


@pytest.mark.parametrize("shown", PAGES)
def test_a_post_is_refused_and_writes_nothing(therapist_client, patient, assignment, shown):
    answer = therapist_client.post(
        preview_url(patient, shown), {"pain_before": "2", "pain_after": "2", "rpe": "3"}
    )

    assert answer.status_code == 405
    assert not SessionLog.objects.exists()
    assert not AuditEntry.objects.filter(fields__contains=[f"preview_{shown}"]).exists()


@pytest.mark.parametrize("shown", PAGES)
def test_each_preview_is_recorded_as_a_read(
    therapist_client, therapist, patient, assignment, shown
):
    therapist_client.get(preview_url(patient, shown))

    entry = AuditEntry.objects.get(fields=[f"preview_{shown}"])
    assert (entry.user, entry.patient_id, entry.action) == (therapist, patient.pk, AuditAction.VIEW)
    assert entry.object_type == "patients.patient"


@pytest.mark.parametrize("shown", PAGES)
def test_another_therapists_patient_is_not_there(other_therapist, patient, assignment, shown):
    answer = english_client(other_therapist).get(preview_url(patient, shown))

    assert answer.status_code == 404
    assert not AuditEntry.objects.filter(fields=[f"preview_{shown}"]).exists()


def test_patients_cannot_open_a_preview(patient_client, patient, assignment):
    answer = patient_client.get(preview_url(patient, "today"))

    assert answer.status_code == 302
    assert answer["Location"].startswith("/admin/login/")


def test_a_patient_without_a_programme(therapist_client, patient_client, patient):
    own = patient_client.get(reverse("portal:today")).content.decode()
    today = therapist_client.get(preview_url(patient, "today")).content.decode()
    session = therapist_client.get(preview_url(patient, "session"))

    message = re.search(r'<div class="card">\s*<p>(.*?)</p>', own, re.S).group(1)
    assert message in today
    assert session.status_code == 200
    assert "preview-banner" in session.content.decode()
