"""``manage.py bench``: the benchmark of ``make bench`` (docs/benchmarks.md). scripts/bench.sh runs
it with ``DJANGO_SETTINGS_MODULE=mtt.settings_bench``, the only settings that install this app.

``--part web`` (with the scale data): analyses the tables, counts SQL queries per request for
every row, serves the project and the one-file Django app (tools/bench/django_ceiling.py) with
gunicorn as in production, waits for an idle machine, loads each row with wrk, prints the table
and writes ``docs/benchmarks.md``. A run of some rows (``--rows``) or on a busy machine leaves
that file as it was and writes its table to ``var/bench/benchmarks.md`` only, saying why.
``--part reminders`` (on the 100 000-patient database): times the reminder selection and leaves
the result in ``var/bench/reminders.json`` for the web part's report.
"""

import cProfile
import dataclasses
import io
import json
import pstats
import shlex
import sys
import time
import uuid
from contextlib import ExitStack

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from tools.bench import database, load, queries, reminders, report, scenarios


class Command(BaseCommand):
    help = "Benchmark the busiest endpoints against Django's own ceiling (make bench)."

    def add_arguments(self, parser):
        parser.add_argument("--part", choices=["web", "reminders"], default="web")
        parser.add_argument(
            "--rows",
            "--only",
            nargs="+",
            metavar="ROW",
            help=f"rows to load: {', '.join(scenarios.BY_KEY)} (default: all; both ceilings "
            "always run)",
        )
        parser.add_argument("--seconds", type=int, default=15, help="wrk duration per row")
        parser.add_argument("--rounds", type=int, default=2, help="rounds over all rows")
        parser.add_argument("--connections", type=int, default=4, help="wrk connections")
        parser.add_argument("--idle-load", type=float, default=0.5)
        parser.add_argument("--idle-timeout", type=float, default=600)
        parser.add_argument(
            "--busy-load",
            type=float,
            default=report.default_busy_load(),
            help="the 1-minute load above which the run counts as disturbed (default: CPUs + 1.5)",
        )
        parser.add_argument(
            "--min-ceiling-fraction",
            type=float,
            default=0.8,
            help="each measurement of the Django ceiling must reach this share of its best",
        )
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs" / "benchmarks.md"))
        parser.add_argument("--out-dir", default=str(settings.BASE_DIR / "var" / "bench"))
        parser.add_argument("--command-line", default="make bench")
        parser.add_argument(
            "--profile", type=int, default=0, help="cProfile this many requests per row"
        )
        parser.add_argument("--expect-patients", type=int, default=10_000)
        parser.add_argument("--expect-therapists", type=int, default=50)

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, part, **options):
        self.out_dir = settings.BASE_DIR / options["out_dir"]
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if settings.DEBUG:
            raise CommandError("Run the bench with DEBUG off (scripts/bench.sh does).")
        if part == "reminders":
            self._reminders(options)
        else:
            self._web(options)

    def _analyze(self) -> None:
        self.say(f"ANALYZE: the planner's statistics for every table ({database.analyze():.1f} s)")

    def _reminders(self, options):
        self._analyze()
        load_now, _waited = load.wait_until_idle(
            threshold=options["idle_load"], timeout=options["idle_timeout"], say=self.say
        )
        self.say(f"timing the reminder selection (1-minute load {load_now:.2f})")
        result = reminders.measure()
        result["load"] = load_now
        (self.out_dir / "reminders.json").write_text(json.dumps(result, indent=2))
        self.say(reminders.one_line(result))

    def _web(self, options):
        if settings.ROOT_URLCONF != "tools.bench.urls":
            raise CommandError("Run with DJANGO_SETTINGS_MODULE=mtt.settings_bench.")
        rows = scenarios.select_rows(options["rows"])
        scenarios.check_scale_data(
            patients=options["expect_patients"], therapists=options["expect_therapists"]
        )
        self._analyze()
        scenarios.delete_posted_sessions()
        credentials = scenarios.prepare()
        try:
            self._measure(rows, credentials, options)
        finally:
            scenarios.cleanup(credentials)

    def _measure(self, rows, credentials, options):
        paths = credentials.write(self.out_dir)
        self.say("counting SQL queries per request (Django test client, bench database)")
        counted = queries.count_queries(credentials, rows)
        scenarios.delete_posted_sessions()
        (self.out_dir / "queries.json").write_text(json.dumps(counted, indent=2))
        for key, value in counted.items():
            self.say(f"  {key}: {value['queries']} queries")
        if options["profile"]:
            self._profile(credentials, options["profile"], rows)
        measured: dict[str, list[load.Measurement]] = {row.key: [] for row in rows}

        def measure(row, server, label):
            measurement = load.wrk(
                port=server.port,
                row=row,
                data=paths.get(row.credentials),
                run_id=f"{run_id}{label.replace(' ', '')}",  # Idempotency-Keys of the POST row
                seconds=options["seconds"],
                connections=options["connections"],
            )
            if row.method == "POST":
                scenarios.delete_posted_sessions()
            self.say(f"  {label:<8} {row.key:<18} {_describe(measurement)}")
            measured[row.key].append(measurement)

        with ExitStack() as stack:
            servers = {}
            for name, app, settings_module in (
                ("django", "tools.bench.django_ceiling:application", None),
                ("project", "mtt.wsgi", "mtt.settings_bench"),
            ):
                servers[name] = server = stack.enter_context(
                    load.gunicorn(
                        name=name,
                        app=app,
                        settings_module=settings_module,
                        port=load.free_port(),
                        log_dir=self.out_dir,
                    )
                )
                self.say(
                    f"gunicorn ({name}) on 127.0.0.1:{server.port}: "
                    f"{shlex.join(server.command[1:])}"
                )
            for row in rows:
                lines = credentials.lines.get(row.credentials, [""])
                load.warm_up(port=servers[row.server].port, row=row, line=lines[0])
            start_load, waited = load.wait_until_idle(
                threshold=options["idle_load"], timeout=options["idle_timeout"], say=self.say
            )
            run_id = uuid.uuid4().hex[:8]
            for round_number in range(1, options["rounds"] + 1):
                for row in rows:
                    measure(row, servers[row.server], f"round {round_number}")
            # Once more at the end: a machine that got busier during the run shows here.
            ceiling = scenarios.BY_KEY["django_ceiling"]
            measure(ceiling, servers[ceiling.server], "closing")
            memory = {name: load.worker_rss_mb(servers[name].pid) for name in ("project", "django")}
        conditions = report.Conditions(
            idle_load=options["idle_load"],
            start_load=start_load,
            waited=waited,
            loads=tuple(
                value for runs in measured.values() for m in runs for value in (m.load, m.load_end)
            ),
            busy_load=options["busy_load"],
            ceiling_rps=tuple(m.rps for m in measured["django_ceiling"]),
            min_ceiling_fraction=options["min_ceiling_fraction"],
        )
        # The best round counts; a round with a wrong answer or an error is shown instead.
        best = {
            key: next((m for m in runs if m.bad or m.errors), max(runs, key=lambda m: m.rps))
            for key, runs in measured.items()
        }
        self._report(rows, best, counted, credentials, options, conditions, memory)

    def _report(self, rows, best, counted, credentials, options, conditions, memory):
        table = report.rows(rows, best, counted)
        reminder_file = self.out_dir / "reminders.json"
        reminder_result = json.loads(reminder_file.read_text()) if reminder_file.exists() else None
        if reminder_result:
            conditions = dataclasses.replace(conditions, reminder_load=reminder_result["load"])
        busy = report.busy_reasons(conditions)
        self.say("")
        self.say(report.text_table(table))
        self.say(report.memory_line(memory))
        self.say("Machine during the run: " + report.conditions_line(conditions))
        if reminder_result:
            self.say(reminders.one_line(reminder_result))
        settings_text = (
            f"Servers: gunicorn with {load.WORKERS} sync workers as in the Dockerfile "
            "(gunicorn.conf.py), one for the project with "
            "`DJANGO_SETTINGS_MODULE=mtt.settings_bench` (the production settings: DEBUG off, "
            "persistent database connections `CONN_MAX_AGE` "
            f"{settings.DATABASES['default']['CONN_MAX_AGE']} s; plus the bench app with the "
            "project's ceiling view) and one for the one-file Django app of "
            "`tools/bench/django_ceiling.py` (startproject's apps and middleware, one view, the "
            "same database options), plain HTTP on 127.0.0.1 (`SECURE_SSL_REDIRECT=false`). "
            "The tables are analysed (`ANALYZE`) before measuring. Load: wrk, 2 threads, "
            f"{options['connections']} connections, {options['seconds']} s per row, "
            f"{options['rounds']} round{'s' if options['rounds'] != 1 else ''} over all rows "
            "and the Django ceiling once more at the "
            "end; the best round of each row counts. "
            f"API rows rotate over {scenarios.PATIENTS} patients' bearer tokens, /today/ over "
            "their session cookies. Queries per request: a separate pass with Django's test "
            "client on the same database (the load runs without counting). Every answer must "
            "have the expected status (200, 201 for the POST); any other fails the row."
        )
        output = report.markdown(
            table=table,
            reminders=reminder_result,
            settings_text=settings_text,
            command=options["command_line"],
            notes=credentials.notes,
            conditions=conditions,
            memory=memory,
            busy=busy,
        )
        scratch = self.out_dir / "benchmarks.md"
        scratch.write_text(output)
        if busy:
            self.say(
                f"The machine was busy: {'; '.join(busy)}. {options['output']} is left as it "
                f"was; this run's table is in {scratch}."
            )
        elif len(rows) < len(scenarios.ROWS):
            self.say(
                f"Some rows only (--rows): {options['output']} is written by a run of all rows; "
                f"this run's table is in {scratch}."
            )
        else:
            report.write(settings.BASE_DIR / options["output"], output)
            self.say(f"wrote {options['output']}")
        if any(entry["failed"] for entry in table):
            raise CommandError("Some rows had answers with the wrong status or socket errors.")
        if busy:
            raise CommandError("The machine was busy; the numbers were not published (see above).")

    def _profile(self, credentials, count: int, rows) -> None:
        """cProfile ``count`` requests per row through the test client: where the time goes."""
        client = Client(HTTP_HOST="127.0.0.1")
        summary = {}
        for row in rows:
            if row.server != "project":
                continue  # another process; its whole request is one small query
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
            path = self.out_dir / f"profile-{row.key}.txt"
            path.write_text(f"{count} requests in {elapsed:.2f} s\n" + stream.getvalue())
            summary[row.key] = report.profile_breakdown(stats, requests=count)
            self.say(f"  profile {row.key}: {elapsed / count * 1000:.2f} ms/request → {path}")
        (self.out_dir / "profile-summary.json").write_text(json.dumps(summary, indent=2))
        self.say(report.breakdown_table(summary))
        scenarios.delete_posted_sessions()
        sys.stdout.flush()


def _describe(m: load.Measurement) -> str:
    text = (
        f"{m.rps:8.1f} req/s  p50 {m.p50_ms:6.1f} ms  p99 {m.p99_ms:7.1f} ms  "
        f"load {m.load:.2f} → {m.load_end:.2f}"
    )
    if m.bad:
        text += f"  BAD {m.bad} ({m.first_bad[:80]})"
    if m.errors:
        text += f"  ERRORS {m.errors}"
    return text
