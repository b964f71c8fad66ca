"""The profile's "Apps signed in to your account": a patient sees their live API tokens and signs
one out with a plain form (no JavaScript, CSRF-checked); another patient's token answers 404."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.portal.conftest import make_patient
from tokens.models import ApiToken
from tokens.services import token_create

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


def revoke_url(token) -> str:
    return f"/accounts/profile/tokens/{token.pk}/revoke/"


def works(secret: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/api/v1/me/today/").status_code == 200


def test_the_profile_lists_the_patients_live_tokens(patient_client, patient, therapist):
    phone, _secret = token_create(user=patient.user)
    tablet, _secret = token_create(user=patient.user, name="Tablet")
    revoked, _secret = token_create(user=patient.user, name="Old phone")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=phone.created_at)
    other = make_patient(therapist, "bernd")
    token_create(user=other.user, name="Bernds Handy")

    page = patient_client.get(PROFILE, HTTP_ACCEPT_LANGUAGE="en").text

    section = page[page.index('id="api-tokens"') :]
    assert "Tablet" in section
    assert "API login" in section  # the login endpoint's token has no name
    assert "Old phone" not in section
    assert "Bernds Handy" not in section
    assert f'action="{revoke_url(phone)}"' in section
    assert f'action="{revoke_url(tablet)}"' in section
    assert section.count('name="csrfmiddlewaretoken"') == 2


def test_signing_an_app_out_revokes_its_token(patient_client, patient):
    row, secret = token_create(user=patient.user, name="Tablet")
    _spare, spare_secret = token_create(user=patient.user)

    response = patient_client.post(revoke_url(row))

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert not works(secret)
    assert works(spare_secret)
    assert "Tablet" not in patient_client.get(PROFILE).text


def test_another_patients_token_answers_404_and_stays(patient_client, therapist):
    other = make_patient(therapist, "bernd")
    row, secret = token_create(user=other.user)

    response = patient_client.post(revoke_url(row))

    assert response.status_code == 404
    assert works(secret)


def test_signing_out_needs_the_csrf_token(patient):
    row, secret = token_create(user=patient.user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient.user)

    response = client.post(revoke_url(row))

    assert response.status_code == 403
    assert works(secret)


def test_without_tokens_the_profile_says_so(patient_client):
    page = patient_client.get(PROFILE, HTTP_ACCEPT_LANGUAGE="en").text

    assert "No app is signed in to your account." in page


def test_the_list_costs_one_query_however_many_tokens(patient_client, patient):
    token_create(user=patient.user)
    patient_client.get(PROFILE)
    with CaptureQueriesContext(connection) as few:
        patient_client.get(PROFILE)
    for number in range(6):
        token_create(user=patient.user, name=f"Gerät {number}")

    with CaptureQueriesContext(connection) as many:
        response = patient_client.get(PROFILE)

    assert response.text.count("/revoke/") == 7
    assert len(many) == len(few)
