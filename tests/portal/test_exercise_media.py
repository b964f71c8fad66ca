"""Exercise pictures in the portal: a thumbnail per exercise on /today/, the start and end
pictures on each step of the guided session, videos that never start on their own, and "How to
do it" with equipment and the easier and harder variants."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from programs import services
from programs.models import Exercise, MediaRole
from tests.portal.conftest import make_patient

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08mdat"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def test_today_shows_a_thumbnail_per_due_exercise(patient_client):
    page = patient_client.get(reverse("portal:today")).content.decode()

    due = page.split('id="due-title"')[1].split("</section>")[0]
    thumbnails = re.findall(r'<img class="exercise-thumb"[^>]*>', due)
    assert len(thumbnails) == due.count('<li class="card exercise" id="item-') == 4
    plank = Exercise.objects.get(slug="plank-mtt")
    start = plank.media.get(role="start_position")
    assert (
        f'<img class="exercise-thumb" src="/static/programs/exercises/plank-mtt-start.svg" '
        f'alt="{start.alt_en}" width="320" height="200" loading="lazy" decoding="async">'
    ) in due


def test_each_session_step_shows_start_and_end_pictures_and_how_to_do_it(patient_client):
    response = patient_client.get(reverse("portal:session"))
    page = response.content.decode()

    steps = page.split('class="step card exercise-step"')[1:]
    assert len(steps) == 4
    for step in steps:
        start = re.search(r'data-role="start_position">\s*<img ([^>]*)>', step)
        end = re.search(r'data-role="end_position">\s*<img ([^>]*)>', step)
        assert start and end
        for attributes in (start.group(1), end.group(1)):
            assert re.search(r'alt="[^"]{20,}"', attributes)
            assert 'width="320" height="200" loading="lazy"' in attributes
    plank_step = next(step for step in steps if re.search(r'<h2 id="step-\d">Plank', step))
    plank = Exercise.objects.get(slug="plank-mtt")
    assert f"Equipment:</strong> {plank.equipment_en}" in plank_step
    assert "How to do it" in plank_step


def test_how_to_do_it_names_the_easier_and_harder_variants(patient_client):
    plank = Exercise.objects.get(slug="plank-mtt")
    easier = Exercise.objects.get(slug="segmentale-stabilisation")
    harder = Exercise.objects.get(slug="rumaenisches-kreuzheben")
    plank.easier_variant, plank.harder_variant = easier, harder
    plank.save(update_fields=["easier_variant", "harder_variant"])

    page = patient_client.get(reverse("portal:session")).content.decode()

    plank_step = next(
        step
        for step in page.split('class="step card exercise-step"')
        if re.search(r'<h2 id="step-\d">Plank', step)
    )
    assert f"The easier variant is “{easier.name_en}”" in plank_step
    assert f"The harder variant is “{harder.name_en}”" in plank_step


def test_a_video_has_controls_loads_nothing_and_never_plays_on_its_own(patient_client, monkeypatch):
    monkeypatch.setattr("programs.media.shutil.which", lambda name: None)
    plank = Exercise.objects.get(slug="plank-mtt")
    video = services.exercise_media_add(
        exercise=plank,
        upload=SimpleUploadedFile("clip.mp4", MP4, content_type="video/mp4"),
        role=MediaRole.MOVEMENT,
        alt_de="Bewegung",
        alt_en="The movement",
    )

    page = patient_client.get(reverse("portal:session")).content.decode()

    tag = re.search(r"<video [^>]*>", page).group(0)
    assert "controls" in tag
    assert 'preload="none"' in tag
    assert "autoplay" not in page
    assert f'poster="/media/{video.poster.name}"' in tag
    assert f'<source src="/media/{video.file.name}" type="video/mp4">' in page


def test_an_uploaded_photo_thumbnail_has_its_own_size(patient_client):
    plank = Exercise.objects.get(slug="plank-mtt")
    plank.media.all().delete()
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (10, 90, 160)).save(buffer, "JPEG")
    photo = services.exercise_media_add(
        exercise=plank,
        upload=SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg"),
        role=MediaRole.START_POSITION,
        alt_de="Start",
        alt_en="Start",
    )

    page = patient_client.get(reverse("portal:today")).content.decode()

    assert f'src="/media/{photo.thumbnail.name}" alt="Start" width="320" height="240"' in page


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_pictures_are_described_in_the_patients_language(client, therapist, language):
    patient = make_patient(therapist, "lena", phase=2, language=language)
    client.force_login(patient.user)

    today = client.get(reverse("portal:today")).content.decode()
    session = client.get(reverse("portal:session"), {"all": "1"}).content.decode()

    plank = Exercise.objects.get(slug="plank-mtt")
    for item in plank.media.all():
        alt, other = (item.alt_de, item.alt_en) if language == "de" else (item.alt_en, item.alt_de)
        assert f'src="/static/{item.static_path}" alt="{escape(alt)}"' in session
        assert f'alt="{escape(other)}"' not in session + today
    start = plank.media.get(role="start_position")
    assert f'alt="{escape(getattr(start, f"alt_{language}"))}"' in today
