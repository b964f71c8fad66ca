"""One cache for all processes (docs/operations.md "Cache"): two gunicorn workers count the API
login attempts of one address together, so the 429 comes at the documented limit, with Redis
(REDIS_URL) and with the database cache that `make run` uses without it.

The requests are spread over both workers deterministically: a connection whose request is not
complete yet keeps one (synchronous) worker waiting, so the next requests must go to the other
one. The access log names the worker process of every request."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.core.cache import caches

from mtt.cache import RedisCache
from tests.processes import database_url as _database_url
from tests.processes import free_port as _free_port

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 6
PATH = "/api/v1/auth/token/"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _body(number: int) -> bytes:
    # Another username each time: only the per-address limit applies, no account lockout.
    return json.dumps({"username": f"nobody{number}", "password": "wrong password"}).encode()


def _post(port: int, number: int) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{PATH}",
        data=_body(number),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - http only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class HeldRequest:
    """A request whose headers are not complete: the worker that accepted it waits for them."""

    def __init__(self, port: int, number: int):
        self.body = _body(number)
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.socket.sendall(
            f"POST {PATH} HTTP/1.0\r\nHost: 127.0.0.1\r\n".encode()
            + b"Content-Type: application/json\r\n"
        )

    def finish(self) -> tuple[int, dict]:
        self.socket.sendall(f"Content-Length: {len(self.body)}\r\n\r\n".encode() + self.body)
        chunks = []
        while chunk := self.socket.recv(65536):
            chunks.append(chunk)
        self.socket.close()
        head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)


@pytest.fixture(params=["redis", "database"])
def gunicorn(request, tmp_path):
    """gunicorn with two workers on the test database; yields (port, access log path)."""
    prefix = f"test-gunicorn-{uuid.uuid4().hex[:12]}"
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mtt.settings_test",
        "DATABASE_URL": _database_url(),
        "MTT_TEST_CACHE_PREFIX": prefix,
        "API_LOGIN_ADDRESS_RATE": f"{LIMIT}/min",
        "API_LOGIN_RATE": "1000/min",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    if request.param == "redis":
        if not settings.CELERY_BROKER_URL.startswith("redis://"):
            pytest.skip("needs REDIS_URL (make test provides it)")
        env["REDIS_URL"] = settings.CELERY_BROKER_URL
    else:
        env["REDIS_URL"] = ""
        subprocess.run(
            [sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True
        )
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "mtt.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(p)s %(s)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(600):
            assert process.poll() is None, process.stderr.read().decode()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port, access_log
    finally:
        process.terminate()
        process.wait(timeout=30)
        if request.param == "redis":
            client = redis.Redis.from_url(env["REDIS_URL"])
            keys = list(client.scan_iter(match=f"{prefix}:*"))
            if keys:
                client.delete(*keys)
            assert not list(client.scan_iter(match=f"{prefix}:*"))
        else:
            with psycopg.connect(_database_url(), autocommit=True) as db:
                db.execute("DELETE FROM mtt_cache WHERE cache_key LIKE %s", [f"{prefix}:%"])


def test_two_workers_share_the_login_limit(gunicorn):
    port, access_log = gunicorn
    answers = []
    first = HeldRequest(port, 0)  # worker A waits for the rest of this request
    answers += [_post(port, number) for number in (1, 2, 3)]  # worker B
    second = HeldRequest(port, 4)  # B waits
    answers.append(first.finish())  # A
    answers.append(_post(port, 5))  # A
    answers.append(second.finish())  # B
    assert len(answers) == LIMIT
    # Wrong credentials (not throttled) up to the limit; then the throttle's JSON answer.
    assert [(status, list(body)) for status, body in answers] == [
        (400, ["non_field_errors"])
    ] * LIMIT
    status, body = _post(port, 6)
    assert (status, list(body)) == (429, ["detail"])
    lines = access_log.read_text().split("\n")
    pids = [line.split()[0].strip("<>") for line in lines if line.strip()]
    # Both workers answered attempts below the limit: with a cache per worker, neither would
    # have reached it.
    assert len(set(pids[:LIMIT])) == 2, lines


def test_the_cache_clears_only_its_own_keys():
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        pytest.skip("the test settings use the database cache without REDIS_URL")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    other = f"not-the-cache-{uuid.uuid4().hex}"
    client.set(other, "a queued task")
    try:
        cache.set("counted", 1)
        cache.clear()
        assert cache.get("counted") is None
        assert client.get(other) == b"a queued task"  # the broker's keys stay (no FLUSHDB)
    finally:
        client.delete(other)
