"""``make bench``'s set-up and rules, without load: the bench is installed only by its settings, the
ceilings live only there, every row answers as the load expects within its query budget, rows are
chosen by name, the tables are analysed before measuring, a busy machine's numbers are not
published, and the table shows what was measured. No test here times anything."""

import ast
import io
import json
import re
from contextlib import contextmanager
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

from mtt.tokens.models import ApiToken
from patients.models import SessionLog
from tools.bench import database, load, queries, reminders, report, scenarios
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


def _conditions(**changes) -> report.Conditions:
    values = {
        "idle_load": 0.5,
        "start_load": 0.3,
        "waited": 20,
        "loads": (0.3, 1.8, 2.4, 2.5),
        "busy_load": 3.5,
        "ceiling_rps": (1500.0, 1420.0, 1480.0),
        "min_ceiling_fraction": 0.8,
    }
    return report.Conditions(**{**values, **changes})


def test_a_busy_machine_is_recognised_and_said_why():
    assert report.busy_reasons(_conditions()) == []
    assert report.default_busy_load(2) == 3.5

    (reason,) = report.busy_reasons(_conditions(start_load=1.2, waited=600))
    assert reason == (
        "the 1-minute load was 1.20 when measuring began, after waiting 600 s for it to fall "
        "below 0.50"
    )
    (reason,) = report.busy_reasons(_conditions(loads=(0.3, 2.0, 6.4, 5.0)))
    assert (
        reason == "the 1-minute load reached 6.40 during the run (the bench alone stays below 3.50)"
    )
    (reason,) = report.busy_reasons(_conditions(ceiling_rps=(1500.0, 1100.0, 1490.0)))
    assert reason == (
        "the Django ceiling fell to 73% of its best measurement (1100 of 1500 req/s; each of "
        "its 3 measurements must reach 80%)"
    )
    (reason,) = report.busy_reasons(_conditions(reminder_load=0.9))
    assert reason == (
        "the reminder selection was timed at a 1-minute load of 0.90 (idle means below 0.50)"
    )
    assert report.busy_reasons(_conditions(reminder_load=0.2)) == []
    assert len(report.busy_reasons(_conditions(start_load=2, loads=(9.0,)))) == 2


def _measurement(rps, *, p99=20.0, start=0.4, end=2.1, bad=0) -> load.Measurement:
    return load.Measurement(
        requests=int(rps * 15),
        seconds=15.0,
        rps=rps,
        p50_ms=round(4000 / rps, 1),
        p99_ms=p99,
        bad=bad,
        errors=0,
        first_bad="",
        load=start,
        load_end=end,
    )


