"""``make bench``'s set-up on a small demo practice: the ceiling lives only in the bench URLconf,
every row answers with the status the load expects within its query budget, and the run's
credentials and posted sessions are gone afterwards."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command, get_commands
from django.test import override_settings
from django.urls import Resolver404, resolve

from mtt.tokens.models import ApiToken
from patients.models import SessionLog
from tools.bench import queries, scenarios

pytestmark = pytest.mark.django_db


def test_the_bench_is_installed_only_by_the_bench_settings():
    """``manage.py bench`` exists under ``mtt.settings_bench`` and not in the product."""
    from mtt import settings_bench

    assert "tools.bench" not in settings.INSTALLED_APPS
    assert "bench" not in get_commands()
    assert "tools.bench" in settings_bench.INSTALLED_APPS
    assert settings_bench.ROOT_URLCONF == "tools.bench.urls"
    with override_settings(INSTALLED_APPS=settings_bench.INSTALLED_APPS):
        get_commands.cache_clear()
        try:
            assert get_commands()["bench"] == "tools.bench"
        finally:
            get_commands.cache_clear()


def test_the_ceiling_view_is_only_in_the_bench_urlconf():
    with pytest.raises(Resolver404):
        resolve("/bench/ceiling/", urlconf="mtt.urls")
    assert resolve("/bench/ceiling/", urlconf="tools.bench.urls").url_name == "bench-ceiling"
    # The product's own URLs are all still there.
    assert resolve("/api/v1/me/today/", urlconf="tools.bench.urls").url_name


def test_every_row_answers_as_the_load_expects_within_its_budget(settings):
    settings.ROOT_URLCONF = "tools.bench.urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    call_command("seed_demo", therapists=2, patients=50, weeks=3, seed=1, verbosity=0)
    sessions_before = SessionLog.objects.count()

    credentials = scenarios.prepare()
    try:
        counted = queries.count_queries(credentials)
    finally:
        scenarios.cleanup(credentials)

    assert set(counted) == {row.key for row in scenarios.ROWS}
    for row in scenarios.ROWS:
        if row.query_budget is not None:
            assert counted[row.key]["queries"] <= row.query_budget, (row.key, counted[row.key])
        # Data-size independent: the same count for each of the rotated callers.
        assert len(set(counted[row.key]["counts"])) == 1, (row.key, counted[row.key]["counts"])
    assert len(credentials.lines["token"]) == scenarios.PATIENTS
    assert SessionLog.objects.count() == sessions_before
    assert not ApiToken.objects.filter(pk__in=credentials.token_ids).exists()
    assert not Session.objects.filter(session_key__in=credentials.session_keys).exists()
