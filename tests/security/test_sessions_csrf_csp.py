"""Sessions, CSRF on the logins, password rules and the Content Security Policy."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client

from tests.api.conftest import assign
from tests.security.conftest import PASSWORD
from tests.two_factor import login_verified

ROOT = Path(__file__).resolve().parents[2]


def anonymous_session(client) -> str:
    session = client.session
    session["visited"] = True
    session.save()
    return session.session_key


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_login_gives_a_new_session_key(therapist, url):
    client = Client()
    before = anonymous_session(client)

    response = client.post(url, {"username": "t.weber", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


@pytest.mark.django_db
def test_logout_ends_the_session(patient):
    client = Client()
    client.force_login(patient.user)
    key = client.session.session_key

    client.post("/accounts/logout/")

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/today/").status_code == 302


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_login_without_csrf_token_is_refused(therapist, url):
    client = Client(enforce_csrf_checks=True)
    credentials = {"username": "t.weber", "password": PASSWORD}

    refused = client.post(url, credentials)
    client.get(url)  # the form sets the CSRF cookie
    accepted = client.post(
        url, {**credentials, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    ["kurz1234", "12345678901234", "password123", "qwertyuiop", "t.weber.2024"],
)
def test_weak_passwords_are_refused(therapist, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=therapist)


@pytest.mark.django_db
def test_a_long_unusual_password_is_accepted(therapist):
    assert validate_password("Rückenwind-im-Frühling-42", user=therapist) is None


def test_password_rules_are_the_sensible_four():
    names = [rule["NAME"].rsplit(".", 1)[1] for rule in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] >= 10


def _nonce(response) -> str:
    match = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert match, response["Content-Security-Policy"]
    return match[1]


@pytest.mark.django_db
def test_admin_pages_send_a_nonce_and_use_it_for_their_scripts(superuser):
    client = login_verified(Client(), superuser)

    response = client.get("/admin/")

    nonce = _nonce(response)
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
    assert _nonce(client.get("/admin/")) != nonce  # a fresh one per response


@pytest.mark.django_db
def test_portal_scripts_carry_the_nonce_of_the_response(patient):
    assign(patient, phase=2)
    client = Client()
    client.force_login(patient.user)

    response = client.get("/session/")

    nonce = _nonce(response)
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    executable = [tag for tag in scripts if 'type="application/json"' not in tag]
    assert executable
    assert all(f'nonce="{nonce}"' in tag for tag in executable), executable


def _project_templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        if ".venv" not in folder.parts:
            yield from folder.rglob("*.html")


def test_templates_have_no_inline_script_without_nonce_and_no_inline_handlers():
    templates = list(_project_templates())
    assert len(templates) > 20
    problems = []
    for path in templates:
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if "csp_nonce" not in tag:
                problems.append(f"{path.relative_to(ROOT)}: {tag} has no nonce")
        for handler in re.findall(r"<[^>]*\son[a-z]+\s*=", text, flags=re.IGNORECASE):
            problems.append(f"{path.relative_to(ROOT)}: inline event handler in {handler}")
        if re.search(r"""href\s*=\s*["']\s*javascript:""", text, flags=re.IGNORECASE):
            problems.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert not problems, "\n".join(problems)


def test_the_policy_allows_no_inline_script():
    assert "'unsafe-inline'" not in settings.SECURE_CSP["script-src"]
    assert "'unsafe-eval'" not in settings.SECURE_CSP["script-src"]
    assert settings.SECURE_CSP["object-src"] == ["'none'"]
