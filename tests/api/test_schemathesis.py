"""Schema-driven fuzzing: schemathesis generates requests from /api/schema/ and sends them to
the app in-process (WSGI) with a patient's and a therapist's token. Every answer must be a
non-5xx with a documented status code, content type and body schema.

Bounded: a fixed seed, ``MAX_EXAMPLES`` per operation, the examples and fuzzing phases (both
valid and invalid data). ``-m "not schemathesis"`` leaves it out of a quick run.
"""

import json

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mtt.tokens.services import token_create

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def load_schema():
    """The schema as /api/schema/ serves it, generated in-process at collection (no database
    needed), answered by the WSGI application."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    loaded.config.seed = 20260101
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    loaded.config.generation.update(max_examples=MAX_EXAMPLES)
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
            headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
        )
        assert response.status_code < 500
