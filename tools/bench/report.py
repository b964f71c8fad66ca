"""The table ``make bench`` prints and ``docs/benchmarks.md``. The file is rewritten above the
``ANALYSIS_MARKER`` line on every run; what is below it (the hand-written analysis) is kept."""

import os
import platform
import subprocess
from dataclasses import dataclass
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


MEMORY_LIMIT_MB = 150  # per project worker after the run (docs/benchmarks.md, "Method")
SERVERS = {"project": "this project", "django": "the one-file Django app"}


@dataclass(frozen=True)
class Conditions:
    """What else the machine did during the run, as far as the bench can tell."""

    idle_load: float  # "idle" means a 1-minute load below this
    start_load: float  # when measuring began (after waiting for idle)
    waited: float  # seconds spent waiting for idle
    loads: tuple[float, ...]  # at every row's start and end
    busy_load: float  # the most the bench alone brings the load to
    ceiling_rps: tuple[float, ...]  # every measurement of the Django ceiling
    min_ceiling_fraction: float  # the least share of its best one each of them must reach
    reminder_load: float | None = None  # when the reminder part timed the selection


def default_busy_load(cpus: int | None = None) -> float:
    """The bench alone (two workers, PostgreSQL, wrk) keeps about cpus + 0.5 processes ready
    to run on a 2-core machine (the 1-minute load ended at 2.47 after a clean run); another
    core's worth of work on top of that means other jobs were taking the CPU."""
    return (cpus or os.cpu_count() or 1) + 1.5


def busy_reasons(conditions: Conditions) -> list[str]:
    """Why this run's numbers cannot stand for the machine (empty when they can)."""
    c = conditions
    reasons = []
    if c.start_load >= c.idle_load:
        reasons.append(
            f"the 1-minute load was {c.start_load:.2f} when measuring began, after waiting "
            f"{c.waited:.0f} s for it to fall below {c.idle_load:.2f}"
        )
    highest = max(c.loads, default=0.0)
    if highest > c.busy_load:
        reasons.append(
            f"the 1-minute load reached {highest:.2f} during the run (the bench alone stays "
            f"below {c.busy_load:.2f})"
        )
    best = max(c.ceiling_rps, default=0.0)
    lowest = min(c.ceiling_rps, default=0.0)
    if best and lowest < c.min_ceiling_fraction * best:
        reasons.append(
            f"the Django ceiling fell to {lowest / best:.0%} of its best measurement "
            f"({lowest:.0f} of {best:.0f} req/s; each of its {len(c.ceiling_rps)} "
            f"measurements must reach {c.min_ceiling_fraction:.0%})"
        )
    if c.reminder_load is not None and c.reminder_load >= c.idle_load:
        reasons.append(
            f"the reminder selection was timed at a 1-minute load of {c.reminder_load:.2f} "
            f"(idle means below {c.idle_load:.2f})"
        )
    return reasons


def conditions_line(conditions: Conditions) -> str:
    c = conditions
    best = max(c.ceiling_rps, default=0.0)
    spread = min(c.ceiling_rps, default=0.0) / best if best else 0.0
    return (
        f"1-minute load {c.start_load:.2f} when measuring began (waited {c.waited:.0f} s for "
        f"< {c.idle_load:.2f}), at most {max(c.loads, default=0.0):.2f} during the run "
        f"(limit {c.busy_load:.2f}); the lowest of the Django ceiling's {len(c.ceiling_rps)} "
        f"measurements at {spread:.0%} of the best (at least {c.min_ceiling_fraction:.0%} "
        "required)."
    )


def memory_line(memory: dict[str, list[float]]) -> str:
    """``memory``: server → resident MiB of each worker after the run."""
    parts = []
    for server, sizes in memory.items():
        text = f"{SERVERS.get(server, server)} " + ", ".join(f"{mb:.0f}" for mb in sizes) + " MB"
        if server == "project":
            met = "met" if sizes and max(sizes) <= MEMORY_LIMIT_MB else "not met"
            text += f" (target ≤ {MEMORY_LIMIT_MB} MB: {met})"
        parts.append(text)
    return "Memory per worker after the run (RSS): " + "; ".join(parts) + "."


