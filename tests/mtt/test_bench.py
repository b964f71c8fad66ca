"""``make bench``'s set-up on a small demo practice: the ceiling lives only in the bench URLconf,
every row answers with the status the load expects within its query budget, and the run's
credentials and posted sessions are gone afterwards."""

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import Resolver404, resolve

from mtt.bench import queries, scenarios
from patients.models import SessionLog
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db


def test_the_ceiling_view_is_only_in_the_bench_urlconf():
    with pytest.raises(Resolver404):
        resolve("/bench/ceiling/", urlconf="mtt.urls")
    assert resolve("/bench/ceiling/", urlconf="mtt.urls_bench").url_name == "bench-ceiling"
    # The product's own URLs are all still there.
    assert resolve("/api/v1/me/today/", urlconf="mtt.urls_bench").url_name


def test_every_row_answers_as_the_load_expects_within_its_budget(settings):
    settings.ROOT_URLCONF = "mtt.urls_bench"
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
