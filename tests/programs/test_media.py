"""Exercise pictures and videos: uploads judged by content, re-encoded renditions without EXIF,
files removed with their item or exercise, the disk and the S3-compatible storage, the admin."""

import io
import json
import os
import sys
import urllib.request
from xml.etree import ElementTree

import boto3
import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import Image

from programs import media, services
from programs.admin import ExerciseMediaForm
from programs.models import Exercise, ExerciseMedia, MediaRole
from tests import factories

pytestmark = pytest.mark.django_db

# A minimal MP4 (ftyp box of brand isom, then an empty mdat) and WebM (EBML header): enough for
# the content check; nothing plays them in these tests.
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08mdat"
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01" + b"\x00" * 32


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in the source language; the default language is German."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


def photo(size=(2000, 1500), fmt="JPEG", exif=True) -> bytes:
    """A camera-like picture with EXIF (a GPS position and the camera's make)."""
    image = Image.new("RGB", size, (200, 120, 40))
    buffer = io.BytesIO()
    data = image.getexif()
    if exif:
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPSInfo
    image.save(buffer, fmt, exif=data.tobytes() if exif else b"")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def plank():
    return Exercise.objects.get(slug="plank-mtt")


def add(exercise, file, role=MediaRole.START_POSITION):
    return services.exercise_media_add(
        exercise=exercise, upload=file, role=role, alt_de="Startposition", alt_en="Start"
    )


# --- validation by content ---------------------------------------------------------------------


def test_an_executable_renamed_to_png_is_refused_as_a_program():
    with pytest.raises(ValidationError) as error:
        media.validate_upload(upload("photo.png", b"MZ\x90\x00\x03" + b"\x00" * 200))
    assert "program or an archive" in error.value.messages[0]


def test_an_elf_binary_named_jpg_is_refused():
    with pytest.raises(ValidationError) as error:
        media.validate_upload(upload("x.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 100))
    assert "not a picture or a video" in error.value.messages[0]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        media.validate_upload(upload("empty.png", b""))
    assert error.value.messages == ["The file is empty (0 bytes)."]


def test_a_file_over_the_limit_is_refused_naming_the_limit(settings):
    settings.MEDIA_MAX_UPLOAD_MB = 1
    with pytest.raises(ValidationError) as error:
        media.validate_upload(upload("big.jpg", b"\xff\xd8\xff" + b"\x00" * (1024 * 1024 + 10)))
    assert "files may be at most 1 MB" in error.value.messages[0]


@pytest.mark.parametrize(
    ("language", "expected"),
    # German: the catalogue's sentence once regenerated, the number in German format either way.
    [("en", "The file is 1.5 MB; files may be at most 1 MB."), ("de", " 1,5 MB")],
)
def test_the_size_is_written_in_the_readers_number_format(settings, language, expected):
    settings.MEDIA_MAX_UPLOAD_MB = 1
    with translation.override(language), pytest.raises(ValidationError) as error:
        media.validate_upload(upload("big.jpg", b"\xff\xd8\xff" + b"\x00" * (3 * 512 * 1024)))
    assert expected in error.value.messages[0]


def test_an_svg_with_a_script_is_refused_even_named_png():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name in ("drawing.svg", "drawing.png"):
        with pytest.raises(ValidationError) as error:
            media.validate_upload(upload(name, svg, "image/svg+xml"))
        assert "SVG files are not accepted" in error.value.messages[0]


def test_a_truncated_png_is_refused_as_damaged():
    content = photo(fmt="PNG", exif=False)[:200]
    with pytest.raises(ValidationError) as error:
        media.validate_upload(upload("cut.png", content))
    assert "cannot be read" in error.value.messages[0]


def test_a_heic_picture_in_an_mp4_box_is_not_taken_for_a_video():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
    with pytest.raises(ValidationError):
        media.validate_upload(upload("clip.mp4", heic, "video/mp4"))


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.png", photo(size=(40, 30), fmt="PNG", exif=False), "image"),
        ("a.jpg", photo(size=(40, 30)), "image"),
        ("a.webp", photo(size=(40, 30), fmt="WEBP", exif=False), "image"),
        ("a.mp4", MP4, "video"),
        ("a.webm", WEBM, "video"),
        ("no-extension", photo(size=(40, 30)), "image"),  # the name does not matter
    ],
)
def test_accepted_formats_by_content(name, content, kind):
    assert media.validate_upload(upload(name, content)) == kind


# --- renditions ---------------------------------------------------------------------------------


