"""``manage.py bench`` with gunicorn and wrk replaced (tests/tools/bench_doubles.py): which rows
run and in which order, ANALYZE first, and when docs/benchmarks.md is rewritten or left alone."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.tools.bench_doubles import REMINDER_RESULT, FakeLoad
from tools.bench import reminders, report
from tools.bench.management.commands.bench import Command

pytestmark = pytest.mark.django_db


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


def test_the_reminder_part_analyzes_before_timing(monkeypatch, tmp_path):
    fake = FakeLoad(monkeypatch)
    monkeypatch.setattr(
        reminders, "measure", lambda: fake.events.append("measure") or REMINDER_RESULT.copy()
    )

    call_command(
        Command(), part="reminders", out_dir=str(tmp_path), idle_timeout=0, stdout=io.StringIO()
    )

    assert fake.events == ["ANALYZE", "measure"]
    assert json.loads((tmp_path / "reminders.json").read_text())["load"] == 0.2
