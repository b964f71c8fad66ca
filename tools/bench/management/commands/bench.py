"""``manage.py bench``: the benchmark of ``make bench`` (docs/product.md; scripts/bench.sh runs it).

``--part web`` (with ``DJANGO_SETTINGS_MODULE=mtt.settings_bench`` and the scale data): counts
SQL queries per request for every row, serves the app with gunicorn as in production, waits for
an idle machine, loads each row with wrk, prints the table and writes ``docs/benchmarks.md``.
``--part reminders`` (on the 100 000-patient database): times the reminder selection and leaves
the result in ``var/bench/reminders.json`` for the web part's report.
"""

import cProfile
import io
import json
import pstats
import shlex
import sys
import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from tools.bench import load, queries, reminders, report, scenarios

OUT_DIR = settings.BASE_DIR / "var" / "bench"


class Command(BaseCommand):
    help = "Benchmark the busiest endpoints against a bare Django view (make bench)."

    def add_arguments(self, parser):
        parser.add_argument("--part", choices=["web", "reminders"], default="web")
        parser.add_argument("--seconds", type=int, default=15, help="wrk duration per row")
        parser.add_argument("--rounds", type=int, default=2, help="rounds over all rows")
        parser.add_argument("--connections", type=int, default=4, help="wrk connections")
        parser.add_argument("--idle-load", type=float, default=0.5)
        parser.add_argument("--idle-timeout", type=float, default=600)
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs" / "benchmarks.md"))
        parser.add_argument("--command-line", default="make bench")
        parser.add_argument(
            "--profile", type=int, default=0, help="cProfile this many requests per row"
        )
        parser.add_argument("--only", nargs="*", help="row keys to load (default: all)")
        parser.add_argument("--expect-patients", type=int, default=10_000)
        parser.add_argument("--expect-therapists", type=int, default=50)

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, part, **options):
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        if settings.DEBUG:
            raise CommandError("Run the bench with DEBUG off (scripts/bench.sh does).")
        if part == "reminders":
            self._reminders(options)
        else:
            self._web(options)

    def _reminders(self, options):
        load_now, _waited = load.wait_until_idle(
            threshold=options["idle_load"], timeout=options["idle_timeout"], say=self.say
        )
        self.say(f"timing the reminder selection (1-minute load {load_now:.2f})")
        result = reminders.measure()
        result["load"] = load_now
        (OUT_DIR / "reminders.json").write_text(json.dumps(result, indent=2))
        self.say(reminders.one_line(result))

    def _web(self, options):
        if settings.ROOT_URLCONF != "tools.bench.urls":
            raise CommandError("Run with DJANGO_SETTINGS_MODULE=mtt.settings_bench.")
        scenarios.check_scale_data(
            patients=options["expect_patients"], therapists=options["expect_therapists"]
        )
        scenarios.delete_posted_sessions()
        credentials = scenarios.prepare()
        try:
            self._measure(credentials, options)
        finally:
            scenarios.cleanup(credentials)

    def _measure(self, credentials, options):
        paths = credentials.write(OUT_DIR)
        self.say("counting SQL queries per request (Django test client, bench database)")
        counted = queries.count_queries(credentials)
        scenarios.delete_posted_sessions()
        (OUT_DIR / "queries.json").write_text(json.dumps(counted, indent=2))
        for key, value in counted.items():
            self.say(f"  {key}: {value['queries']} queries")
        if options["profile"]:
            self._profile(credentials, options["profile"])
        rows = [row for row in scenarios.ROWS if not options["only"] or row.key in options["only"]]
        if "ceiling" not in [row.key for row in rows]:
            rows.insert(0, scenarios.ROWS[0])
        port = load.free_port()
        measured: dict[str, list[load.Measurement]] = {row.key: [] for row in rows}
        loads = []
        with load.gunicorn(port=port, log_dir=OUT_DIR) as command:
            self.say(f"gunicorn on 127.0.0.1:{port}: {shlex.join(command[1:])}")
            for row in rows:
                lines = credentials.lines.get(row.credentials, [""])
                load.warm_up(port=port, row=row, line=lines[0])
            idle, waited = load.wait_until_idle(
                threshold=options["idle_load"], timeout=options["idle_timeout"], say=self.say
            )
            loads.append(f"{idle:.2f} at the start (after waiting {waited:.0f} s)")
            run_id = uuid.uuid4().hex[:8]
            for round_number in range(1, options["rounds"] + 1):
                for row in rows:
                    measurement = load.wrk(
                        port=port,
                        row=row,
                        data=paths.get(row.credentials),
                        run_id=f"{run_id}{round_number}",
                        seconds=options["seconds"],
                        connections=options["connections"],
                    )
                    if row.method == "POST":
                        scenarios.delete_posted_sessions()
                    self.say(f"  round {round_number} {row.key:<17} {_describe(measurement)}")
                    measured[row.key].append(measurement)
            loads.append(f"{load.load_average():.2f} at the end")
        # The best round counts; a round with a wrong answer or an error is shown instead.
        best = {
            key: next((m for m in runs if m.bad or m.errors), max(runs, key=lambda m: m.rps))
            for key, runs in measured.items()
        }
        self._report(rows, best, counted, credentials, options, loads)

    def _report(self, rows, best, counted, credentials, options, loads):
        table = report.rows(rows, best, counted)
        self.say("")
        self.say(report.text_table(table))
        reminder_file = OUT_DIR / "reminders.json"
        reminder_result = json.loads(reminder_file.read_text()) if reminder_file.exists() else None
        if reminder_result:
            self.say(reminders.one_line(reminder_result))
        settings_text = (
            f"Server: gunicorn with {load.WORKERS} sync workers as in the Dockerfile, "
            "`DJANGO_SETTINGS_MODULE=mtt.settings_bench` (the production settings: DEBUG off, "
            "persistent database connections `CONN_MAX_AGE` "
            f"{settings.DATABASES['default']['CONN_MAX_AGE']} s; plus the ceiling view's URL), "
            "plain HTTP on 127.0.0.1 (`SECURE_SSL_REDIRECT=false`). Load: wrk, 2 threads, "
            f"{options['connections']} connections, {options['seconds']} s per row, "
            f"{options['rounds']} rounds over all rows; the best round of each row counts. "
            f"API rows rotate over {scenarios.PATIENTS} patients' bearer tokens, /today/ over "
            "their session cookies. Queries per request: a separate pass with Django's test "
            "client on the same database (the load runs without counting). Every answer must "
            "have the expected status (200, 201 for the POST); any other fails the row."
        )
        if len(rows) == len(scenarios.ROWS):
            output = report.markdown(
                table=table,
                reminders=reminder_result,
                settings_text=settings_text,
                command=options["command_line"],
                notes=credentials.notes,
                loads="; ".join(loads),
            )
            report.write(settings.BASE_DIR / options["output"], output)
            self.say(f"wrote {options['output']}")
        if any(entry["failed"] for entry in table):
            raise CommandError("Some rows had answers with the wrong status or socket errors.")

    def _profile(self, credentials, count: int) -> None:
        """cProfile ``count`` requests per row through the test client: where the time goes."""
        client = Client(HTTP_HOST="127.0.0.1")
        summary = {}
        for row in scenarios.ROWS:
            lines = credentials.lines.get(row.credentials, [""])
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for number in range(count):
                queries._call(client, row, lines[number % len(lines)])
            profiler.disable()
            elapsed = time.perf_counter() - started
            stream = io.StringIO()
            stats = pstats.Stats(profiler, stream=stream)
            stats.sort_stats("cumulative").print_stats(35)
            stats.sort_stats("tottime").print_stats(25)
            path = OUT_DIR / f"profile-{row.key}.txt"
            path.write_text(f"{count} requests in {elapsed:.2f} s\n" + stream.getvalue())
            summary[row.key] = report.profile_breakdown(stats, requests=count)
            self.say(f"  profile {row.key}: {elapsed / count * 1000:.2f} ms/request → {path}")
        (OUT_DIR / "profile-summary.json").write_text(json.dumps(summary, indent=2))
        self.say(report.breakdown_table(summary))
        scenarios.delete_posted_sessions()
        sys.stdout.flush()


def _describe(m: load.Measurement) -> str:
    text = f"{m.rps:8.1f} req/s  p50 {m.p50_ms:6.1f} ms  p99 {m.p99_ms:7.1f} ms  load {m.load:.2f}"
    if m.bad:
        text += f"  BAD {m.bad} ({m.first_bad[:80]})"
    if m.errors:
        text += f"  ERRORS {m.errors}"
    return text
