"""The take-home programme: /programme.pdf in the portal, ``GET /api/v1/me/programme/`` (JSON and
PDF) and the admin's "Print programme" — content, language, pictures, access and cost."""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from audit.models import AuditEntry
from patients import selectors
from patients.models import PrescriptionItem
from patients.rules import Advice
from programs import services as program_services
from programs.models import Exercise, MediaRole
from tests import factories
from tests.pdf import pdf_text
from tests.portal.conftest import make_patient
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db

PDF_URL = "/programme.pdf"
API_URL = "/api/v1/me/programme/"


def words(text: str) -> str:
    """The text with line breaks and runs of spaces as single spaces (lines wrap in the PDF)."""
    return " ".join(text.split())


def text_of(pdf: bytes) -> str:
    return words(pdf_text(pdf))


def figures(pdf: bytes) -> int:
    """Pictures drawn with their alt text: fpdf2 tags each one as a /Figure structure element
    (the drawings are vector paths, uploaded photos and the QR code image XObjects)."""
    return len(re.findall(rb"/S /Figure\b", pdf))


def image_xobjects(pdf: bytes) -> int:
    return len(re.findall(rb"/Subtype /Image\b", pdf))


def active_exercises(patient) -> list[Exercise]:
    items = PrescriptionItem.objects.filter(assignment__patient=patient, removed_at__isnull=True)
    return [item.exercise for item in items.select_related("exercise")]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


# --- the PDF's content -----------------------------------------------------------------------