def test_the_table_shows_both_ceilings_latencies_loads_and_verdicts():
    rows = scenarios.select_rows(["me_today", "sessions_list"])
    best = {
        "django_ceiling": _measurement(1600.0, p99=4.2, start=0.31, end=1.9),
        "project_ceiling": _measurement(1200.0),
        "me_today": _measurement(720.0, p99=12.5),  # 45 %, p99 in time: met
        "sessions_list": _measurement(560.0, p99=61.0),  # 35 % but p99 too high: not met
    }
    counted = {"django_ceiling": {"queries": 1}, "project_ceiling": {"queries": 1}}
    counted |= {"me_today": {"queries": 4}, "sessions_list": {"queries": 3}}

    table = report.rows(rows, best, counted)
    text = report.text_table(table).splitlines()
    markdown = report.markdown(
        table=table,
        reminders=None,
        settings_text="Servers: …",
        command="make bench",
        notes=[],
        conditions=_conditions(),
        memory={"project": [96.4, 101.2], "django": [38.0, 38.5]},
    )

    assert [entry["share"] for entry in table] == [1.0, 0.75, 0.45, 0.35]
    assert [entry["met"] for entry in table][2:] == [True, False]
    assert text[1].startswith("Django's default middleware, one indexed query (one-file app")
    assert "1600.0" in text[1] and "100%" in text[1] and "0.31 → 1.90" in text[1]
    assert "this project's middleware, one indexed query" in text[2] and " 75%" in text[2]
    assert text[3].split()[-1] == "yes" and text[4].split()[-1] == "no"
    assert (
        "| Django's default middleware, one indexed query (one-file app; the ceiling) "
        "| 1600.0 | 2.5 | 4.2 | 100% | 1 | 0.31 → 1.90 | — | — |"
    ) in markdown
    assert (
        "| GET /api/v1/me/today/ | 720.0 | 5.6 | 12.5 | 45% | 4 | 0.40 → 2.10 "
        "| ≥ 40%, p99 ≤ 50 ms, ≤ 6 q | yes |"
    ) in markdown
    assert "| 35% | 3 | 0.40 → 2.10 | ≥ 30%, p99 ≤ 50 ms, ≤ 4 q | no |" in markdown
    assert (
        "Memory per worker after the run (RSS): this project 96, 101 MB (target ≤ 150 MB: met); "
        "the one-file Django app 38, 38 MB."
    ) in markdown
    assert (
        "Machine during the run: 1-minute load 0.30 when measuring began (waited 20 s for "
        "< 0.50), at most 2.50 during the run (limit 3.50); the lowest of the Django ceiling's "
        "3 measurements at 95% of the best (at least 80% required)."
    ) in markdown
    assert "Not published" not in markdown
    assert "Not published: the machine was busy** — it was loud." in report.markdown(
        table=table,
        reminders=None,
        settings_text="",
        command="make bench",
        notes=[],
        conditions=_conditions(),
        memory={"project": [160.0]},
        busy=["it was loud"],
    )
    assert "this project 160 MB (target ≤ 150 MB: not met)" in report.memory_line(
        {"project": [160.0]}
    )


class FakeLoad:
    """Stands in for gunicorn and wrk: records what the command measures, and in which order
    relative to ANALYZE; every Django ceiling measurement but the first gets ``ceiling_later``
    requests per second."""

    def __init__(self, monkeypatch, *, ceiling_later=1500.0):
        self.events: list[str] = []
        self.ceiling_later = ceiling_later
        real_analyze = database.analyze

        def analyze():
            self.events.append("ANALYZE")
            return real_analyze()

        @contextmanager
        def gunicorn(*, name, app, port, log_dir, settings_module):
            self.events.append(f"start {name} {app} {settings_module}")
            yield load.Server(name=name, port={"django": 1, "project": 2}[name], pid=7, command=[])

        monkeypatch.setattr(database, "analyze", analyze)
        monkeypatch.setattr(load, "gunicorn", gunicorn)
        monkeypatch.setattr(load, "warm_up", lambda **kwargs: None)
        monkeypatch.setattr(load, "wait_until_idle", lambda **kwargs: (0.2, 0.0))
        monkeypatch.setattr(load, "wrk", self.wrk)
        monkeypatch.setattr(load, "worker_rss_mb", lambda pid: [90.0, 92.0])
        monkeypatch.setattr(scenarios, "check_scale_data", lambda **kwargs: None)
        monkeypatch.setattr(scenarios, "prepare", self.prepare)
        monkeypatch.setattr(scenarios, "cleanup", lambda credentials: None)
        monkeypatch.setattr(
            queries,
            "count_queries",
            lambda credentials, rows: {row.key: {"queries": 1, "counts": [1]} for row in rows},
        )

    def prepare(self):
        credentials = scenarios.Credentials()
        credentials.lines = {
            "token": ["Authorization: Bearer t"],
            "post": ["t\t{}"],
            "patient-cookie": ["Cookie: s=1"],
            "admin-cookie": ["Cookie: s=2"],
        }
        return credentials

    def wrk(self, *, port, row, data, run_id, seconds, connections):
        self.events.append(f"{row.key}@{port}")
        rps = 1500.0
        if row.key == "django_ceiling" and self.events.count("django_ceiling@1") > 1:
            rps = self.ceiling_later
        return _measurement(rps, p99=10.0)


def _bench(tmp_path, *args):
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"old table\n\n{report.ANALYSIS_MARKER}\n\n## Analysis kept\n")
    out = io.StringIO()
    error = None
    try:
        call_command(
            Command(),
            *args,
            stdout=out,
            output=str(docs),
            out_dir=str(tmp_path / "var"),
            idle_timeout=0,
            seconds=1,
        )
    except CommandError as raised:
        error = raised
    scratch = (tmp_path / "var" / "benchmarks.md").read_text()
    return docs.read_text(), scratch, out.getvalue().splitlines(), error


