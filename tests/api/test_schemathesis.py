"""Schema = validation: schemathesis generates requests from /api/schema/ — valid ones (positive)
and ones the schema forbids (negative), boundary values included — and sends them to the app
in-process (WSGI) with a patient's and a therapist's token. Every answer must be a non-5xx with
a documented status code, content type and body schema; every request the schema forbids must
be refused (4xx); and no request it allows may be refused for its form.

"Its form" is what a schema can state: a type, a bound, a length, a choice, a required field.
A valid request may still answer 400 for a rule no schema states — an id that names nothing in
the caller's scope, a programme that is not active — so a 400 to positive data fails the run
only when one of its messages is a per-field form message (DRF's and Django's own, listed from
their fields and validators at import, and the API's bounds in api/base.py). The run
asks for English messages to compare them.

Bounded and deterministic: a fixed seed, derandomized Hypothesis, ``MAX_EXAMPLES`` per
operation and mode, the examples, coverage (boundary values) and fuzzing phases.
``-m "not schemathesis"`` leaves it out of a quick run.
"""

import json
import re
from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from django.core import validators
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.forms import fields as form_fields
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework import fields as drf_fields
from rest_framework import relations
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tokens.services import token_create

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

MAX_EXAMPLES = 15
SEED = 20260101


def form_messages() -> list[str]:
    """Every per-field message DRF and Django give for what a schema states (type, bounds,
    length, choice, presence, format), in English, as templates."""
    messages = []
    with translation.override("en"):
        for module in (drf_fields, relations, form_fields):
            for item in vars(module).values():
                for key, message in getattr(item, "default_error_messages", {}).items():
                    if key != "does_not_exist":  # an id that names nothing: a rule, not a form
                        messages.append(str(message))
        for item in vars(validators).values():
            if isinstance(item, type) and isinstance(getattr(item, "message", None), object):
                message = getattr(item, "message", None)
                if message is not None:
                    messages.append(str(message))
        messages += [
            "Enter a whole number from %(minimum)d to %(maximum)d.",  # api/base.py
            "Unknown ordering. Use one of: %(values)s.",
            "Enter true or false.",
        ]
    return messages


def as_pattern(template: str) -> str:
    parts = re.split(r"\{[^}]*\}|%\([^)]*\)[sdr]|%[sd]", template)
    return ".*".join(re.escape(part) for part in parts)


FORM_MESSAGE = re.compile("|".join(f"(?:{as_pattern(t)})" for t in set(form_messages())), re.S)


def messages_of(body) -> Iterator[str]:
    if isinstance(body, str):
        yield body
    elif isinstance(body, dict):
        for value in body.values():
            yield from messages_of(value)
    elif isinstance(body, list):
        for value in body:
            yield from messages_of(value)


def positive_data_acceptance_by_form(ctx, response, case):
    """``positive_data_acceptance``, where a 400 counts as acceptance of the form unless one of
    its messages is a form message (see the module's docstring)."""
    meta = case.meta
    if response.status_code == 400 and meta is not None and meta.generation.mode.is_positive:
        refused = [m for m in messages_of(response.json()) if FORM_MESSAGE.fullmatch(m)]
        assert not refused, (
            f"{case.operation.label}: valid data refused for its form: {refused}\n{case.body!r}"
        )
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance_by_form,
]


def load_schema():
    """The schema as /api/schema/ serves it, generated in-process at collection (no database
    needed), answered by the WSGI application."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    loaded.config.seed = SEED
    loaded.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        database="none",
        # The bearer token is the run's own (a patient's, a therapist's): not a generated header.
        with_security_parameters=False,
    )
    # Revoking would end the run's token; logging in is covered by test_tokens.py.
    return loaded.exclude(path="/api/v1/auth/token/")


@pytest.fixture
def in_process_app(settings):
    """The requests run inside the test's transaction, on this thread's connection: Django must
    not close that connection after each request, as it does behind a real server."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world, in_process_app):
    return [token_create(user=user)[1] for user in (world.patient.user, world.therapist)]


schema = load_schema()


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
)
def test_the_api_answers_as_its_schema_says(case, tokens):
    for token in tokens:
        # call_and_validate raises on any failed check; the status is asserted here as well.
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}, checks=CHECKS
        )
        assert response.status_code < 500
