"""Every error under /api/ answers JSON — 404, 405, 413, 500 and a database outage as 503 —
while the rest of the site keeps its HTML pages (docs/api.md "Errors")."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory
from django.utils import translation

from api import errors
from tests.api.conftest import bearer_client

ROOT = Path(__file__).resolve().parents[2]
SERVER_ERROR = "A server error occurred. It has been logged; please try later."


@pytest.fixture
def faulty_urls(settings):
    """The project's URLs and error handlers plus views that fail (tests/api/urls_errors.py)."""
    settings.ROOT_URLCONF = "tests.api.urls_errors"


@pytest.fixture
def client():
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")


def is_html(response) -> bool:
    return response["Content-Type"].startswith("text/html")


def test_an_unknown_api_url_answers_json_and_a_page_url_html(db, client):
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert is_html(page)


def test_a_method_the_resource_lacks_answers_405_json(world):
    response = bearer_client(world.therapist).delete("/api/v1/patients/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert "GET" in response["Allow"]
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").put("/api/v1/auth/token/")
    assert anonymous.status_code in (401, 405)
    assert anonymous["Content-Type"] == "application/json"


def test_an_unexpected_exception_answers_500_json_logged_without_its_message(
    db, faulty_urls, client, caplog
):
    with caplog.at_level(logging.INFO):
        response = client.get("/api/test/boom/?search=Mustermann")
    assert response.status_code == 500
    assert response.json() == {"detail": SERVER_ERROR}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Boom" in logged  # the exception type and where it was raised
    assert "urls_errors.py" in logged
    assert "Mustermann" not in logged  # not its message, not the query string
    assert all(record.exc_info is None for record in caplog.records if "Boom" in record.msg)


def test_outside_the_api_a_500_stays_the_html_page(db, faulty_urls, client):
    response = client.get("/test/boom/")
    assert response.status_code == 500
    assert is_html(response)


def test_a_database_error_in_a_view_answers_503_json(db, faulty_urls, client):
    response = client.get("/api/test/database/")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("The service is unavailable for a moment.")
    assert response["Retry-After"] == "30"
    page = client.get("/test/database/")
    assert page.status_code == 500
    assert is_html(page)


def test_a_body_django_finds_too_large_answers_413_json_under_the_api(
    db, faulty_urls, client, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = "x" * 1000
    api = client.post("/api/test/body/", body, content_type="text/plain")
    assert api.status_code == 413
    assert api.json() == {"detail": "The request body is too large."}
    page = client.post("/test/body/", body, content_type="text/plain")
    assert page.status_code == 400
    assert is_html(page)


def test_a_disallowed_host_answers_400_json_under_the_api(db, client):
    api = client.get("/api/v1/patients/", HTTP_HOST="attacker.example")
    assert api.status_code == 400
    assert api.json() == {"detail": "Bad request."}
    page = client.get("/today/", HTTP_HOST="attacker.example")
    assert page.status_code == 400
    assert is_html(page)


def test_an_html_error_from_elsewhere_becomes_json_under_the_api(db, faulty_urls, client):
    response = client.get("/api/test/html/")
    assert response.status_code == 418
    assert response.json() == {"detail": "I'm a Teapot"}


def probe(database_url: str, requests: list, *, setup: bool = False) -> list[dict]:
    """Runs tests/api/probe.py in a process of its own against ``database_url``."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "mtt.settings_test",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.api.probe"],
        input=json.dumps({"setup": setup, "requests": requests}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout)


def test_a_database_outage_answers_503_json_under_the_api_only():
    """A real outage: nothing listens on the database port the process is given."""
    answers = probe(
        "postgres://postgres@127.0.0.1:9/mtt_unreachable",
        [
            ["get", "/api/v1/patients/", None],
            ["post", "/api/v1/auth/token/", {"username": "anna", "password": "x"}],
        ],
    )
    for answer in answers:
        assert answer["status"] == 503
        assert answer["content_type"] == "application/json"
        assert answer["body"]["detail"].startswith("The service is unavailable for a moment.")


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_500_handler_answers_a_database_outage_as_503_under_the_api(error):
    """``handler500`` runs for exceptions outside the views too (a middleware reaching the
    database); Django calls it while the exception is being handled."""
    factory = RequestFactory()
    try:
        raise error("could not connect to server")
    except error:
        with translation.override("en"):
            api = errors.server_error(factory.get("/api/v1/me/today/"))
            page = errors.server_error(factory.get("/today/"))
    assert api.status_code == 503
    assert json.loads(api.content)["detail"].startswith("The service is unavailable")
    assert api["Retry-After"] == "30"
    assert page.status_code == 500
    assert is_html(page)


def test_the_500_handler_answers_json_under_the_api_without_the_message():
    try:
        raise RuntimeError("Mustermann")
    except RuntimeError:
        with translation.override("en"):
            response = errors.server_error(RequestFactory().get("/api/v1/patients/"))
    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": SERVER_ERROR}
