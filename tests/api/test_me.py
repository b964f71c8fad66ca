"""me/today/ (the shape docs/product.md fixes) and me/profile/ (settings, calendar feed)."""

import json
from dataclasses import replace

import pytest
from django.test import RequestFactory
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from patients import selectors, services
from patients.api.base import patient_day
from patients.api.me import TodaySerializer
from patients.api.safety import practice, today_advice
from patients.models import HabitCheck
from programs.models import Exercise
from programs.selectors import attach_media
from tests.api.conftest import PATIENT, bearer_client, log, make_patient

pytestmark = pytest.mark.django_db

EXERCISE_KEYS = {
    "id",
    "slug",
    "name",
    "goal",
    "sets",
    "reps_min",
    "reps_max",
    "duration_min_s",
    "duration_max_s",
    "rest_s",
    "due",
}


def test_today_for_a_phase_2_patient(world, call):
    response = call(PATIENT, "get", "/api/v1/me/today/")

    assert response.status_code == 200
    data = response.json()
    assert data["date"] == str(timezone.localdate())
    assert data["phase"] == {"number": 2, "name": "Activating inner stability"}
    assert data["status"] == "active"
    slugs = [row["slug"] for row in data["exercises"]]
    assert slugs == [
        "lws-release-doppelball",
        "passive-extension-faszienrolle",
        "segmentale-stabilisation",
        "plank-mtt",
    ]
    for row in data["exercises"]:
        assert row.keys() >= EXERCISE_KEYS
    stabilisation = data["exercises"][2]
    assert (stabilisation["goal"], stabilisation["sets"], stabilisation["rest_s"]) == (
        "tiefe-stabilisation",
        3,
        30,
    )
    assert (stabilisation["reps_min"], stabilisation["reps_max"]) == (15, 20)
    assert stabilisation["duration_min_s"] is None
    assert len(data["habits"]) == 3
    assert {"id", "name", "count", "done", "times_per_day"} <= data["habits"][0].keys()


def test_today_says_what_is_due_after_todays_session(world, call):
    services.session_log_create(
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
        patient=world.patient,
        performed_at=timezone.now(),
        pain_before=1,
        pain_after=1,
        rpe=3,
        entries=[{"exercise": world.assignment.items.get(exercise__slug="plank-mtt").exercise_id}],
    )

    rows = {
        row["slug"]: row for row in call(PATIENT, "get", "/api/v1/me/today/").json()["exercises"]
    }

    assert rows["plank-mtt"]["due"] is False
    assert rows["plank-mtt"]["done_today"] is True
    assert rows["segmentale-stabilisation"]["due"] is True


def test_today_without_a_programme_has_no_phase(world):
    newcomer = make_patient(world.therapist, username="newcomer")

    data = bearer_client(newcomer.user).get("/api/v1/me/today/").json()

    assert data["phase"] is None
    assert data["status"] is None
    assert data["exercises"] == data["habits"] == []


def test_a_paused_programme_shows_nothing_due(world, call):
    services.assignment_pause(assignment=world.assignment, changed_by=world.therapist)

    data = call(PATIENT, "get", "/api/v1/me/today/").json()

    assert data["status"] == "paused"
    assert data["exercises"]
    assert not any(row["due"] for row in data["exercises"])


def test_profile_reads_and_changes_the_patients_settings(world, call):
    profile = call(PATIENT, "get", "/api/v1/me/profile/").json()

    assert {
        "language",
        "time_zone",
        "reminder_time",
        "reminder_opt_out",
        "email",
        "calendar_url",
    } <= profile.keys()
    assert profile["reminder_time"] == "18:00"
    assert profile["calendar_url"].endswith(".ics")

    response = call(
        PATIENT,
        "patch",
        "/api/v1/me/profile/",
        {
            "language": "en",
            "time_zone": "Europe/Vienna",
            "reminder_time": "07:45",
            "reminder_opt_out": True,
            "email": "anna.neu@example.org",
        },
    )

    assert response.status_code == 200, response.content
    assert response.json()["reminder_time"] == "07:45"
    world.patient.refresh_from_db()
    world.patient.user.refresh_from_db()
    assert (world.patient.language, world.patient.time_zone) == ("en", "Europe/Vienna")
    assert world.patient.reminder_time.strftime("%H:%M") == "07:45"
    assert world.patient.reminder_opt_out is True
    assert world.patient.user.email == "anna.neu@example.org"
    assert response.json()["calendar_url"] == profile["calendar_url"]


def test_a_new_calendar_url_replaces_the_old_one(world, call):
    old = call(PATIENT, "get", "/api/v1/me/profile/").json()["calendar_url"]

    new = call(PATIENT, "patch", "/api/v1/me/profile/", {"new_calendar_url": True}).json()

    assert new["calendar_url"] != old
    assert call(PATIENT, "get", old.split("8000", 1)[-1]).status_code == 404


BAD_PROFILES = {
    "unknown time zone": ({"time_zone": "Mars/Olympus"}, "time_zone"),
    "reminder time out of range": ({"reminder_time": "25:00"}, "reminder_time"),
    "reminder time not a time": ({"reminder_time": "evening"}, "reminder_time"),
    "unknown language": ({"language": "fr"}, "language"),
    "not an e-mail address": ({"email": "anna"}, "email"),
    "another account's e-mail": ({"email": "berta@example.org"}, "email"),
    "opt-out not a boolean": ({"reminder_opt_out": "perhaps"}, "reminder_opt_out"),
}


