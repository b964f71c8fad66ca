"""``GET /api/v1/`` lists the API's resources (DRF's API root), every route registered under
/api/v1/ without an argument, including ones added later; ``/favicon.ico`` is served."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import include, path
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from mtt.urls import urlpatterns as site_urlpatterns
from patients.api.urls import router as patients_router
from programs.api.urls import router as programs_router

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_api_root_lists_every_resource_as_an_absolute_url():
    response = Client().get("/api/v1/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    resources = response.json()
    prefixes = [
        prefix
        for router in (programs_router, patients_router)
        for prefix, *_ in router.registry
        if "(?P" not in prefix  # nested under an object, reached from it (items of an assignment)
    ]
    for prefix in prefixes:
        assert resources[prefix] == f"http://testserver/api/v1/{prefix}/"
    for fixed in ("me/today", "me/profile", "me/export", "me/consent", "auth/token"):
        assert resources[fixed] == f"http://testserver/api/v1/{fixed}/"
    # Objects are reached from their lists: no URL with a placeholder.
    assert not [url for url in resources.values() if "{" in url or "(?P" in url]
    assert "" not in resources


@pytest.mark.django_db
def test_the_browsable_root_is_not_needed_for_json_clients():
    response = Client().get("/api/v1/", HTTP_ACCEPT="application/json")

    assert response.json()["exercises"] == "http://testserver/api/v1/exercises/"


class WidgetViewSet(viewsets.ViewSet):
    def list(self, request):
        return Response([])

    def retrieve(self, request, pk=None):
        return Response({})


extra = SimpleRouter()
extra.register("widgets", WidgetViewSet, basename="widget")
# This module is also a URLconf: the site's, plus a route registered by "another app".
urlpatterns = [*site_urlpatterns, path("api/v1/", include(extra.urls))]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_route_registered_later_appears_without_further_code():
    resources = Client().get("/api/v1/").json()

    assert resources["widgets"] == "http://testserver/api/v1/widgets/"
    assert resources["exercises"] == "http://testserver/api/v1/exercises/"


@pytest.mark.django_db
def test_the_favicon_is_served():
    response = Client().get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age=604800" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert int.from_bytes(body[4:6], "little") == 3  # 16, 32 and 48 pixels
    assert Client().head("/favicon.ico").status_code == 200
    assert Client().post("/favicon.ico").status_code == 405


@pytest.mark.django_db
def test_the_pages_link_the_svg_icon():
    svg = ET.parse(ROOT / "static" / "favicon.svg").getroot()  # noqa: S314 - our own file
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.get("viewBox") == "0 0 64 64"

    page = Client().get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
