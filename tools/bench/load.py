"""The load: gunicorn as in production (Dockerfile: two sync workers) for the project and for the
one-file Django app, wrk against them, the wait for an idle machine before measuring, and the
workers' memory after it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

WORKERS = 2  # as the Dockerfile and docker-compose.yml run gunicorn
WRK_SCRIPT = Path(__file__).with_name("wrk.lua")


@dataclass(frozen=True)
class Measurement:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int  # answers with another status than expected
    errors: int  # socket errors and timeouts
    first_bad: str
    load: float  # 1-minute load average when the row started
    load_end: float = 0.0  # ... and when it ended


@dataclass(frozen=True)
class Server:
    name: str  # "project" or "django" (Row.server)
    port: int
    pid: int  # gunicorn's master process
    command: list[str]


def load_average() -> float:
    with open("/proc/loadavg") as stream:
        return float(stream.read().split()[0])


def wait_until_idle(*, threshold: float, timeout: float, say) -> tuple[float, float]:
    """Poll the 1-minute load average until it is below ``threshold`` or ``timeout`` seconds
    have passed; returns (load, seconds waited)."""
    started = time.monotonic()
    load = load_average()
    while load >= threshold and time.monotonic() - started < timeout:
        say(f"  waiting for an idle machine: 1-minute load {load:.2f} (want < {threshold})")
        time.sleep(10)
        load = load_average()
    waited = time.monotonic() - started
    if load >= threshold:
        say(f"  still busy after {waited:.0f} s (load {load:.2f}); measuring anyway")
    return load, waited


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port(start: int = 18100) -> int:
    for port in range(start, start + 100):
        if not _port_open(port):
            return port
    raise RuntimeError("no free port for the bench server")


@contextmanager
def gunicorn(*, name: str, app: str, port: int, log_dir: Path, settings_module: str | None):
    """The production command line (Dockerfile, gunicorn.conf.py) for ``app``; the access log
    goes to a file instead of stdout. Without ``settings_module`` the app configures itself
    (the one-file Django app)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--no-control-socket",
        "--access-logfile",
        str(log_dir / f"gunicorn-{name}-access.log"),
        "--error-logfile",
        str(log_dir / f"gunicorn-{name}-error.log"),
    ]
    process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)  # noqa: S603
    try:
        for _ in range(300):
            if _port_open(port):
                break
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_dir}")
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start listening within 30 s")
        yield Server(name=name, port=port, pid=process.pid, command=command)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_rss_mb(master_pid: int, *, proc: Path = Path("/proc")) -> list[float]:
    """Resident memory (MiB) of each child process of gunicorn's master: its workers."""
    sizes = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip() or 0) == master_pid and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def warm_up(*, port: int, row, line: str, times: int = 10) -> None:
    """A few requests per worker so imports, templates and connections are ready."""
    for _ in range(times):
        headers = {}
        if line and row.method != "POST":
            name, value = line.split(":", 1)
            headers[name] = value.strip()
        if row.method == "POST":
            continue  # the POST row warms up on its first second; no stray sessions here
        request = urllib.request.Request(f"http://127.0.0.1:{port}{row.path}", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - localhost
            answer.read()


def wrk(
    *, port: int, row, data: Path | None, run_id: str, seconds: int, connections: int
) -> Measurement:
    load = load_average()
    env = {
        **os.environ,
        "BENCH_DATA": str(data) if data else "",
        "BENCH_METHOD": row.method,
        "BENCH_EXPECT": str(row.expect),
        "BENCH_RUN": run_id,
    }
    command = [
        "wrk",
        "--threads",
        "2",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--script",
        str(WRK_SCRIPT),
        f"http://127.0.0.1:{port}{row.path}",
    ]
    # Fixed arguments; the URL is built from our own port and path.
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    output = finished.stdout
    line = next((ln for ln in output.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result line:\n{output}")
    result = json.loads(line.removeprefix("BENCH "))
    seconds_run = result["duration_us"] / 1e6
    return Measurement(
        requests=result["requests"],
        seconds=seconds_run,
        rps=result["requests"] / seconds_run,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        bad=result["bad"],
        errors=result["errors"],
        first_bad=result.get("first_bad", ""),
        load=load,
        load_end=load_average(),
    )