def test_a_photo_is_stored_as_a_1080_rendition_and_a_320_thumbnail_without_exif(plank):
    item = add(plank, upload("camera.jpg", photo(), "image/jpeg"))

    with default_storage.open(item.file.name) as stored:
        rendition_bytes = stored.read()
    with default_storage.open(item.thumbnail.name) as stored:
        thumbnail_bytes = stored.read()
    rendition = Image.open(io.BytesIO(rendition_bytes))
    thumbnail = Image.open(io.BytesIO(thumbnail_bytes))
    assert rendition.size == (1080, 810)
    assert (item.width, item.height) == (1080, 810)
    assert thumbnail.size == (320, 240)
    for picture, content in ((rendition, rendition_bytes), (thumbnail, thumbnail_bytes)):
        assert dict(picture.getexif()) == {}
        assert b"Exif" not in content
        assert b"PhoneMaker" not in content
    assert item.kind == "image"
    assert not item.poster


def test_a_small_picture_is_not_enlarged_and_transparency_stays_png(plank):
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    item = add(plank, upload("drawing.png", buffer.getvalue()))

    assert (item.width, item.height) == (200, 100)
    assert item.file.name.endswith(".png")


def test_file_names_are_content_hashes_so_urls_can_be_cached(plank):
    first = add(plank, upload("one.jpg", photo()))
    second = add(plank, upload("two.jpg", photo()))  # the same bytes under another name

    assert first.file.name == second.file.name
    assert first.file.name.startswith("exercises/")
    assert len(first.file.name.split("/")[-1].split(".")[0]) == 24
    response = Client().get(first.file.url)
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_a_video_without_ffmpeg_gets_a_plain_poster(plank, monkeypatch):
    monkeypatch.setattr(media.shutil, "which", lambda name: None)

    item = add(plank, upload("clip.mp4", MP4, "video/mp4"), role=MediaRole.MOVEMENT)

    assert item.kind == "video"
    assert item.file.name.endswith(".mp4")
    with default_storage.open(item.file.name) as stored:
        assert stored.read() == MP4
    with default_storage.open(item.poster.name) as stored:
        assert Image.open(stored).size == (1080, 607)
    assert (item.width, item.height) == (1080, 607)
    assert item.poster_url.endswith(".jpg")


def test_a_video_poster_comes_from_ffmpeg_when_it_is_installed(plank, tmp_path, monkeypatch):
    """ffmpeg is not installed here: a stand-in on PATH answers like it (writes one frame to the
    last argument), so the call, its arguments and the reading of the frame are exercised."""
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'for last in "$@"; do :; done\n'
        f'exec {sys.executable} -c "import sys; from PIL import Image; '
        'Image.new(\'RGB\', (1920, 1080), (0, 128, 0)).save(sys.argv[1])" "$last"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")

    item = add(plank, upload("clip.webm", WEBM, "video/webm"), role=MediaRole.MOVEMENT)

    assert item.file.name.endswith(".webm")
    assert item.mime_type == "video/webm"
    with default_storage.open(item.poster.name) as stored:
        poster = Image.open(stored)
        assert poster.size == (1080, 608)
        assert poster.getpixel((10, 10))[1] > 100  # the green frame, not the plain grey poster
    with default_storage.open(item.thumbnail.name) as stored:
        assert Image.open(stored).size == (320, 180)


# --- deleting removes the files -----------------------------------------------------------------