@pytest.mark.parametrize("case", BAD_PROFILES, ids=list(BAD_PROFILES))
def test_bad_profile_values_answer_400_and_change_nothing(world, call, case):
    data, field = BAD_PROFILES[case]
    before = call(PATIENT, "get", "/api/v1/me/profile/").json()

    # A valid change next to the bad one is not stored either.
    response = call(PATIENT, "patch", "/api/v1/me/profile/", {"language": "en", **data})

    assert response.status_code == 400
    assert field in response.json()
    assert call(PATIENT, "get", "/api/v1/me/profile/").json() == before


def test_clinical_fields_are_not_part_of_the_profile(world, call):
    response = call(PATIENT, "patch", "/api/v1/me/profile/", {"pain_limit": 9})

    assert response.status_code == 200
    world.patient.refresh_from_db()
    assert world.patient.pain_limit == 3


def test_habits_tick_and_untick_within_times_per_day(world, call):
    habits = call(PATIENT, "get", "/api/v1/habits/").json()["results"]
    psoas = next(row for row in habits if row["times_per_day"] > 1)
    url = f"/api/v1/habits/{psoas['id']}/"

    ticks = [
        call(PATIENT, "post", url + "tick/").json()["count"]
        for _ in range(psoas["times_per_day"] + 1)
    ]
    back = call(PATIENT, "post", url + "untick/").json()

    assert ticks[-2:] == [psoas["times_per_day"]] * 2
    assert back["count"] == psoas["times_per_day"] - 1
    assert HabitCheck.objects.get(patient=world.patient).count == psoas["times_per_day"] - 1


def test_a_habit_outside_the_programme_answers_404(world, call):
    response = call(PATIENT, "post", "/api/v1/habits/999999/tick/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"detail": "This habit is not part of your programme."}
    assert not HabitCheck.objects.filter(patient=world.patient).exists()


def test_therapists_must_name_the_patient_for_habits(world, call):
    response = call("therapist", "get", "/api/v1/habits/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {"patient": ["Name the patient: ?patient=<id>."]}


def test_today_items_carry_equipment_and_media(world, call):
    response = call(PATIENT, "get", "/api/v1/me/today/", HTTP_ACCEPT_LANGUAGE="en")

    rows = {row["slug"]: row for row in response.json()["exercises"]}
    plank = Exercise.objects.get(slug="plank-mtt")
    assert rows["plank-mtt"]["equipment"] == plank.equipment_en
    start, end = rows["plank-mtt"]["media"]
    assert (start["role"], end["role"]) == ("start_position", "end_position")
    assert start["url"] == "http://testserver/static/programs/exercises/plank-mtt-start.svg"
    assert (start["kind"], start["width"], start["height"]) == ("image", 320, 200)
    assert start["alt"] == plank.media.get(role="start_position").alt_en


def model_based_today(patient, language: str) -> dict:
    """``me/today/`` as the serializer renders it from model instances (the view before it read
    plain values and the catalogue snapshot): the view must answer exactly this."""
    request = RequestFactory().get("/api/v1/me/today/")
    with translation.override(language):
        today = patient_day(patient)
        assignment, items = selectors.open_assignment_and_items(patient)
        attach_media(item.exercise for item in items)
        state = selectors.safety_state(patient=patient, today=today)
        status = None if assignment is None else assignment.status
        body = {
            "date": today,
            "assignment": assignment and assignment.pk,
            "status": status,
            "advice": today_advice(state=state, status=status),
            "practice": practice(),
            "phase": assignment
            and {"number": assignment.current_phase.number, "name": assignment.current_phase.name},
            "exercises": [],
            "habits": [],
        }
        if assignment is not None:
            plan = selectors.today_plan(
                patient=patient, assignment=assignment, today=today, items=items
            )
            if state.high_pain_today:
                plan = [replace(row, due=False) for row in plan]
            body["exercises"] = plan
            body["habits"] = selectors.habit_days_for_program(
                patient=patient, program_id=assignment.program_id, day=today
            )
        data = TodaySerializer(body, context={"request": request}).data
        return json.loads(JSONRenderer().render(data))


@pytest.mark.parametrize("language", ["de", "en"])
def test_today_answers_what_the_serializer_renders_from_the_models(world, call, language):
    """Done today, due later, habits ticked, German and English: the plain-values view and the
    serializer over model instances agree key by key."""
    services.habit_check_record(
        patient=world.patient,
        habit=world.assignment.program.habits.first(),
        day=timezone.localdate(),
    )
    response = call(PATIENT, "get", "/api/v1/me/today/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert response.json() == model_based_today(world.patient, language)
    assert response.json()["exercises"][0]["media"], "the MASTER drawings are in the answer"


def test_today_of_a_paused_programme_matches_the_serializer(world, call):
    services.assignment_pause(assignment=world.assignment, changed_by=world.therapist)

    paused = call(PATIENT, "get", "/api/v1/me/today/")

    assert paused.json()["status"] == "paused"
    assert paused.json() == model_based_today(world.patient, "en")


def test_today_after_high_pain_matches_the_serializer(world, call):
    log(world.patient, days_ago=0.01, pain_after=8)

    response = call(PATIENT, "get", "/api/v1/me/today/")

    assert [row["code"] for row in response.json()["advice"]] == ["stop_today"]
    assert not any(row["due"] for row in response.json()["exercises"])
    assert response.json() == model_based_today(world.patient, "en")
