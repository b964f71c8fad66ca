import pytest
from django.contrib.auth import get_user_model

from tests.two_factor import login_verified


@pytest.fixture(scope="session", autouse=True)
def _cache_keys_removed_at_the_end():
    """The shared cache (Redis in `make test`) keeps no keys of this run: the test settings give
    each process its own key prefix, and clear() deletes only that prefix (mtt/cache.py)."""
    yield
    from django.core.cache import caches

    from mtt.cache import RedisCache

    if isinstance(caches["default"], RedisCache):
        caches["default"].clear()


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        "practice-admin", email="admin@example.org", password="correct horse battery"
    )


@pytest.fixture
def admin_client_logged_in(client, superuser):
    """The admin in English, so assertions on messages read the source strings; the second
    factor is verified, as the admin requires."""
    login_verified(client, superuser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# --- serialized_rollback under Playwright -----------------------------------------------------
# Django keeps database connections in a thread-critical asgiref Local: plain thread-local storage
# while no event loop runs, a context variable while one does. Playwright's sync API marks its loop
# as running in the test thread between calls, so once a browser test has started, later tests see
# other connection objects, without the serialized copy of the migrated data that
# ``serialized_rollback`` restores after a flush: the catalogue, groups and questionnaires would
# be gone for every transactional test that follows. Hand the copy to whichever object is current.
_serialized_contents: dict[str, str] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            _serialized_contents[alias] = contents


def _share_serialized_contents() -> None:
    if not _serialized_contents:
        return
    from django.db import connections

    for alias, contents in _serialized_contents.items():
        if not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = contents


# Before fixtures are set up and before they are torn down (the flush): Playwright may have
# started its loop in between, which switches the connection objects.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _share_serialized_contents()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    _share_serialized_contents()
