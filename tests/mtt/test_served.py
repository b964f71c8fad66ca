"""The app as `make run` serves it, on another port: gunicorn with the command of scripts/run.sh
(gunicorn.conf.py does the rest), two workers, against the test database.

- SITE_URL follows PORT: the calendar link of ``GET /api/v1/me/profile/`` points at this server,
  and following it gets the patient's iCalendar feed.
- /metrics adds up the counters of both workers (PROMETHEUS_MULTIPROC_DIR) and answers only to
  the bearer token.
"""

import json
import re
import socket
import urllib.error
import urllib.request

import pytest

from reminders.services import calendar_token_rotate
from tests.api.conftest import assign, make_patient, make_therapist
from tests.processes import database_url, gunicorn
from tokens.services import token_create

TOKEN = "metrics-test-token-0123456789"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - local http
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - local http
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn as scripts/run.sh starts it, on a free port; yields (port, stdout path)."""
    tmp_path = tmp_path_factory.mktemp("served")
    with django_db_blocker.unblock():
        url = database_url()
    with gunicorn(url, tmp_path, METRICS_TOKEN=TOKEN) as served:
        yield served


def test_the_calendar_link_from_the_profile_follows_the_port(server):
    port, _output = server
    therapist = make_therapist("therapist1")
    patient = make_patient(therapist, username="anna")
    assign(patient)
    key = calendar_token_rotate(patient=patient)
    _row, token = token_create(user=patient.user)

    status, _headers, body = _get(
        f"http://127.0.0.1:{port}/api/v1/me/profile/", Authorization=f"Bearer {token}"
    )
    assert status == 200, body
    calendar_url = json.loads(body)["calendar_url"]
    assert calendar_url == f"http://127.0.0.1:{port}/calendar/{key}.ics"

    status, headers, feed = _get(calendar_url)
    assert status == 200, feed
    assert headers["Content-Type"].startswith("text/calendar")
    assert feed.startswith(b"BEGIN:VCALENDAR")
    assert b"BEGIN:VEVENT" in feed  # the coming training days of her programme


class HeldRequest:
    """A request whose headers are not complete: the (synchronous) worker that accepted it waits
    for them, so the next connections go to the other worker."""

    def __init__(self, port: int):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.socket.sendall(b"GET /health/ HTTP/1.0\r\nHost: 127.0.0.1\r\n")

    def finish(self) -> int:
        self.socket.sendall(b"\r\n")
        chunks = []
        while chunk := self.socket.recv(65536):
            chunks.append(chunk)
        self.socket.close()
        return int(b"".join(chunks).split()[1])


def _sample(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and all(f'{key}="{value}"' in match.group(1) for key, value in labels.items()):
            return float(match.group(2))
    raise AssertionError(f"{name} {labels} not in the scrape")


def test_metrics_add_up_both_workers_and_need_the_token(server):
    port, output = server
    base = f"http://127.0.0.1:{port}"
    held = HeldRequest(port)  # one worker waits …
    answers = [_get(f"{base}/health/")[0] for _ in range(3)]  # … the other answers these
    answers.append(held.finish())  # and then the first one answers too
    assert answers == [200] * 4

    status, headers, _body = _get(f"{base}/metrics")
    assert (status, headers["WWW-Authenticate"]) == (401, 'Bearer realm="metrics"')
    assert _get(f"{base}/metrics", Authorization="Bearer wrong")[0] == 401

    held = HeldRequest(port)  # the scrape, too, is answered by whichever worker is free
    status, headers, body = _get(f"{base}/metrics", Authorization=f"Bearer {TOKEN}")
    held.finish()
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=")
    text = body.decode()
    # Both workers' requests, whichever of them answered the scrape.
    assert _sample(text, "mtt_http_requests_total", view="health", status="200") == 4
    assert _sample(text, "mtt_http_requests_total", view="metrics", status="401") == 2
    assert _sample(text, "mtt_http_request_duration_seconds_count", view="health") == 4
    assert _sample(text, "mtt_http_request_db_queries_count", view="health") == 4
    # Each health check asks the database once.
    assert _sample(text, "mtt_http_request_db_queries_sum", view="health") == 4
    assert "mtt_sessions_logged_total 0.0" in text
    pids = set(re.findall(r"Booting worker with pid: (\d+)", output.read_text()))
    assert len(pids) == 2
