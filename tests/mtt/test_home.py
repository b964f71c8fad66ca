import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_shows_the_programme_phases_and_the_disclaimer(client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de")

    page = response.content.decode()
    assert response.status_code == 200
    assert "MASTER-Programm Rücken" in page
    assert "Elastizität und Belastungsspitzen" in page
    assert 'lang="de"' in page
    assert "ersetzt keine" in page or "does not replace medical advice" in page


def test_home_in_english(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert 'lang="en"' in page
    assert "does not replace medical advice" in page


def test_pages_carry_a_content_security_policy(client):
    response = client.get(reverse("home"))

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