def rows(measured_rows, best: dict, queries: dict) -> list[dict]:
    """One dict per row: measured numbers, share of the Django ceiling, targets and verdicts."""
    ceiling = best["django_ceiling"].rps
    table = []
    for row in measured_rows:
        measurement = best[row.key]
        share = measurement.rps / ceiling if ceiling else 0.0
        count = queries[row.key]["queries"]
        share_ok = row.share_target is None or share >= row.share_target
        queries_ok = row.query_budget is None or count <= row.query_budget
        p99_ok = row.p99_target_ms is None or measurement.p99_ms <= row.p99_target_ms
        failed = measurement.bad or measurement.errors
        table.append(
            {
                "row": row,
                "m": measurement,
                "share": share,
                "queries": count,
                "met": not failed and share_ok and queries_ok and p99_ok,
                "failed": failed,
            }
        )
    return table


def _target(row) -> str:
    parts = []
    if row.share_target is not None:
        parts.append(f"≥ {row.share_target:.0%}")
    if row.p99_target_ms is not None:
        parts.append(f"p99 ≤ {row.p99_target_ms:.0f} ms")
    if row.query_budget is not None:
        parts.append(f"≤ {row.query_budget} q")
    return ", ".join(parts) or "—"


def _verdict(entry) -> str:
    if entry["failed"]:
        return f"FAILED ({entry['m'].bad} bad answers, {entry['m'].errors} errors)"
    row = entry["row"]
    if row.share_target is None and row.query_budget is None and row.p99_target_ms is None:
        return "—"
    return "yes" if entry["met"] else "no"


def _loads(m) -> str:
    return f"{m.load:.2f} → {m.load_end:.2f}"


def text_table(table: list[dict]) -> str:
    lines = [
        f"{'row':<72} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'share':>6} {'q/req':>5} "
        f"{'load':>12}  {'target':<26} met"
    ]
    for entry in table:
        m = entry["m"]
        lines.append(
            f"{entry['row'].label:<72} {m.rps:>8.1f} {m.p50_ms:>7.1f} {m.p99_ms:>7.1f} "
            f"{entry['share']:>6.1%} {entry['queries']:>5} {_loads(m):>12}  "
            f"{_target(entry['row']):<26} {_verdict(entry)}"
        )
    return "\n".join(lines)


def markdown(
    *, table, reminders, settings_text, command, notes, conditions, memory, busy=()
) -> str:
    out = ["# Benchmarks", ""]
    out += [
        "Written by `make bench` (`scripts/bench.sh` → `manage.py bench`); every number on this "
        "page comes from one run on one machine. Ratios within the run are what count: "
        "absolute requests per second depend on the machine and on what else runs on it.",
        "",
    ]
    if busy:
        out += [
            "**Not published: the machine was busy** — " + "; ".join(busy) + ".",
            "",
        ]
    out += ["## Machine and versions", ""]
    out += [f"- {name}: {value}" for name, value in {**machine(), **versions()}.items()]
    out += ["", "## Command", "", "```", command, "```", "", settings_text, ""]
    out += [f"- {note}" for note in notes]
    out += ["", "## Requests", ""]
    out += [
        "| Row | req/s | p50 ms | p99 ms | share of the Django ceiling | queries / request "
        "| 1-min load (start → end) | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for entry in table:
        m = entry["m"]
        out.append(
            f"| {entry['row'].label} | {m.rps:.1f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | "
            f"{entry['share']:.1%} | {entry['queries']} | {_loads(m)} | "
            f"{_target(entry['row'])} | {_verdict(entry)} |"
        )
    out += ["", memory_line(memory), "", "Machine during the run: " + conditions_line(conditions)]
    out += ["", "## Reminder selection", ""]
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
        f"{write['queries']} {'query' if write['queries'] == 1 else 'queries'} "
        f"({write['seconds_per_100k']:.2f} s per 100 000 records).",
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
