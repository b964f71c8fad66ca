"""The catalogue snapshot across processes: an exercise edited in the admin (this process) shows
on the next ``me/today/`` answered by either of two gunicorn workers, each of which had built its
snapshot before the edit (docs/architecture.md, catalogue snapshot)."""

import json
import socket

import pytest
from django.urls import reverse

from tests.api.conftest import assign, make_patient, make_therapist
from tests.processes import database_url, gunicorn
from tests.programs.test_catalogue_snapshot import changeform_data
from tokens.services import token_create

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def workers(django_db_blocker, tmp_path):
    """gunicorn with two sync workers on the test database; yields its port."""
    with django_db_blocker.unblock():
        url = database_url()
    with gunicorn(url, tmp_path) as (port, _output):
        yield port


class Today:
    """``GET /api/v1/me/today/`` sent in two parts: the worker that accepted it waits for the
    end of the headers, so the next request goes to the other worker."""

    def __init__(self, port: int, token: str):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.socket.sendall(
            b"GET /api/v1/me/today/ HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n"
            + f"Authorization: Bearer {token}\r\n".encode()
        )

    def names(self) -> dict[str, str]:
        self.socket.sendall(b"\r\n")
        chunks = []
        while chunk := self.socket.recv(65536):
            chunks.append(chunk)
        self.socket.close()
        head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
        assert head.split()[1] == b"200", head + body
        return {row["slug"]: row["name"] for row in json.loads(body)["exercises"]}


def both_workers(port: int, token: str) -> list[dict[str, str]]:
    held = Today(port, token)  # one worker waits …
    other = Today(port, token).names()  # … the other answers
    return [other, held.names()]


def test_an_exercise_edited_in_the_admin_shows_in_both_workers(workers, admin_client_logged_in):
    patient = make_patient(make_therapist("therapist1"), username="anna")
    exercise = assign(patient).items.order_by("order").first().exercise
    _row, token = token_create(user=patient.user)
    before = both_workers(workers, token)
    assert [names[exercise.slug] for names in before] == [exercise.name_en] * 2

    url = reverse("admin:programs_exercise_change", args=[exercise.pk])
    data = changeform_data(admin_client_logged_in.get(url)) | {"name_en": "Release, edited"}
    assert admin_client_logged_in.post(url, data).status_code == 302

    after = both_workers(workers, token)
    assert [names[exercise.slug] for names in after] == ["Release, edited"] * 2
