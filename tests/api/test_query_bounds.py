"""Orderings, ids, page numbers and sizes: every documented value works, everything else answers
400 — on PostgreSQL (this process) and on SQLite (tests/api/probe.py in a process of its own)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from api.base import MAX_ID
from tests.api.conftest import make_patient
from tests.api.test_errors import probe

TOO_BIG = "99999999999999999999999"


def ordering_enums() -> dict[str, list[str]]:
    """``{list path: the ordering values its schema documents}``."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {}
    for path, operations in schema["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["name"] == "ordering":
                found[path] = parameter["schema"]["enum"]
    return found


def test_the_schema_documents_the_orderings_as_enums():
    enums = ordering_enums()
    assert enums["/api/v1/patients/"] == [
        "last_name",
        "-last_name",
        "created_at",
        "-created_at",
        "last_session_at",
        "-last_session_at",
    ]
    assert enums["/api/v1/assignments/"] == [
        "start_date",
        "-start_date",
        "created_at",
        "-created_at",
    ]


@pytest.mark.parametrize(
    ("path", "value"), [(p, v) for p, vs in ordering_enums().items() for v in vs]
)
def test_every_documented_ordering_works(world, call, path, value):
    response = call("therapist", "get", f"{path}?ordering={value}")
    assert response.status_code == 200, response.content
    assert response.json()["count"] >= 2


def test_patients_sort_by_last_name_both_ways(world, call):
    for username, last_name in (("zeno", "Zander"), ("abel", "Albers")):
        user = make_patient(world.therapist, username=username).user
        user.last_name = last_name
        user.save(update_fields=["last_name"])
    answer = call("therapist", "get", "/api/v1/patients/?ordering=last_name").json()
    names = [row["last_name"] for row in answer["results"]]
    assert names == ["Albers", "Muster", "Muster", "Zander"]
    reverse = call("therapist", "get", "/api/v1/patients/?ordering=-last_name").json()
    assert [row["last_name"] for row in reverse["results"]] == names[::-1]


def test_an_undocumented_ordering_answers_400_with_the_choices(world, call):
    for value in ["first_name", "user__password", "last_name,created_at", "--last_name"]:
        response = call("therapist", "get", f"/api/v1/patients/?ordering={value}")
        assert response.status_code == 400, value
        assert "last_name, -last_name" in response.json()["ordering"][0]


@pytest.mark.parametrize(
    "query",
    [
        f"/api/v1/patients/?therapist={TOO_BIG}",
        f"/api/v1/patients/?therapist={MAX_ID + 1}",
        "/api/v1/patients/?therapist=0",
        "/api/v1/patients/?phase=-1",
        "/api/v1/patients/?phase=1.5",
        f"/api/v1/sessions/?patient={TOO_BIG}",
        f"/api/v1/assignments/?patient={TOO_BIG}",
        f"/api/v1/next-day-checks/?session={TOO_BIG}",
        f"/api/v1/questionnaires/responses/?questionnaire={TOO_BIG}",
        f"/api/v1/habits/?patient={TOO_BIG}",
        "/api/v1/habits/?patient=²",
        f"/api/v1/exercises/?phase={TOO_BIG}",
        "/api/v1/exercises/?phase=1.5",
        "/api/v1/patients/?page_size=0",
        "/api/v1/patients/?page_size=101",
        f"/api/v1/patients/?page_size={TOO_BIG}",
        "/api/v1/patients/?page_size=abc",
        "/api/v1/sessions/?page_size=101",
        "/api/v1/patients/?page=0",
        "/api/v1/patients/?page=abc",
        f"/api/v1/patients/?page={TOO_BIG}",
        f"/api/v1/exercises/?page={TOO_BIG}",
    ],
)
def test_a_number_out_of_range_in_the_query_answers_400_naming_it(world, call, query):
    name = query.split("?")[1].split("=")[0]
    response = call("therapist", "get", query)
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_numbers_in_range_are_accepted(world, call):
    largest = call("therapist", "get", f"/api/v1/patients/?therapist={MAX_ID}")
    assert largest.status_code == 200
    assert largest.json()["count"] == 0
    hundred = call("therapist", "get", "/api/v1/patients/?page_size=100")
    assert hundred.status_code == 200
    assert hundred.json()["count"] == 2
    past_the_end = call("therapist", "get", "/api/v1/patients/?page=99")
    assert past_the_end.status_code == 404


def test_a_nul_character_in_the_query_answers_400(world, call):
    for query in ["/api/v1/patients/?search=a%00b", "/api/v1/exercises/?goal=%00"]:
        response = call("therapist", "get", query)
        assert response.status_code == 400, query
        assert response.json() == {"detail": "The query string must not contain NUL characters."}


@pytest.mark.parametrize(
    ("role", "url", "body", "field"),
    [
        ("therapist", "/api/v1/assignments/", {"patient": TOO_BIG, "program": 1}, "patient"),
        ("therapist", "/api/v1/next-day-checks/", {"session": int(TOO_BIG), "pain": 1}, "session"),
        ("therapist", "/api/v1/patients/", {"therapist": int(TOO_BIG)}, "therapist"),
        (
            "patient",
            "/api/v1/questionnaires/responses/",
            {"questionnaire": int(TOO_BIG), "answers": {}},
            "questionnaire",
        ),
    ],
)
def test_an_id_out_of_range_in_a_body_answers_400_naming_it(world, call, role, url, body, field):
    response = call(role, "post", url, body)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_nul_character_in_a_body_answers_400(world, call):
    response = call(
        "patient", "post", "/api/v1/questionnaires/responses/", {"answers": {"a\x00": 1}}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body must not contain NUL characters."}


def test_on_sqlite_orderings_ids_and_pages_answer_as_on_postgresql(tmp_path):
    enums = ordering_enums()
    orderings = [
        f"{path}?ordering={value}" for path in sorted(enums, reverse=True) for value in enums[path]
    ]
    assert orderings[0] == "/api/v1/patients/?ordering=last_name"
    requests = [
        *[["get", url, None] for url in orderings],
        ["get", f"/api/v1/patients/?therapist={TOO_BIG}", None],
        ["get", f"/api/v1/patients/?therapist={MAX_ID}", None],
        ["get", f"/api/v1/patients/?page_size={TOO_BIG}", None],
        ["get", f"/api/v1/exercises/?phase={TOO_BIG}", None],
        ["get", f"/api/v1/patients/{TOO_BIG}/", None],
        ["get", f"/api/v1/exercises/{MAX_ID}/", None],
        ["post", "/api/v1/assignments/", {"patient": int(TOO_BIG), "program": 1}],
        ["post", "/api/v1/next-day-checks/", {"session": MAX_ID, "pain": 1}],
    ]
    answers = probe(f"sqlite:///{tmp_path / 'api.sqlite3'}", requests, setup=True)
    statuses = [answer["status"] for answer in answers]
    assert statuses == [200] * len(orderings) + [400, 200, 400, 400, 404, 404, 400, 400], answers
    assert all(answer["content_type"] == "application/json" for answer in answers)
    by_name = answers[0]["body"]["results"]
    assert [row["last_name"] for row in by_name] == ["Albers", "Zander"]
    assert [row["last_name"] for row in answers[1]["body"]["results"]] == ["Zander", "Albers"]
    assert "therapist" in answers[len(orderings)]["body"]
    assert "patient" in answers[-2]["body"]
    assert "session" in answers[-1]["body"]


@pytest.mark.parametrize("value", ["null", "yes", "1", "", "TRUE"])
def test_a_boolean_filter_takes_only_true_or_false(world, call, value):
    response = call("therapist", "get", f"/api/v1/sessions/?flagged={value}")
    assert response.status_code == 400
    assert response.json() == {"flagged": ["Enter true or false."]}


def test_a_boolean_filter_filters(world, call):
    flagged = call("therapist", "get", "/api/v1/sessions/?flagged=true").json()["results"]
    unflagged = call("therapist", "get", "/api/v1/sessions/?flagged=false").json()["results"]
    assert all(row["flagged"] for row in flagged)
    assert unflagged and not any(row["flagged"] for row in unflagged)


@pytest.mark.parametrize("value", ["", "xml", "PDF"])
def test_the_export_takes_only_the_documented_formats(world, call, value):
    response = call("patient", "get", f"/api/v1/me/export/?format={value}")
    assert response.status_code == 400
    assert response.json() == {"format": ["Choose json or pdf."]}
