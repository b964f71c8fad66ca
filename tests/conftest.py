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


# --- the Celery broker (Redis in `make test`) is left as it was found ----------------------------
# Tests that send tasks without a worker (``.delay()`` on commit, the urgent path) leave messages
# in the default and urgent queues, and kombu keeps records of the queues it declared; the worker
# tests delete their own queues (tests/reminders/test_worker.py). At the very end of the run (in
# the pytest-xdist controller, after every worker is done) this deletes what the main queues left:
# keys of Celery's names that were not there when the run started.
def _is_controller(config) -> bool:
    return not hasattr(config, "workerinput")


def _broker():
    from django.conf import settings

    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        return None
    import redis

    return redis.Redis.from_url(url)


def _celery_keys(broker) -> set[bytes]:
    from django.conf import settings

    names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    keys = set()
    for name in names:
        keys.add(name.encode())
        for priority in range(1, 10):  # kombu's Redis priority queues: "<name>\x06\x16<n>"
            keys.add(f"{name}\x06\x16{priority}".encode())
        keys.add(f"_kombu.binding.{name}".encode())
        keys.add(f"_kombu.binding_permanent.{name}".encode())
    keys.update((b"unacked", b"unacked_index", b"unacked_mutex", b"_kombu.binding_deadlines"))
    return {key for key in keys if broker.exists(key)}


def pytest_sessionstart(session):
    if _is_controller(session.config) and (broker := _broker()) is not None:
        import redis

        try:
            session.config.stash[_BROKER_KEYS_BEFORE] = _celery_keys(broker)
        except redis.ConnectionError:  # no Redis, nothing to clean: the tests that need it say so
            session.config.stash[_BROKER_KEYS_BEFORE] = None


def pytest_sessionfinish(session, exitstatus):
    before = session.config.stash.get(_BROKER_KEYS_BEFORE, None)
    if not _is_controller(session.config) or before is None:
        return
    broker = _broker()
    left = _celery_keys(broker) - before
    if left:
        broker.delete(*left)


_BROKER_KEYS_BEFORE = pytest.StashKey[set[bytes] | None]()


@pytest.fixture
def push_service(settings):
    """A local push service (tests/push_service.py) and VAPID keys of this test's own; http to
    the loopback address is allowed as in development."""
    from reminders.push import generate_keys
    from tests.push_service import PushService

    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = generate_keys()
    settings.VAPID_SUBJECT = "mailto:praxis@example.org"
    settings.PUSH_ALLOW_LOOPBACK_HTTP = True
    service = PushService()
    yield service
    service.close()


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


# --- browser tests stay in tests/browser -------------------------------------------------------
def stray_browser_tests(items) -> list[str]:
    """Tests outside tests/browser that Playwright parametrizes: a test argument named like one
    of its fixtures ("page", "browser") makes a test a browser test. pytest then moves it, and
    every test of that browser, among the other browser tests, whose flushed database fails the
    ordinary tests that follow on the same worker."""
    return [
        item.nodeid
        for item in items
        if "browser_name" in getattr(getattr(item, "callspec", None), "params", ())
        and not item.nodeid.startswith("tests/browser/")
    ]


def pytest_collection_modifyitems(config, items):
    if strays := stray_browser_tests(items):
        raise pytest.UsageError(
            "tests outside tests/browser use a Playwright fixture name (rename the argument): "
            + ", ".join(strays[:5])
        )
