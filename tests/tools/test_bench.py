"""``make bench``'s set-up on a small demo practice: the bench is installed only by its settings,
the ceilings live only there, every row answers as the load expects within its query budget,
rows are chosen by name, and ANALYZE gives the planner the statistics of the rows there now."""

import ast
import re
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.urls import Resolver404, resolve

from patients.models import SessionLog
from tokens.models import ApiToken
from tools.bench import database, queries, scenarios
from tools.bench.management.commands.bench import Command

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


def test_the_project_ceiling_view_is_only_in_the_bench_urlconf():
    with pytest.raises(Resolver404):
        resolve("/bench/ceiling/", urlconf="mtt.urls")
    assert resolve("/bench/ceiling/", urlconf="tools.bench.urls").url_name == "bench-ceiling"
    # The product's own URLs are all still there.
    assert resolve("/api/v1/me/today/", urlconf="tools.bench.urls").url_name


def _startproject_middleware() -> list[str]:
    template = Path(django.__file__).parent / "conf/project_template/project_name/settings.py-tpl"
    block = re.search(r"^MIDDLEWARE = (\[.*?\])", template.read_text(), re.M | re.S)
    return ast.literal_eval(block.group(1))


def test_the_one_file_app_is_django_defaults_and_one_indexed_query():
    """The Django ceiling is what ``startproject`` gives plus one query, on the project's own
    database options: the two ceiling rows differ only in the project's stack."""
    answer = queries.count_django_ceiling(scenarios.BY_KEY["django_ceiling"])

    assert answer["status"] == 200
    assert answer["queries"] == 1
    assert re.search(r'FROM "auth_user" WHERE "auth_user"."id" = ', answer["sql"][0])
    assert answer["middleware"] == _startproject_middleware()
    ours = settings.DATABASES["default"]
    assert answer["database"] == {
        "CONN_MAX_AGE": ours["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": ours["CONN_HEALTH_CHECKS"],
        "OPTIONS": ours.get("OPTIONS", {}),
    }
    assert answer["django"] == django.get_version()


def test_every_row_answers_as_the_load_expects_within_its_budget(settings):
    settings.ROOT_URLCONF = "tools.bench.urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    call_command("seed_demo", therapists=2, patients=50, weeks=3, seed=1, verbosity=0)
    sessions_before = SessionLog.objects.count()
    project_rows = tuple(row for row in scenarios.ROWS if row.server == "project")

    credentials = scenarios.prepare()
    try:
        counted = queries.count_queries(credentials, project_rows)
    finally:
        scenarios.cleanup(credentials)

    assert set(counted) == {row.key for row in project_rows}
    assert counted["project_ceiling"]["queries"] == 1
    for row in project_rows:
        if row.query_budget is not None:
            assert counted[row.key]["queries"] <= row.query_budget, (row.key, counted[row.key])
        # Data-size independent: the same count for each of the rotated callers.
        assert len(set(counted[row.key]["counts"])) == 1, (row.key, counted[row.key]["counts"])
    assert len(credentials.lines["token"]) == scenarios.PATIENTS
    assert SessionLog.objects.count() == sessions_before
    assert not ApiToken.objects.filter(pk__in=credentials.token_ids).exists()
    assert not Session.objects.filter(session_key__in=credentials.session_keys).exists()


def test_rows_are_chosen_by_name_and_both_ceilings_always_run():
    def keys(names):
        return [row.key for row in scenarios.select_rows(names)]

    assert keys(["me_today"]) == ["django_ceiling", "project_ceiling", "me_today"]
    # The table's order, whatever the order asked for.
    assert keys(["admin_patient_list", "sessions_post"]) == [
        "django_ceiling",
        "project_ceiling",
        "sessions_post",
        "admin_patient_list",
    ]
    assert keys(["django_ceiling"]) == ["django_ceiling", "project_ceiling"]
    assert (
        keys(None)
        == [row.key for row in scenarios.ROWS]
        == [
            "django_ceiling",
            "project_ceiling",
            "me_today",
            "sessions_list",
            "sessions_post",
            "portal_today",
            "admin_patient_list",
        ]
    )
    with pytest.raises(CommandError, match=r"Unknown row today_page; rows: django_ceiling, "):
        scenarios.select_rows(["me_today", "today_page"])

    parser = Command().create_parser("manage.py", "bench")
    assert parser.parse_args(["--rows", "me_today", "portal_today"]).rows == [
        "me_today",
        "portal_today",
    ]
    assert parser.parse_args(["--only", "me_today"]).rows == ["me_today"]
    assert parser.parse_args([]).rows is None


def test_analyze_gives_the_planner_statistics_of_the_rows_now_there():
    users = get_user_model().objects
    users.bulk_create(get_user_model()(username=f"bench-{n}") for n in range(37))

    database.analyze()

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'auth_user'")
        assert cursor.fetchone()[0] == users.count()
        cursor.execute(
            "SELECT attname FROM pg_stats WHERE tablename = 'auth_user' AND attname = 'username'"
        )
        assert cursor.fetchall() == [("username",)]
