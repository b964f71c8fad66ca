"""Request bodies the API refuses with a JSON message instead of crashing (docs/api.md "Errors"):
not an object, nested too deep, too large, or not JSON at all."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from api.parsers import MAX_DEPTH, nesting_depth
from patients.models import SessionLog
from tests.api.conftest import PASSWORD, bearer_client

TOKEN_URL = "/api/v1/auth/token/"
NOT_OBJECTS = ["[null, null]", '"x"', "1", "null", "true", "[]"]


def post_raw(client: APIClient, url: str, body: str | bytes, content_type="application/json"):
    return client.generic("POST", url, body, content_type=content_type, HTTP_ACCEPT_LANGUAGE="en")


def nested(depth: int) -> str:
    """``{"username": [[…"x"…]]}`` with ``depth`` levels in all."""
    return '{"username": ' + "[" * (depth - 1) + '"x"' + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_a_login_body_that_is_not_an_object_answers_400_before_the_throttle(db, body):
    response = post_raw(APIClient(), TOKEN_URL, body)
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body must be a JSON object."}


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_a_session_body_that_is_not_an_object_answers_400(world, body):
    response = post_raw(bearer_client(world.patient.user), "/api/v1/sessions/", body)
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body must be a JSON object."}
    assert SessionLog.objects.filter(patient=world.patient).count() == 2


@pytest.mark.parametrize("url", [TOKEN_URL, "/api/v1/sessions/", "/api/v1/patients/"])
@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_json_nested_five_thousand_deep_answers_400(world, url, opener):
    closer = "]" if opener == "[" else "}"
    body = opener * 5000 + "1" + closer * 5000
    client = bearer_client(world.therapist if url == "/api/v1/patients/" else world.patient.user)
    response = post_raw(client, url, body)
    assert response.status_code == 400
    assert response.json() == {"detail": f"The JSON body nests deeper than {MAX_DEPTH} levels."}


def test_the_depth_limit_is_exact_and_brackets_in_strings_do_not_count(db):
    assert nesting_depth(nested(MAX_DEPTH)) == MAX_DEPTH
    assert nesting_depth('{"username": "[[[[{{{{\\"[[[", "password": "]]]"}') == 1
    client = APIClient()
    too_deep = post_raw(client, TOKEN_URL, nested(MAX_DEPTH + 1))
    assert too_deep.status_code == 400
    assert "deeper than" in too_deep.json()["detail"]
    # At the limit the body parses; the serializer refuses the list where a name belongs.
    at_limit = post_raw(client, TOKEN_URL, nested(MAX_DEPTH))
    assert at_limit.status_code == 400
    assert set(at_limit.json()) == {"username", "password"}
    brackets = {"username": "[[[[" * 40 + '"' + "{" * 40, "password": "]" * 40}
    answer = post_raw(client, TOKEN_URL, json.dumps(brackets))
    assert answer.status_code == 400
    assert answer.json() == {"non_field_errors": ["Unable to log in with the given credentials."]}


def test_invalid_json_and_undecodable_bytes_answer_400(db):
    client = APIClient()
    for body, detail in [
        ('{"username": ', "The request body is not valid JSON."),
        ('{"n": NaN}', "The request body is not valid JSON."),
        ('{"n": ' + "9" * 5000 + "}", "The request body is not valid JSON."),
        (b'{"username": "\xff\xfe"}', "The request body is not valid text."),
    ]:
        response = post_raw(client, TOKEN_URL, body)
        assert response.status_code == 400, body
        assert response.json() == {"detail": detail}
    bz2 = post_raw(client, TOKEN_URL, "{}", content_type="application/json; charset=bz2_codec")
    assert bz2.status_code == 400
    assert "charset" in bz2.json()["detail"]


def test_a_body_over_the_upload_limit_answers_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"username": "anna", "password": "x" * 2000})
    response = post_raw(APIClient(), TOKEN_URL, body)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}
    patient = post_raw(bearer_client(world.patient.user), "/api/v1/sessions/", body)
    assert patient.status_code == 413
    assert patient.json() == {"detail": "The request body is too large."}
    # Just under the limit the body is read as usual.
    small = json.dumps({"username": "anna", "password": PASSWORD})
    assert post_raw(APIClient(), TOKEN_URL, small).status_code == 200


def test_a_declared_length_over_the_limit_is_refused_before_reading(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = APIClient().generic(
        "POST",
        TOKEN_URL,
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH="5000000",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_a_write_in_another_content_type_answers_415(world, content_type):
    body = "username=anna&password=x"
    for client, url in [
        (APIClient(), TOKEN_URL),
        (bearer_client(world.patient.user), "/api/v1/sessions/"),
        (bearer_client(world.therapist), "/api/v1/patients/"),
    ]:
        if content_type == "multipart/form-data":
            response = client.generic(
                "POST", url, b"--b\r\n", content_type=f"{content_type}; boundary=b"
            )
        else:
            response = post_raw(client, url, body, content_type=content_type)
        assert response.status_code == 415, url
        assert content_type in response.json()["detail"]  # "Unsupported media type …"


def test_after_a_refused_body_the_login_still_works(world):
    client = APIClient()
    for body in NOT_OBJECTS:
        post_raw(client, TOKEN_URL, body)
    response = post_raw(client, TOKEN_URL, json.dumps({"username": "anna", "password": PASSWORD}))
    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", 0, "Not a valid string."),
        ("username", True, "Not a valid string."),
        ("password", ["x"], "Not a valid string."),
    ],
)
def test_a_string_field_takes_only_a_string(db, field, value, message):
    body = {"username": "anna", "password": "x", field: value}
    response = post_raw(APIClient(), TOKEN_URL, json.dumps(body))
    assert response.status_code == 400
    assert response.json() == {field: [message]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3", "A valid integer is required."),
        (3.0, "A valid integer is required."),
        (True, "A valid integer is required."),
    ],
)
def test_a_number_field_takes_only_a_json_number(world, call, value, message):
    body = {"session": world.session.pk, "pain": value}
    response = call("patient", "post", "/api/v1/next-day-checks/", body)
    assert response.status_code == 400
    assert response.json()["pain"] == [message]


def test_an_id_takes_only_a_json_integer(world, call):
    body = {"session": str(world.session.pk), "pain": 1}
    response = call("patient", "post", "/api/v1/next-day-checks/", body)
    assert response.status_code == 400
    assert response.json()["session"] == ["Incorrect type. Expected pk value, received str."]


def test_a_boolean_field_takes_only_true_or_false(world, call):
    response = call("patient", "patch", "/api/v1/me/profile/", {"reminder_opt_out": "yes"})
    assert response.status_code == 400
    assert response.json() == {"reminder_opt_out": ["Must be a valid boolean."]}
    accepted = call("patient", "patch", "/api/v1/me/profile/", {"reminder_opt_out": True})
    assert accepted.status_code == 200
    assert accepted.json()["reminder_opt_out"] is True


def test_the_schema_documents_413_and_415_for_every_operation_with_a_body():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    with_body = [
        (path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    assert len(with_body) >= 10
    for path, operation in with_body:
        assert {"413", "415"} <= set(operation["responses"]), path
