from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from programs.models import Exercise, Program
from programs.services import program_copy

pytestmark = pytest.mark.django_db


def _results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_exercises_list_the_master_exercises_with_the_dose_of_table_iv(client):
    exercises = {row["slug"]: row for row in _results(client.get("/api/v1/exercises/"))}

    assert len(exercises) == 7
    stabilisation = exercises["segmentale-stabilisation"]
    assert stabilisation["phase"]["number"] == 2
    assert stabilisation["goal"]["slug"] == "tiefe-stabilisation"
    assert {
        key: stabilisation["dosage"][key]
        for key in ("reps_min", "reps_max", "sets", "rest_s", "frequency", "interval_days")
    } == {
        "reps_min": 15,
        "reps_max": 20,
        "sets": 3,
        "rest_s": 30,
        "frequency": "3_4_per_week",
        "interval_days": 1,
    }
    bouncing = exercises["reaktives-federn"]["dosage"]
    assert (bouncing["duration_min_s"], bouncing["duration_max_s"], bouncing["reps_min"]) == (
        30,
        60,
        None,
    )
    assert bouncing["weekly_target"] == 3.5


def test_exercises_filter_by_phase_and_goal(client):
    phase_three = _results(client.get("/api/v1/exercises/", {"phase": 3}))
    rolling = _results(client.get("/api/v1/exercises/", {"goal": "faszien-hydratation"}))

    assert {row["phase"]["number"] for row in phase_three} == {3}
    assert len(phase_three) == 2
    assert {row["goal"]["slug"] for row in rolling} == {"faszien-hydratation"}
    assert len(rolling) == 2


def test_catalogue_texts_follow_the_request_language(client):
    german = _results(client.get("/api/v1/phases/", HTTP_ACCEPT_LANGUAGE="de"))
    english = _results(client.get("/api/v1/phases/", HTTP_ACCEPT_LANGUAGE="en"))

    assert german[0]["name"] == "Akut-Entlastung und Gewebehydratation"
    assert english[0]["name"] != german[0]["name"]
    assert [row["number"] for row in german] == [1, 2, 3, 4]


def test_goals_carry_structured_dosage(client):
    goals = {row["slug"]: row for row in _results(client.get("/api/v1/goals/"))}

    strength = goals["funktionelle-kraft"]["dosage"]
    assert (strength["reps_min"], strength["reps_max"], strength["rest_s"]) == (8, 12, 90)
    assert (strength["weekly_target"], strength["weekly_max"]) == (2.0, 3)
    assert goals["faszien-hydratation"]["dosage"]["set_unit"] == "passes"


def test_program_detail_nests_phases_and_exercises_in_order(client):
    master = Program.objects.get(slug="master")

    response = client.get(reverse("program-detail", args=[master.pk]))

    assert response.status_code == 200
    body = response.json()
    assert [phase["number"] for phase in body["phases"]] == [1, 2, 3, 4]
    assert sum(len(phase["exercises"]) for phase in body["phases"]) == 7
    assert [item["exercise"]["slug"] for item in body["phases"][3]["exercises"]] == [
        "reaktives-federn"
    ]
    assert len(body["habits"]) == 3


def test_catalogue_is_read_only_for_everyone(admin_client_logged_in):
    url = "/api/v1/exercises/"
    payload = {"slug": "new", "name_de": "Neu"}

    assert Client().post(url, payload).status_code == 405
    assert admin_client_logged_in.post(url, payload).status_code == 405
    assert admin_client_logged_in.delete(f"{url}{Exercise.objects.first().pk}/").status_code == 405
    assert Exercise.objects.count() == 7


def test_unknown_exercise_answers_404(client):
    assert client.get("/api/v1/exercises/999999/").status_code == 404


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/api/v1/phases/", 2),
        ("/api/v1/goals/", 2),
        ("/api/v1/exercises/", 3),  # count, page, every exercise's media at once
        ("/api/v1/programs/", 5),
    ],
)
def test_catalogue_lists_use_a_fixed_number_of_queries(
    client, django_assert_num_queries, url, budget
):
    """Grow the catalogue so an N+1 would show: twenty copies of the MASTER programme."""
    master = Program.objects.get(slug="master")
    for _ in range(20):
        program_copy(program=master)

    with django_assert_num_queries(budget):
        response = client.get(url)

    assert response.status_code == 200
    assert response.json()["count"] >= 4


def test_program_copy_keeps_phases_doses_and_habits():
    master = Program.objects.get(slug="master")

    copy = program_copy(program=master)
    again = program_copy(program=master)

    assert copy.slug != again.slug
    assert copy.copied_from == master
    assert copy.name_de.endswith("(Kopie)")
    assert list(copy.program_phases.values_list("phase__number", "min_days")) == list(
        master.program_phases.values_list("phase__number", "min_days")
    )
    original = {item.exercise_id: item.dosage() for item in master.program_exercises.all()}
    copied = {item.exercise_id: item.dosage() for item in copy.program_exercises.all()}
    assert copied == original
    assert set(copy.habits.all()) == set(master.habits.all())
    assert original[Exercise.objects.get(slug="reaktives-federn").pk]["weekly_target"] == Decimal(
        "3.5"
    )
