"""Sends API requests in a process of its own, against the database its ``DATABASE_URL`` names:
the tests use it for what one pytest process cannot be at the same time — the app on SQLite, or
the app while its database server is unreachable.

Reads ``{"setup": bool, "requests": [[method, path, body-or-null], …]}`` on stdin; with
``setup`` it migrates and creates a therapist (the requests' bearer token) with two patients.
Prints ``[{"status", "content_type", "body"}, …]`` as JSON on stdout.

    python -m tests.api.probe < spec.json
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mtt.settings_test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402


def world() -> str:
    from tests.api.conftest import assign, make_patient, make_therapist
    from tokens.services import token_create

    therapist = make_therapist("probe-therapist")
    for username, last_name in (("zora", "Zander"), ("anton", "Albers")):
        patient = make_patient(therapist, username=username)
        patient.user.last_name = last_name
        patient.user.save(update_fields=["last_name"])
        assign(patient)
    return token_create(user=therapist)[1]


def main() -> None:
    spec = json.load(sys.stdin)
    token = "mtt_unknown"
    if spec.get("setup"):
        call_command("migrate", verbosity=0)
        token = world()
    client = Client(
        raise_request_exception=False,
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    answers = []
    for method, path, body in spec["requests"]:
        if body is None:
            response = getattr(client, method)(path)
        else:
            response = getattr(client, method)(
                path, json.dumps(body), content_type="application/json"
            )
        content_type = response.get("Content-Type", "")
        content = response.content.decode()
        answers.append(
            {
                "status": response.status_code,
                "content_type": content_type,
                "body": json.loads(content) if "json" in content_type else content,
            }
        )
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
