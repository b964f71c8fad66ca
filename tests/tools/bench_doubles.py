"""Stand-ins for gunicorn, wrk and the scale data, so the bench command's rules run in a test
without load and without timing anything."""

from contextlib import contextmanager

from tools.bench import database, load, queries, scenarios


def measurement(rps, *, p99=20.0, start=0.4, end=2.1, bad=0) -> load.Measurement:
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
        return measurement(rps, p99=10.0)


REMINDER_RESULT = {
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
