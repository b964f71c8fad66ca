"""The portal as an installable app (mtt/pwa.py, docs/product.md "Installable app and offline
use"): the manifest, the service worker with its list of files to keep, the offline page, and
logout telling the browser to drop what it kept."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from mtt import pwa


def test_manifest_meets_the_install_criteria(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "MTT Rücken"
    assert manifest["start_url"] == "/today/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b5e8a"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


@pytest.mark.parametrize("size", [192, 512])
def test_icons_have_their_declared_size(size):
    for name in (f"pwa/icon-{size}.png", f"pwa/icon-maskable-{size}.png"):
        with Image.open(finders.find(name)) as image:
            assert image.size == (size, size)


def test_the_manifest_follows_the_language(client):
    client.cookies["django_language"] = "en"
    assert json.loads(client.get("/manifest.webmanifest").content)["lang"] == "en"


def test_every_page_links_the_manifest_and_registers_the_worker(client):
    page = client.get(reverse("login")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'data-service-worker="/sw.js"' in page


def test_the_service_worker_is_served_from_the_root_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert 'importScripts("/static/js/outbox.js");' in body
    settings = json.loads(body.split("var SETTINGS = ", 1)[1].split(";\n", 1)[0])
    assert settings["offlinePages"] == ["/today/", "/session/"]
    assert settings["offlineUrl"] == "/offline/"
    precache = settings["precache"]
    for url in (
        "/static/css/app.css",
        "/static/js/portal-session.js",
        "/static/js/outbox.js",
        "/static/pwa/icon-192.png",
        "/static/vendor/chartjs/chart.umd.min.js",
        "/offline/",
    ):
        assert url in precache
    # No source maps, no admin files: only what the portal's pages load.
    assert not [url for url in precache if url.endswith(".map") or "/admin/" in url]


def test_the_worker_keeps_the_content_hashed_names_of_the_static_pipeline(tmp_path, settings):
    """In production (ManifestStaticFilesStorage) the list holds the hashed names, so a new
    release is a new list, a new worker and a fresh cache."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    urls = pwa.precache_urls()
    css = [url for url in urls if url.startswith("/static/css/app.")]
    assert len(css) == 1 and css[0] != "/static/css/app.css" and css[0].endswith(".css")
    assert not [url for url in urls if "/admin/" in url]


def test_the_offline_page_holds_no_personal_data_and_gives_the_emergency_number(client):
    response = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "No connection" in page and 'href="tel:112"' in page
