"""What ``make bench`` prints and writes, from made-up measurements: both ceilings, latencies,
loads, verdicts and memory, and the rules that call a machine busy. No test here times
anything."""

import pytest

from tests.tools.bench_doubles import measurement
from tools.bench import load, report, scenarios


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


@pytest.mark.django_db  # the page names the PostgreSQL version
def test_the_table_shows_both_ceilings_latencies_loads_and_verdicts():
    rows = scenarios.select_rows(["me_today", "sessions_list"])
    best = {
        "django_ceiling": measurement(1600.0, p99=4.2, start=0.31, end=1.9),
        "project_ceiling": measurement(1200.0),
        "me_today": measurement(720.0, p99=12.5),  # 45 %, p99 in time: met
        "sessions_list": measurement(560.0, p99=61.0),  # 35 % but p99 too high: not met
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
    assert "1600.0" in text[1] and "100.0%" in text[1] and "0.31 → 1.90" in text[1]
    assert "this project's middleware, one indexed query" in text[2] and " 75.0%" in text[2]
    assert text[3].split()[-1] == "yes" and text[4].split()[-1] == "no"
    assert (
        "| Django's default middleware, one indexed query (one-file app; the ceiling) "
        "| 1600.0 | 2.5 | 4.2 | 100.0% | 1 | 0.31 → 1.90 | — | — |"
    ) in markdown
    assert (
        "| GET /api/v1/me/today/ | 720.0 | 5.6 | 12.5 | 45.0% | 4 | 0.40 → 2.10 "
        "| ≥ 40%, p99 ≤ 50 ms, ≤ 6 q | yes |"
    ) in markdown
    assert "| 35.0% | 3 | 0.40 → 2.10 | ≥ 30%, p99 ≤ 50 ms, ≤ 4 q | no |" in markdown
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


def test_worker_memory_is_read_from_the_masters_children(tmp_path):
    for pid, ppid, rss in ((10, 7, 102400), (11, 7, 98304), (12, 3, 5000), (7, 1, 20000)):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "status").write_text(
            f"Name:\tgunicorn\nPPid:\t{ppid}\nVmRSS:\t  {rss} kB\n"
        )
    (tmp_path / "self").mkdir()

    assert load.worker_rss_mb(7, proc=tmp_path) == [96.0, 100.0]
