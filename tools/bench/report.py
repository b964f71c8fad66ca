"""The table ``make bench`` prints and ``docs/benchmarks.md``. The file is rewritten above the
``ANALYSIS_MARKER`` line on every run; what is below it (the hand-written analysis) is kept."""

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import django
from django.db import connection

ANALYSIS_MARKER = "<!-- Everything below this line is kept when make bench rewrites the file. -->"


def machine() -> dict[str, str]:
    model = ""
    with open("/proc/cpuinfo") as stream:
        for line in stream:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with open("/proc/meminfo") as stream:
        for line in stream:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU": model or platform.processor(),
        "RAM": memory,
        "OS": f"{platform.system()} {platform.release()}",
    }


def versions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    try:
        answer = subprocess.run(["wrk", "-v"], capture_output=True, text=True)  # noqa: S607
        wrk = answer.stdout.split()[1]
    except (OSError, IndexError):
        wrk = "?"
    return {
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "PostgreSQL": postgres,
        "gunicorn": metadata.version("gunicorn"),
        "psycopg": metadata.version("psycopg"),
        "wrk": wrk,
    }


def rows(measured_rows, best: dict, queries: dict) -> list[dict]:
    """One dict per row: measured numbers, share of the ceiling, targets and verdicts."""
    ceiling = best["ceiling"].rps
    table = []
    for row in measured_rows:
        measurement = best[row.key]
        share = measurement.rps / ceiling if ceiling else 0.0
        count = queries[row.key]["queries"]
        share_ok = row.share_target is None or share >= row.share_target
        queries_ok = row.query_budget is None or count <= row.query_budget
        failed = measurement.bad or measurement.errors
        table.append(
            {
                "row": row,
                "m": measurement,
                "share": share,
                "queries": count,
                "met": not failed and share_ok and queries_ok,
                "failed": failed,
            }
        )
    return table


def _target(row) -> str:
    parts = []
    if row.share_target is not None:
        parts.append(f"≥ {row.share_target:.0%}")
    if row.query_budget is not None:
        parts.append(f"≤ {row.query_budget} q")
    return ", ".join(parts) or "—"


def _verdict(entry) -> str:
    if entry["failed"]:
        return f"FAILED ({entry['m'].bad} bad answers, {entry['m'].errors} errors)"
    if entry["row"].key == "ceiling":
        return "—"
    return "yes" if entry["met"] else "no"


def text_table(table: list[dict]) -> str:
    lines = [
        f"{'row':<60} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'share':>6} {'q/req':>5}  "
        f"{'target':<14} met"
    ]
    for entry in table:
        m = entry["m"]
        lines.append(
            f"{entry['row'].label:<60} {m.rps:>8.1f} {m.p50_ms:>8.1f} {m.p99_ms:>8.1f} "
            f"{entry['share']:>6.0%} {entry['queries']:>5}  {_target(entry['row']):<14} "
            f"{_verdict(entry)}"
        )
    return "\n".join(lines)


def markdown(*, table, reminders, settings_text, command, notes, loads) -> str:
    out = ["# Benchmarks", ""]
    out += [
        "Written by `make bench` (`scripts/bench.sh` → `manage.py bench`); every number on this "
        "page comes from one run on one machine. Ratios within the run are what count: "
        "absolute requests per second depend on the machine and on what else runs on it.",
        "",
        "## Machine and versions",
        "",
    ]
    out += [f"- {name}: {value}" for name, value in {**machine(), **versions()}.items()]
    out += ["", "## Command", "", "```", command, "```", "", settings_text, ""]
    out += [f"- {note}" for note in notes]
    out += ["", "## Requests", ""]
    out += [
        "| Row | req/s | p50 ms | p99 ms | share of ceiling | queries / request | target | met |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for entry in table:
        m = entry["m"]
        out.append(
            f"| {entry['row'].label} | {m.rps:.1f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | "
            f"{entry['share']:.0%} | {entry['queries']} | {_target(entry['row'])} | "
            f"{_verdict(entry)} |"
        )
    out += ["", f"1-minute load average: {loads}", ""]
    out += ["## Reminder selection", ""]
    if reminders is None:
        out += ["Not measured in this run (`make bench` measures it; see scripts/bench.sh).", ""]
    else:
        out += _reminder_section(reminders)
    return "\n".join(out) + "\n"


def _reminder_section(report: dict) -> list[str]:
    from tools.bench.reminders import window_label

    out = [
        f"{report['patients']:,} patients (a separate database seeded with "
        "`seed_demo --therapists 500 --patients 100000 --weeks 2`), day "
        f"{report['day']}, best of three runs (1-minute load {report.get('load', 0):.2f}).",
        "",
        "| Window | seconds | seconds per 10 000 patients | queries | selected | target | met |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    labels = {"beat": "one beat run at 18:00", "catch_up": "6-hour catch-up run"}
    for name, window in report["windows"].items():
        target = "< 2 s, ≤ 6 queries" if name == "beat" else "—"
        met = "—"
        if name == "beat":
            met = "yes" if window["seconds"] < 2 and window["queries"] <= 6 else "no"
        label = labels.get(name, name)
        out.append(
            f"| {label}, {window_label(window)} | {window['seconds']:.2f} | "
            f"{window['per_10k']:.3f} | {window['queries']} | {window['selected']:,} | "
            f"{target} | {met} |"
        )
    write = report["write"]
    out += [
        "",
        f"Writing the {write['rows']:,} delivery records of the catch-up window "
        f"(`deliveries_create`, rolled back): {write['seconds']:.2f} s in "
        f"{write['queries']} queries ({write['seconds_per_100k']:.2f} s per 100 000 records).",
        "",
    ]
    return out


# Where a request's time goes, from cProfile's cumulative times (outermost calls only).
_PARTS = {
    "request": ("django/test/client.py", "(request)"),
    "SQL: ORM builds the query": ("django/db/models/sql/compiler.py", "(as_sql)"),
    "SQL: sent and waited for": ("django/db/backends/utils.py", "(execute)"),
    "rows → model objects": ("django/db/models/query.py", "(__iter__)"),
    "DRF serializer": ("rest_framework/serializers.py", "(data)"),
    "template rendering": ("django/template/response.py", "(rendered_content)"),
    "template rendering (render())": ("django/shortcuts.py", "(render)"),
}


def profile_breakdown(stats, *, requests: int) -> dict[str, float]:
    """Milliseconds per request in each part of ``_PARTS`` (parts overlap: a query's build and
    wait are inside "rows → model objects" when the ORM runs it)."""
    found = dict.fromkeys(_PARTS, 0.0)
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        for part, (path, name) in _PARTS.items():
            if filename.endswith(path) and f"({function})" == name:
                found[part] = max(found[part], cumulative * 1000 / requests)
    found["template rendering"] = max(
        found["template rendering"], found.pop("template rendering (render())")
    )
    return found


def breakdown_table(summary: dict) -> str:
    parts = list(next(iter(summary.values())))
    lines = [
        "| Row (ms per request, in-process, under cProfile) | " + " | ".join(parts) + " |",
        "|---|" + "---:|" * len(parts),
    ]
    for key, values in summary.items():
        lines.append(f"| {key} | " + " | ".join(f"{values[p]:.1f}" for p in parts) + " |")
    return "\n".join(lines)


def write(path: Path, content: str) -> None:
    kept = ""
    if path.exists():
        old = path.read_text()
        if ANALYSIS_MARKER in old:
            kept = old.split(ANALYSIS_MARKER, 1)[1]
    path.write_text(content + "\n" + ANALYSIS_MARKER + (kept or "\n"))