def test_the_pdf_holds_every_prescribed_exercise_with_its_pictures_and_the_safety_rules(
    client, therapist, settings
):
    settings.PRACTICE_NAME = "Praxis am Park"
    settings.PRACTICE_PHONE = "+49 30 1234567"
    patient = make_patient(therapist, "anna", phase=2, language="en")
    removed = PrescriptionItem.objects.get(
        assignment__patient=patient, exercise__slug="passive-extension-faszienrolle"
    )
    removed.removed_at = timezone.now()
    removed.save(update_fields=["removed_at"])
    client.force_login(patient.user)

    response = client.get(PDF_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Language"] == "en"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    exercises = active_exercises(patient)
    assert len(exercises) == 3
    for exercise in exercises:
        assert exercise.name_en in text
        for cue in exercise.cues_en.splitlines():
            assert cue in text
    assert removed.exercise.name_en not in text  # a removed exercise is not printed
    # Name, practice, phase and aim, the dose in words.
    assert "for Anna Muster" in text
    assert "Praxis am Park" in text and "+49 30 1234567" in text
    assert "Phase 2: Activating inner stability" in text
    assert "The nervous system relearns how to switch on the deep stabilisers" in text
    assert "3 sets of 15–20 repetitions" in text
    assert "30 seconds between sets" in text
    assert "3–4 times a week" in text
    assert "2 sets per body region" in text
    # The pain rule with the patient's limit, and the red-flag advice word for word.
    assert "Your pain limit is 3 out of 10" in text
    assert words(str(Advice.STOP_TODAY.message)) in text
    with translation.override("en"):
        assert words(str(Advice.EMERGENCY_NOW.message)) in text
        assert words(str(Advice.DOCTOR_TODAY.message)) in text
    assert "call 112" in text
    # Start and end picture of each exercise, plus the QR code (an image) to the login page.
    assert figures(pdf) == 2 * len(exercises) + 1
    assert image_xobjects(pdf) == 1
    assert f"/Alt ({settings.SITE_URL}/accounts/login/)".encode() in pdf
    # Nothing beyond the prescription and the name: no e-mail, no diagnosis, no sessions.
    assert patient.user.email not in text
    assert "diagnosis" not in text.lower()


def test_the_german_pdf_prints_umlauts_and_the_german_emergency_text(client, therapist):
    patient = make_patient(therapist, "joerg", phase=3, language="de")
    patient.user.first_name, patient.user.last_name = "Jörg", "Müßig"
    patient.user.save(update_fields=["first_name", "last_name"])
    client.force_login(patient.user)

    response = client.get(PDF_URL)

    assert response["Content-Language"] == "de"
    text = text_of(response.content)
    assert "Jörg Müßig" in text
    assert "Rumänisches Kreuzheben" in text
    for exercise in active_exercises(patient):
        assert exercise.name_de in text
    assert "Schmerzgrenze" in text and "Übung" in text
    with translation.override("de"):
        emergency = words(str(Advice.EMERGENCY_NOW.message))
    assert emergency in text
    assert "112" in emergency
    # ?lang=en prints the same programme in English; an unknown language keeps the patient's.
    english = text_of(client.get(PDF_URL, {"lang": "en"}).content)
    assert "Romanian deadlift" in english and "Rumänisches" not in english
    assert client.get(PDF_URL, {"lang": "xx"})["Content-Language"] == "de"


def test_an_uploaded_start_photo_is_embedded_as_an_image(client, therapist, media_root):
    patient = make_patient(therapist, "bert", phase=2, language="en")
    plank = Exercise.objects.get(slug="plank-mtt")
    buffer = io.BytesIO()
    Image.new("RGB", (800, 500), (30, 120, 200)).save(buffer, "PNG")
    program_services.exercise_media_add(
        exercise=plank,
        upload=SimpleUploadedFile("plank.png", buffer.getvalue(), content_type="image/png"),
        role=MediaRole.START_POSITION,
        alt_de="Unterarmstütz, Foto",
        alt_en="Forearm plank, photo",
    )
    client.force_login(patient.user)

    pdf = client.get(PDF_URL).content

    # The photo replaces plank's two drawings: one picture there, two for the others, the QR.
    assert image_xobjects(pdf) == 2
    assert figures(pdf) == 2 * 3 + 1 + 1
    assert b"Forearm plank, photo" in pdf


def test_without_a_programme_the_pdf_says_nothing_is_prescribed(client, therapist):
    patient = make_patient(therapist, "cora", phase=0)
    client.force_login(patient.user)

    response = client.get(PDF_URL)

    assert response.status_code == 200
    text = text_of(response.content)
    assert "No exercise is prescribed at the moment" in text
    with translation.override("en"):
        assert words(str(Advice.EMERGENCY_NOW.message)) in text


def test_today_links_to_the_printable_programme(patient_client):
    response = patient_client.get(reverse("portal:today"))
    assert f'href="{PDF_URL}"' in response.text
    assert "Print my programme" in response.text


def test_visitors_log_in_and_staff_go_to_the_admin(client, therapist):
    response = client.get(PDF_URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(therapist)
    assert client.get(PDF_URL)["Location"] == "/admin/"


def test_the_selector_reads_the_prescription_in_two_queries(therapist, django_assert_num_queries):
    short = make_patient(therapist, "dora", phase=1)
    long = make_patient(therapist, "emil", phase=4)
    for patient in (short, long):
        with django_assert_num_queries(2):
            programme = selectors.take_home_programme(patient=patient)
            for item in programme.items:
                list(item.exercise.media.all())
                assert item.exercise.goal.name and item.phase.number
            assert programme.assignment.current_phase.aim
    assert len(programme.items) == 7


def test_the_pdf_costs_the_same_queries_for_one_exercise_and_for_seven(client, therapist):
    counts = []
    for username, phase in (("fritz", 1), ("gina", 4)):
        client.force_login(make_patient(therapist, username, phase=phase).user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PDF_URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [{}, {"format": "pdf"}])
def test_the_api_costs_the_same_queries_for_one_exercise_and_for_seven(client, therapist, query):
    counts = []
    for username, phase in (("olga", 1), ("paul", 4)):
        client.force_login(make_patient(therapist, username, phase=phase).user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(API_URL, query).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_api_answers_the_programme_as_json(client, therapist):
    patient = make_patient(therapist, "hanna", phase=2, language="en")
    client.force_login(patient.user)

    body = client.get(API_URL).json()

    assert body["language"] == "en"
    assert body["name"] == "Hanna Muster"
    assert body["phase"]["number"] == 2
    assert body["phase"]["aim"].startswith("The nervous system relearns")
    assert [row["slug"] for row in body["exercises"]] == [
        exercise.slug for exercise in active_exercises(patient)
    ]
    plank = next(row for row in body["exercises"] if row["slug"] == "plank-mtt")
    assert plank["name"] == "Plank variations (MTT style)"
    assert {"label": "Dose", "text": "3 sets of 15–20 repetitions"} in plank["dose"]
    assert plank["cues"][0].startswith("Keep your back long")
    assert plank["safety"].startswith("End the set as soon as your lower back sags")
    assert plank["equipment"] == "Mat"
    for media in plank["media"]:
        assert set(media) >= {"kind", "role", "url", "thumbnail_url", "width", "height", "alt"}
        assert media["url"].startswith("http://testserver/")
    with translation.override("en"):
        assert str(Advice.EMERGENCY_NOW.message) in body["red_flags"]
    assert any("Your pain limit is 3 out of 10" in line for line in body["pain_rule"])
    assert body["login_url"].endswith("/accounts/login/")


def test_the_api_answers_the_pdf_and_the_other_language(client, therapist):
    patient = make_patient(therapist, "ida", phase=3, language="en")
    client.force_login(patient.user)

    response = client.get(API_URL, {"format": "pdf", "lang": "de"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Rumänisches Kreuzheben" in text_of(response.content)
    german = client.get(API_URL, {"lang": "de"}).json()
    assert german["phase"]["name"] == "Funktionelle Kraftentwicklung"


@pytest.mark.parametrize(
    ("query", "field"), [({"lang": "fr"}, "lang"), ({"format": "xml"}, "format")]
)
def test_an_unknown_language_or_format_is_a_json_error(client, therapist, query, field):
    client.force_login(make_patient(therapist, "jana", phase=1).user)
    response = client.get(API_URL, {**query, "format": query.get("format", "pdf")})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert field in response.json()


def test_the_api_programme_is_the_callers_own_and_for_patients_only(client, therapist):
    anna = make_patient(therapist, "kara", phase=1)
    make_patient(therapist, "lena", phase=4)
    client.force_login(anna.user)
    assert len(client.get(API_URL).json()["exercises"]) == 2
    client.force_login(therapist)
    assert client.get(API_URL).status_code == 403
    client.logout()
    assert client.get(API_URL).status_code == 401


# --- the admin's "Print programme" -------------------------------------------------------------


@pytest.fixture
def group_therapist(therapist):
    therapist.groups.add(Group.objects.get(name="Therapeut"))
    return therapist


def test_the_therapist_prints_the_programme_and_the_print_is_audited(client, group_therapist):
    patient = make_patient(group_therapist, "mia", phase=2, language="de")
    login_verified(client, group_therapist)
    page = client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    url = reverse("admin:patients_patient_programme_pdf", args=[patient.pk])
    assert url in page.text and "print-programme" in page.text

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Segmentale Stabilisation" in text_of(response.content)
    entry = AuditEntry.objects.filter(patient_id=patient.pk, fields=["programme_pdf"]).get()
    assert entry.action == "view"
    assert entry.user == group_therapist
    assert client.get(url, {"lang": "en"})["Content-Language"] == "en"


def test_another_therapists_patient_cannot_be_printed(client, group_therapist, make_other):
    stranger = make_patient(make_other, "nora", phase=2)
    login_verified(client, group_therapist)

    response = client.get(reverse("admin:patients_patient_programme_pdf", args=[stranger.pk]))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(patient_id=stranger.pk, fields=["programme_pdf"]).exists()


@pytest.fixture
def make_other(db):
    return factories.TherapistFactory(username="o.kaya", email="kaya@example.org")


ALT = re.compile(rb"/Alt (?:\(((?:\\.|[^\\)])*)\)|<([0-9A-Fa-f]+)>)")


def _pdf_string(raw: bytes) -> str:
    return raw[2:].decode("utf-16-be") if raw[:2] == b"\xfe\xff" else raw.decode("latin-1")


def alt_texts(pdf: bytes) -> list[str]:
    """The /Alt entries of the PDF's structure tree, decoded (literal or UTF-16 hex strings)."""
    return [
        _pdf_string(bytes.fromhex(hexadecimal.decode()))
        if hexadecimal
        else _pdf_string(re.sub(rb"\\(.)", rb"\1", literal))
        for literal, hexadecimal in ALT.findall(pdf)
    ]


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_drawings_carry_the_alt_text_of_the_pdfs_language(client, therapist, language):
    patient = make_patient(therapist, "alma", phase=2, language="de")
    client.force_login(patient.user)

    pdf = client.get(PDF_URL, {"lang": language}).content

    alts = alt_texts(pdf)
    for exercise in active_exercises(patient):
        for item in exercise.media.filter(role__in=["start_position", "end_position"]):
            assert getattr(item, f"alt_{language}") in alts
            assert getattr(item, "alt_en" if language == "de" else "alt_de") not in alts
