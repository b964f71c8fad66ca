import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        "practice-admin", email="admin@example.org", password="correct horse battery"
    )


@pytest.fixture
def admin_client_logged_in(client, superuser):
    """The admin in English, so assertions on messages read the source strings."""
    client.force_login(superuser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