@pytest.fixture
def bench_settings(settings):
    settings.ROOT_URLCONF = "tools.bench.urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]


def test_one_row_runs_with_both_ceilings_after_analyze_and_leaves_the_docs_alone(
    bench_settings, monkeypatch, tmp_path
):
    fake = FakeLoad(monkeypatch)

    docs, scratch, out, error = _bench(tmp_path, "--rows", "me_today", "--rounds", "1")

    assert error is None
    assert fake.events == [
        "ANALYZE",
        "start django tools.bench.django_ceiling:application None",
        "start project mtt.wsgi mtt.settings_bench",
        "django_ceiling@1",
        "project_ceiling@2",
        "me_today@2",
        "django_ceiling@1",  # once more at the end
    ]
    assert docs.startswith("old table")
    assert "| GET /api/v1/me/today/ | 1500.0 |" in scratch
    assert "/api/v1/sessions/" not in scratch
    assert any("Some rows only (--rows)" in line for line in out)


def test_a_busy_run_is_not_published_and_says_why(bench_settings, monkeypatch, tmp_path):
    FakeLoad(monkeypatch, ceiling_later=900.0)

    docs, scratch, out, error = _bench(tmp_path)

    assert str(error) == "The machine was busy; the numbers were not published (see above)."
    assert docs.startswith("old table")
    assert "**Not published: the machine was busy** — the Django ceiling fell to 60%" in scratch
    assert any(
        line.startswith("The machine was busy: the Django ceiling fell to 60%") for line in out
    )


def test_a_quiet_full_run_rewrites_the_table_and_keeps_the_analysis(
    bench_settings, monkeypatch, tmp_path
):
    fake = FakeLoad(monkeypatch)

    docs, scratch, out, error = _bench(tmp_path)

    assert error is None
    assert fake.events.count("django_ceiling@1") == 3  # two rounds and the closing one
    assert docs.startswith("# Benchmarks")
    assert docs.endswith(f"{report.ANALYSIS_MARKER}\n\n## Analysis kept\n")
    assert "| GET /admin/patients/patient/ (therapist with 200 patients) | 1500.0 |" in docs
    assert "Memory per worker after the run (RSS): this project 90, 92 MB" in docs
    assert scratch in docs
    assert any(line == f"wrote {tmp_path / 'benchmarks.md'}" for line in out)


def test_worker_memory_is_read_from_the_masters_children(tmp_path):
    for pid, ppid, rss in ((10, 7, 102400), (11, 7, 98304), (12, 3, 5000), (7, 1, 20000)):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "status").write_text(
            f"Name:\tgunicorn\nPPid:\t{ppid}\nVmRSS:\t  {rss} kB\n"
        )
    (tmp_path / "self").mkdir()

    assert load.worker_rss_mb(7, proc=tmp_path) == [96.0, 100.0]


def test_the_reminder_part_analyzes_before_timing(monkeypatch, tmp_path):
    fake = FakeLoad(monkeypatch)
    monkeypatch.setattr(
        reminders, "measure", lambda: fake.events.append("measure") or _REMINDER_RESULT.copy()
    )

    call_command(
        Command(), part="reminders", out_dir=str(tmp_path), idle_timeout=0, stdout=io.StringIO()
    )

    assert fake.events == ["ANALYZE", "measure"]
    assert json.loads((tmp_path / "reminders.json").read_text())["load"] == 0.2


_REMINDER_RESULT = {
    "patients": 100,
    "day": "2026-12-03",
    "windows": {
        name: {
            "start": "2026-12-03T17:45:00+01:00",
            "end": "2026-12-03T18:00:00+01:00",
            "seconds": 0.1,
            "per_10k": 0.01,
            "queries": 3,
            "selected": 10,
        }
        for name in ("beat", "catch_up")
    },
    "write": {"rows": 10, "seconds": 0.01, "queries": 1, "seconds_per_100k": 0.1},
}
