"""Query budgets (STYLE: every list has one): enough rows that an N+1 would show, counted for a
bearer-token request, authentication included."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from patients import services
from questionnaires.models import Questionnaire
from questionnaires.services import response_submit
from tests.api.conftest import PATIENT, THERAPIST, assign, full_answers, log, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(world, settings):
    """Five more patients of the therapist with programmes, sessions, checks and responses, and
    more sessions, checks and habit ticks for ``patient``. Sessions go back further than a
    patient may log them today (``SESSION_BACKDATE_DAYS``), to the programme's start."""
    settings.SESSION_BACKDATE_DAYS = 30
    questionnaire = Questionnaire.objects.get(slug="fear-of-movement")
    for number in range(5):
        patient = make_patient(world.therapist, username=f"crowd{number}")
        assign(patient, phase=1 + number % 4)
        for days in (1, 2, 3):
            session = log(patient, days_ago=days, pain=number % 5)
            services.next_day_check_record(session=session, pain=3)
        response_submit(
            patient=patient, questionnaire=questionnaire, answers=full_answers(questionnaire)
        )
    for days in range(3, 25):
        session = log(world.patient, days_ago=days, pain=days % 6)
        services.next_day_check_record(session=session, pain=days % 4)
    for habit in world.assignment.program.habits.all():
        services.habit_check_record(patient=world.patient, habit=habit, day=session.local_date)
    return world


@pytest.mark.parametrize(
    ("role", "url", "budget"),
    [
        # Token (with user and patient), the day's state with the catalogue revision and habit
        # ticks, the prescription, the days done: exercise texts and media come from the
        # catalogue snapshot (programs/catalogue.py).
        (PATIENT, "/api/v1/me/today/", 4),
        (PATIENT, "/api/v1/sessions/", 3),
        # A therapist's list adds one INSERT: the page's rows in the audit log (audit/).
        (THERAPIST, "/api/v1/sessions/", 4),
        (THERAPIST, "/api/v1/patients/", 6),
        (THERAPIST, "/api/v1/assignments/", 4),
        (THERAPIST, "/api/v1/next-day-checks/", 4),
        (THERAPIST, "/api/v1/questionnaires/responses/", 6),
        (PATIENT, "/api/v1/questionnaires/", 6),
        (PATIENT, "/api/v1/habits/", 3),
        (PATIENT, "/api/v1/me/profile/", 1),
    ],
)
def test_lists_use_a_fixed_number_of_queries(crowd, call, role, url, budget):
    call(role, "get", url)  # the client's token (and the calendar key) exist before counting

    with CaptureQueriesContext(connection) as queries:
        response = call(role, "get", url)

    assert response.status_code == 200
    assert len(queries) <= budget, "\n".join(query["sql"] for query in queries.captured_queries)


def session_body(world, count):
    exercises = world.assignment.items.values_list("exercise_id", flat=True)[:count]
    return {
        "performed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "pain_before": 2,
        "pain_after": 2,
        "rpe": 5,
        "red_flag_saddle_numbness": False,
        "red_flag_bladder_bowel": False,
        "red_flag_leg_weakness": False,
        "entries": [{"exercise": pk, "sets_done": 2, "reps": 10, "pain": 1} for pk in exercises],
    }


@pytest.mark.parametrize(("key", "budget"), [(None, 6), ("retry-key", 8)])
def test_posting_a_session_costs_the_same_for_any_number_of_entries(world, call, key, budget):
    """docs/product.md: POST sessions/ within 8 queries for any number of entries. Counted inside
    the test's transaction, where the service's transaction is a SAVEPOINT/RELEASE pair; in
    production it is BEGIN/COMMIT, which CaptureQueriesContext counts too: the same numbers."""
    call(PATIENT, "get", "/api/v1/me/today/")
    prescribed = world.assignment.items.filter(removed_at__isnull=True).count()
    assert prescribed >= 3
    counts = []
    for number, count in enumerate((1, 2, prescribed)):
        body = session_body(world, count)
        headers = {"HTTP_IDEMPOTENCY_KEY": f"{key}-{number}"} if key else {}
        with CaptureQueriesContext(connection) as queries:
            response = call(PATIENT, "post", "/api/v1/sessions/", body, **headers)
        assert response.status_code == 201, response.content
        assert len(response.json()["entries"]) == count
        counts.append(len(queries))

    assert len(set(counts)) == 1, counts
    assert counts[0] == budget, counts


@pytest.mark.parametrize("key", [None, "retry-key"])
def test_posting_a_session_reads_its_context_as_plain_values(world, call, key):
    """The POST's context (programme, prescription, the key's earlier session, the catalogue
    revision) comes as values and the answer's names from the catalogue snapshot: the only
    model objects are the caller's (token, user, patient) and what is written — whatever the
    size of the prescription (was one prescription item, programme, phase and exercise per
    prescribed exercise)."""
    call(PATIENT, "get", "/api/v1/me/today/")
    body = session_body(world, 3)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    made: Counter[str] = Counter()

    def count(sender, **kwargs):
        made[sender.__name__] += 1

    post_init.connect(count)
    try:
        response = call(PATIENT, "post", "/api/v1/sessions/", body, **headers)
    finally:
        post_init.disconnect(count)

    assert response.status_code == 201, response.content
    assert made == {"ApiToken": 1, "User": 1, "Patient": 1, "SessionLog": 1, "ExerciseEntry": 3}
    with translation.override("en"):  # the client asks for English
        exercises = {item.exercise_id: item.exercise.name for item in world.assignment.items.all()}
    assert [(e["exercise"], e["exercise_name"]) for e in response.json()["entries"]] == [
        (e["exercise"], exercises[e["exercise"]]) for e in body["entries"]
    ]
    assert response.json()["phase"] == world.assignment.current_phase.number


def test_a_replayed_post_answers_the_first_session_within_the_budget(world, call):
    body = session_body(world, 3)
    first = call(PATIENT, "post", "/api/v1/sessions/", body, HTTP_IDEMPOTENCY_KEY="once")
    assert first.status_code == 201

    with CaptureQueriesContext(connection) as queries:
        again = call(PATIENT, "post", "/api/v1/sessions/", body, HTTP_IDEMPOTENCY_KEY="once")

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["entries"] == first.json()["entries"]
    assert len(queries) <= 8, "\n".join(query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize(("url", "budget"), [("/api/v1/me/today/", 4), ("/api/v1/sessions/", 4)])
def test_the_busiest_reads_cost_the_same_whatever_the_data_size(crowd, call, url, budget):
    """docs/product.md: ten times the sessions, more patients and habit ticks change nothing."""

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = call(PATIENT, "get", url)
        assert response.status_code == 200
        return len(queries)

    call(PATIENT, "get", url)
    small = count()
    for number in range(3):
        assign(make_patient(crowd.therapist, username=f"more{number}"))
    # Three a day, back to the programme's start 30 days ago.
    for number in range(65):
        log(crowd.patient, days_ago=3 + number / 3, pain=number % 5)
    large = count()

    assert small == large <= budget
