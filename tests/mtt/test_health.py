import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_broker(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_stays_up_but_degraded_without_broker(client, settings):
    from mtt.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get(reverse("health"))
    finally:
        app.conf.broker_url = original

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "error"}


def test_health_answers_503_without_database(client, monkeypatch):
    from mtt import views

    monkeypatch.setattr(views, "_database_ok", lambda: False)

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_health_rejects_writes(client):
    assert client.post(reverse("health")).status_code == 405