def test_deleting_a_media_item_removes_its_files(plank, django_capture_on_commit_callbacks):
    item = add(plank, upload("camera.jpg", photo()))
    names = item.stored_names()
    assert all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        services.exercise_media_delete(media_item=item)

    assert not ExerciseMedia.objects.filter(pk=item.pk).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_a_file_shared_by_two_items_stays_until_the_last_goes(
    plank, django_capture_on_commit_callbacks
):
    first = add(plank, upload("one.jpg", photo()))
    second = add(plank, upload("two.jpg", photo()))

    with django_capture_on_commit_callbacks(execute=True):
        services.exercise_media_delete(media_item=first)
    assert default_storage.exists(second.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        services.exercise_media_delete(media_item=second)
    assert not default_storage.exists(second.file.name)


def test_deleting_an_exercise_removes_its_media_files(django_capture_on_commit_callbacks):
    plank = Exercise.objects.get(slug="plank-mtt")
    spare = Exercise.objects.create(
        slug="spare",
        name_de="Übung",
        phase=plank.phase,
        goal=plank.goal,
        instructions_de="…",
    )
    item = add(spare, upload("camera.jpg", photo()))
    names = item.stored_names()

    with django_capture_on_commit_callbacks(execute=True):
        services.exercise_delete(exercise=spare)

    assert not Exercise.objects.filter(slug="spare").exists()
    assert not any(default_storage.exists(name) for name in names)


# --- S3-compatible storage ----------------------------------------------------------------------


@pytest.fixture
def s3(settings):
    """moto's S3-compatible server on a free local port (offline), with one bucket, and the
    storage settings docs/operations.md describes pointing at it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="exercise-media")
    # Public reads, as docs/operations.md asks of a bucket served with unsigned URLs.
    client.put_bucket_policy(
        Bucket="exercise-media",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::exercise-media/*",
                    }
                ],
            }
        ),
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "exercise-media",
                "endpoint_url": endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "querystring_auth": False,
                "default_acl": None,
                "file_overwrite": True,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
    }
    yield client, endpoint
    server.stop()


def test_s3_round_trip_store_read_and_delete(plank, s3, django_capture_on_commit_callbacks):
    client, endpoint = s3

    item = add(plank, upload("camera.jpg", photo()))

    keys = {row["Key"] for row in client.list_objects_v2(Bucket="exercise-media")["Contents"]}
    assert keys == {item.file.name, item.thumbnail.name}
    head = client.head_object(Bucket="exercise-media", Key=item.file.name)
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert item.file.url.startswith(f"{endpoint}/exercise-media/exercises/")
    with urllib.request.urlopen(item.file.url) as answer:  # noqa: S310 - local test server
        assert Image.open(io.BytesIO(answer.read())).size == (1080, 810)
    api = Client().get("/api/v1/exercises/", {"phase": plank.phase.number})
    row = next(row for row in api.json()["results"] if row["slug"] == "plank-mtt")
    assert item.file.url in [entry["url"] for entry in row["media"]]

    with django_capture_on_commit_callbacks(execute=True):
        services.exercise_media_delete(media_item=item)

    assert client.list_objects_v2(Bucket="exercise-media").get("KeyCount") == 0


def test_the_production_settings_choose_s3_from_the_environment(monkeypatch):
    """MEDIA_S3_* in the environment select django-storages' S3 backend (mtt/settings.py)."""
    import importlib

    from mtt import settings as production

    for name, value in {
        "MEDIA_S3_BUCKET": "practice-media",
        "MEDIA_S3_ENDPOINT_URL": "https://objects.example.net",
        "MEDIA_S3_ACCESS_KEY_ID": "key",
        "MEDIA_S3_SECRET_ACCESS_KEY": "secret",
    }.items():
        monkeypatch.setenv(name, value)
    try:
        reloaded = importlib.reload(production)
        default = reloaded.STORAGES["default"]
        assert default["BACKEND"] == "storages.backends.s3.S3Storage"
        assert default["OPTIONS"]["bucket_name"] == "practice-media"
        assert default["OPTIONS"]["endpoint_url"] == "https://objects.example.net"
        assert "https://objects.example.net" in reloaded.SECURE_CSP["img-src"]
        assert "https://objects.example.net" in reloaded.SECURE_CSP["media-src"]
    finally:
        monkeypatch.undo()
        importlib.reload(production)


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_form_refuses_a_renamed_executable_with_a_clear_message(plank):
    form = ExerciseMediaForm(
        data={"order": 1, "role": "start_position", "alt_de": "Start", "exercise": plank.pk},
        files={"upload": upload("setup.png", b"MZ" + b"\x00" * 100)},
        instance=ExerciseMedia(exercise=plank),
    )

    assert not form.is_valid()
    assert "program or an archive" in form.errors["upload"][0]


def test_practice_admin_uploads_through_the_exercise_page(admin_client_logged_in, plank):
    url = reverse("admin:programs_exercise_change", args=[plank.pk])
    page = admin_client_logged_in.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    formset = page.context["inline_admin_formsets"][0].formset
    existing = formset.total_form_count()
    data.update(
        {
            f"{formset.prefix}-TOTAL_FORMS": existing + 1,
            f"{formset.prefix}-INITIAL_FORMS": existing,
            f"{formset.prefix}-{existing}-role": "common_mistake",
            f"{formset.prefix}-{existing}-order": 5,
            f"{formset.prefix}-{existing}-alt_de": "Hohlkreuz",
            f"{formset.prefix}-{existing}-upload": upload("mistake.jpg", photo()),
        }
    )
    for index, row in enumerate(formset.forms):
        data[f"{formset.prefix}-{index}-id"] = row.instance.pk
        data[f"{formset.prefix}-{index}-exercise"] = plank.pk
        for name in ("role", "order", "alt_de", "alt_en", "caption_de", "caption_en"):
            data[f"{formset.prefix}-{index}-{name}"] = getattr(row.instance, name)

    response = admin_client_logged_in.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    added = plank.media.get(role="common_mistake")
    assert (added.width, added.height, added.alt_de) == (1080, 810, "Hohlkreuz")
    assert default_storage.exists(added.file.name)


def test_the_master_drawings_are_registered_for_every_master_exercise():
    drawings = ExerciseMedia.objects.filter(static_path__startswith="programs/exercises/")
    slugs = set(drawings.values_list("exercise__slug", flat=True))

    assert len(slugs) == 7
    assert drawings.count() == 14
    for item in drawings:
        assert item.role in ("start_position", "end_position")
        assert item.alt_de
        assert item.alt_en
        assert item.url == f"/static/{item.static_path}"


# --- the API ------------------------------------------------------------------------------------


def test_exercises_carry_equipment_and_media_with_absolute_urls(client, plank):
    added = add(plank, upload("camera.jpg", photo()), role=MediaRole.COMMON_MISTAKE)

    response = client.get("/api/v1/exercises/", HTTP_ACCEPT_LANGUAGE="en")

    row = next(row for row in response.json()["results"] if row["slug"] == "plank-mtt")
    assert row["equipment"] == plank.equipment_en
    start, end, mistake = row["media"]
    assert start == {
        "kind": "image",
        "role": "start_position",
        "url": "http://testserver/static/programs/exercises/plank-mtt-start.svg",
        "thumbnail_url": "http://testserver/static/programs/exercises/plank-mtt-start.svg",
        "poster_url": "",
        "width": 320,
        "height": 200,
        "alt": plank.media.get(role="start_position").alt_en,
        "caption": "",
    }
    assert end["role"] == "end_position"
    assert mistake["url"] == f"http://testserver/media/{added.file.name}"
    assert mistake["thumbnail_url"] == f"http://testserver/media/{added.thumbnail.name}"
    assert (mistake["width"], mistake["height"], mistake["alt"]) == (1080, 810, "Start")


def test_therapists_see_the_pictures_but_only_the_practice_admin_changes_them(plank):

    from tests.two_factor import login_verified

    therapist = factories.TherapistFactory(
        username="t.media", email="t@example.org", password="pw-long-enough"
    )
    client = login_verified(Client(), therapist)

    response = client.get(reverse("admin:programs_exercise_change", args=[plank.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'src="/static/programs/exercises/plank-mtt-start.svg"' in page
    assert 'type="file"' not in page
    formset = response.context["inline_admin_formsets"][0]
    assert not formset.has_add_permission
    assert not formset.has_delete_permission


def test_each_drawing_names_its_pose_in_german_and_in_english():
    """The drawings' own accessible text is the catalogue's alt text in both languages, one
    ``<title>`` per language (SVG 2 picks the reader's); the pages show them through
    ``<img alt>`` in the reader's language (tests/portal/test_exercise_media.py)."""
    drawings = ExerciseMedia.objects.filter(static_path__startswith="programs/exercises/")
    assert drawings.count() == 14
    svg, xml = "{http://www.w3.org/2000/svg}", "{http://www.w3.org/XML/1998/namespace}"
    for item in drawings:
        path = finders.find(item.static_path)
        root = ElementTree.parse(path).getroot()  # noqa: S314 (the project's own file)
        titles = root.findall(f"{svg}title")
        assert {title.get(f"{xml}lang"): title.text for title in titles} == {
            "de": item.alt_de,
            "en": item.alt_en,
        }, item.static_path
        assert all(title.get("lang") == title.get(f"{xml}lang") for title in titles)
        assert len(titles) == 2
        assert root.get("aria-labelledby") is None


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_admin_preview_reads_the_alt_text_in_the_readers_language(
    admin_client_logged_in, plank, language
):
    start = plank.media.get(role="start_position")
    url = reverse("admin:programs_exercise_change", args=[plank.pk])

    page = admin_client_logged_in.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    alt = {"de": start.alt_de, "en": start.alt_en}
    assert f'src="/static/{start.static_path}" alt="{escape(alt[language])}"' in page
    other = alt["en" if language == "de" else "de"]
    assert f'alt="{escape(other)}"' not in page
