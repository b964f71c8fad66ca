"""POST sessions/ (body, flags, idempotency and validation as docs/product.md states them) and
the session list."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from patients import services
from patients.api.sessions import SessionSerializer, session_queryset
from patients.models import Alert, ExerciseEntry, RedFlag, SessionLog
from programs.models import Exercise
from tests.api.conftest import PATIENT, THERAPIST, log

pytestmark = pytest.mark.django_db

URL = "/api/v1/sessions/"


def body(world, **changes):
    exercises = list(world.assignment.items.values_list("exercise_id", flat=True)[:2])
    data = {
        "performed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "pain_before": 2,
        "pain_after": 3,
        "rpe": 5,
        "notes": "Felt good.",
        "red_flag_saddle_numbness": False,
        "red_flag_bladder_bowel": False,
        "red_flag_leg_weakness": False,
        "entries": [
            {"exercise": exercises[0], "sets_done": 2, "reps": 10, "pain": 1},
            {"exercise": exercises[1], "sets_done": 3, "duration_s": 45, "load_kg": 2.5},
        ],
    }
    data.update(changes)
    return data


def stored():
    return (
        SessionLog.objects.count(),
        ExerciseEntry.objects.count(),
        Alert.objects.count(),
        RedFlag.objects.count(),
    )


def test_a_patient_logs_a_session_with_the_spec_body(world, call):
    response = call(PATIENT, "post", URL, body(world))

    assert response.status_code == 201, response.content
    data = response.json()
    assert {"id", "flagged", "flag_reasons"} <= data.keys()
    assert data["flagged"] is False
    assert data["flag_reasons"] == []
    session = SessionLog.objects.get(pk=data["id"])
    assert session.patient == world.patient
    assert session.phase.number == 2
    assert [entry["sets_done"] for entry in data["entries"]] == [2, 3]
    assert data["entries"][1]["load_kg"] == 2.5
    assert session.entries.count() == 2


def test_pain_above_the_limit_flags_the_session_and_gives_advice(world, call):
    data = body(world, pain_before=2, pain_after=5)

    response = call(PATIENT, "post", URL, data)

    assert response.status_code == 201
    result = response.json()
    assert result["flagged"] is True
    assert set(result["flag_reasons"]) == {"pain_above_limit", "pain_rise"}
    assert result["advice"][0]["code"] == "reduce_range_or_load"
    assert result["advice"][0]["level"] == "warning"
    assert result["advice"][0]["text"] == "Make the movement smaller or use less load."
    assert result["flag_labels"] == ["pain above the limit", "pain rose during the session"]
    assert Alert.objects.filter(session_id=result["id"]).count() == 2


def test_a_red_flag_answer_stops_with_advice_and_records_the_red_flag(world, call):
    response = call(PATIENT, "post", URL, body(world, red_flag_bladder_bowel=True))

    assert response.status_code == 201
    assert response.json()["flag_reasons"][0] == "red_flag"
    assert response.json()["flag_labels"][0] == "red flag reported"
    advice = response.json()["advice"]
    assert [item["code"] for item in advice] == ["emergency_now", "programme_stopped"]
    assert [item["level"] for item in advice] == ["urgent", "warning"]
    assert "112" in advice[0]["text"]
    assert RedFlag.objects.filter(patient=world.patient, session_id=response.json()["id"]).exists()
    world.assignment.refresh_from_db()
    assert world.assignment.status == "stopped"


ANSWERS = ("red_flag_saddle_numbness", "red_flag_bladder_bowel", "red_flag_leg_weakness")


@pytest.mark.parametrize(
    "missing", [(name,) for name in ANSWERS] + [ANSWERS], ids=[*ANSWERS, "all three"]
)
def test_each_unanswered_safety_question_answers_400_by_name(world, call, missing):
    data = {key: value for key, value in body(world).items() if key not in missing}
    before = stored()

    response = call(PATIENT, "post", URL, data)

    assert response.status_code == 400
    errors = response.json()
    assert {name for name in ANSWERS if name in errors} == set(missing)
    assert all(errors[name] == ["This field is required."] for name in missing)
    assert stored() == before


def test_a_null_safety_answer_is_not_a_no(world, call):
    response = call(PATIENT, "post", URL, body(world, red_flag_leg_weakness=None))

    assert response.status_code == 400
    assert response.json()["red_flag_leg_weakness"] == ["This field may not be null."]


@pytest.mark.parametrize("shape", ["absent", "empty"])
def test_a_yes_saves_the_session_without_exercises_or_after_values(world, call, shape):
    data = {
        "performed_at": (timezone.now() - timedelta(minutes=2)).isoformat(),
        "pain_before": 2,
        "red_flag_saddle_numbness": True,
        "red_flag_bladder_bowel": False,
        "red_flag_leg_weakness": False,
    }
    if shape == "empty":
        data |= {"entries": [], "pain_after": None, "rpe": None, "notes": ""}

    response = call(PATIENT, "post", URL, data)

    assert response.status_code == 201, response.content
    result = response.json()
    assert (result["entries"], result["pain_after"], result["rpe"]) == ([], None, None)
    assert (result["flagged"], result["flag_reasons"]) == (True, ["red_flag"])
    assert result["flag_labels"] == ["red flag reported"]
    assert [(item["code"], item["level"]) for item in result["advice"]] == [
        ("emergency_now", "urgent"),
        ("programme_stopped", "warning"),
    ]
    flag = RedFlag.objects.get(session_id=result["id"])
    assert (flag.sign, flag.source) == ("cauda_saddle", "session")
    assert Alert.objects.filter(session_id=result["id"], kind="red_flag").exists()
    world.assignment.refresh_from_db()
    assert world.assignment.status == "stopped"
    row = next(r for r in call(PATIENT, "get", URL).json()["results"] if r["id"] == result["id"])
    assert (row["pain_after"], row["rpe"], row["entries"]) == (None, None, [])
    detail = call(THERAPIST, "get", f"{URL}{result['id']}/").json()
    assert detail["advice"] == result["advice"]


def test_leg_weakness_in_a_session_means_a_doctor_today(world, call):
    response = call(PATIENT, "post", URL, body(world, red_flag_leg_weakness=True))

    assert response.status_code == 201
    assert [item["code"] for item in response.json()["advice"]] == [
        "doctor_today",
        "programme_stopped",
    ]
    # The exercises logged before the answer are kept.
    assert len(response.json()["entries"]) == 2


def test_after_the_stop_only_warning_signs_can_be_logged(world, call):
    stop = {"red_flag_bladder_bowel": True, "entries": [], "pain_after": None, "rpe": None}
    call(PATIENT, "post", URL, body(world, **stop))

    again = call(PATIENT, "post", URL, body(world, **stop))
    with_exercises = call(PATIENT, "post", URL, body(world, red_flag_bladder_bowel=True))
    training = call(PATIENT, "post", URL, body(world))

    assert again.status_code == 201, again.content
    assert with_exercises.status_code == 400
    assert "entries" in with_exercises.json()
    assert training.status_code == 400
    assert "non_field_errors" in training.json()


def test_without_a_yes_after_values_and_exercises_stay_required(world, call):
    before = stored()

    response = call(PATIENT, "post", URL, body(world, pain_after=None, rpe=None, entries=[]))

    assert response.status_code == 400
    errors = response.json()
    assert errors["pain_after"] == errors["rpe"] == ["This field is required."]
    assert errors["entries"] == ["Log at least one exercise."]
    assert stored() == before


def test_steady_high_pain_flags_and_says_stop_for_today(world, call):
    response = call(PATIENT, "post", URL, body(world, pain_before=7, pain_after=7))

    assert response.status_code == 201
    result = response.json()
    assert result["flag_reasons"] == ["pain_high", "pain_above_limit"]
    assert (result["advice"][0]["code"], result["advice"][0]["level"]) == ("stop_today", "warning")
    assert Alert.objects.filter(session_id=result["id"], kind="pain_high").exists()


def test_a_session_before_the_programme_or_too_far_back_answers_400(world, call):
    too_old = call(
        PATIENT,
        "post",
        URL,
        body(world, performed_at=(timezone.now() - timedelta(days=16)).isoformat()),
    )
    world.assignment.start_date = timezone.localdate() - timedelta(days=2)
    world.assignment.save(update_fields=["start_date"])
    before_start = call(
        PATIENT,
        "post",
        URL,
        body(world, performed_at=(timezone.now() - timedelta(days=4)).isoformat()),
    )

    assert too_old.status_code == before_start.status_code == 400
    assert too_old.json()["performed_at"] == ["A session can be logged at most 14 days back."]
    assert before_start.json()["performed_at"][0].startswith(
        "A session cannot be before the programme started"
    )


def test_a_therapist_logs_for_their_patient_but_must_name_them(world, call):
    without = call(THERAPIST, "post", URL, body(world))
    named = call(THERAPIST, "post", URL, body(world, patient=world.patient.pk))

    assert without.status_code == 400
    assert "patient" in without.json()
    assert named.status_code == 201
    assert named.json()["patient"] == world.patient.pk


# --- idempotency ------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_and_body_stores_one_session(world, call):
    data = body(world)
    before = stored()

    first = call(PATIENT, "post", URL, data, HTTP_IDEMPOTENCY_KEY="retry-1")
    second = call(PATIENT, "post", URL, data, HTTP_IDEMPOTENCY_KEY="retry-1")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert "Idempotent-Replayed" not in first
    assert second["Idempotent-Replayed"] == "true"
    assert stored()[:2] == (before[0] + 1, before[1] + 2)


def test_the_same_key_with_another_body_answers_409_and_stores_nothing(world, call):
    call(PATIENT, "post", URL, body(world), HTTP_IDEMPOTENCY_KEY="k")
    before = stored()

    response = call(PATIENT, "post", URL, body(world, rpe=9), HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 409
    assert "detail" in response.json()
    assert stored() == before


def test_keys_belong_to_one_patient(world, call):
    first = call(PATIENT, "post", URL, body(world), HTTP_IDEMPOTENCY_KEY="shared")
    other_body = body(world, patient=world.other_patient.pk)
    other_body["entries"] = [
        {"exercise": world.other_patient.assignments.get().items.first().exercise_id}
    ]

    second = call(THERAPIST, "post", URL, other_body, HTTP_IDEMPOTENCY_KEY="shared")

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_an_overlong_idempotency_key_answers_400(world, call):
    before = stored()

    response = call(PATIENT, "post", URL, body(world), HTTP_IDEMPOTENCY_KEY="k" * 101)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert stored() == before


# --- docs/product.md: bad input answers 400 with a message per field and writes nothing -------


def future(world):
    return (timezone.now() + timedelta(hours=2)).isoformat()


def unprescribed(world):
    prescribed = world.assignment.items.values_list("exercise_id", flat=True)
    return Exercise.objects.exclude(pk__in=prescribed).first().pk


def entry(world, index=0, **changes):
    data = body(world)
    data["entries"][index].update(changes)
    return data


BAD_SESSIONS = {
    "pain before above 10": (lambda w: body(w, pain_before=11), ["pain_before"]),
    "pain after negative": (lambda w: body(w, pain_after=-1), ["pain_after"]),
    "pain not an integer": (lambda w: body(w, pain_before=2.5), ["pain_before"]),
    "rpe above 10": (lambda w: body(w, rpe=11), ["rpe"]),
    "rpe text": (lambda w: body(w, rpe="hard"), ["rpe"]),
    "rpe missing": (lambda w: {k: v for k, v in body(w).items() if k != "rpe"}, ["rpe"]),
    "in the future": (lambda w: body(w, performed_at=future(w)), ["performed_at"]),
    "not a time": (lambda w: body(w, performed_at="yesterday"), ["performed_at"]),
    "notes too long": (lambda w: body(w, notes="x" * 2001), ["notes"]),
    "no entries": (lambda w: body(w, entries=[]), ["entries"]),
    "entries missing": (
        lambda w: {k: v for k, v in body(w).items() if k != "entries"},
        ["entries"],
    ),
    "sets negative": (lambda w: entry(w, sets_done=-1), ["entries"]),
    "sets above 20": (lambda w: entry(w, sets_done=21), ["entries"]),
    "reps above 200": (lambda w: entry(w, reps=201), ["entries"]),
    "duration above an hour": (lambda w: entry(w, duration_s=3601), ["entries"]),
    "load negative": (lambda w: entry(w, load_kg=-1), ["entries"]),
    "load above 300 kg": (lambda w: entry(w, load_kg=300.5), ["entries"]),
    "exercise pain above 10": (lambda w: entry(w, pain=11), ["entries"]),
    "skip reason too long": (lambda w: entry(w, skipped=True, skip_reason="x" * 201), ["entries"]),
    "exercise outside the prescription": (
        lambda w: entry(w, exercise=unprescribed(w)),
        ["entries"],
    ),
    "exercise that does not exist": (lambda w: entry(w, exercise=999999), ["entries"]),
    "exercise logged twice": (
        lambda w: entry(w, 1, exercise=body(w)["entries"][0]["exercise"]),
        ["entries"],
    ),
    "second entry bad, first fine": (lambda w: entry(w, 1, reps=-5), ["entries"]),
    "another therapist's patient": (lambda w: body(w, patient=w.foreign_patient.pk), ["patient"]),
}


@pytest.mark.parametrize("case", BAD_SESSIONS, ids=list(BAD_SESSIONS))
def test_bad_sessions_answer_400_and_write_nothing(world, call, case):
    make, fields = BAD_SESSIONS[case]
    data = make(world)
    before = stored()

    response = call(PATIENT, "post", URL, data, HTTP_IDEMPOTENCY_KEY=f"bad-{case}")

    assert response.status_code == 400, response.content
    errors = response.json()
    assert set(fields) <= errors.keys(), errors
    assert stored() == before
    assert not SessionLog.objects.filter(idempotency_key=f"bad-{case}").exists()


def test_nested_errors_name_the_entry_and_the_field(world, call):
    response = call(PATIENT, "post", URL, entry(world, 1, exercise=unprescribed(world)))

    assert response.status_code == 400
    assert response.json()["entries"].keys() == {"1"}
    assert "exercise" in response.json()["entries"]["1"]


def test_field_errors_of_entries_are_keyed_by_index_too(world, call):
    response = call(PATIENT, "post", URL, entry(world, 1, sets_done=-1))

    assert response.status_code == 400
    assert response.json()["entries"].keys() == {"1"}
    assert "sets_done" in response.json()["entries"]["1"]


def test_without_an_active_programme_nothing_can_be_logged(world, call):
    world.assignment.status = "paused"
    world.assignment.save(update_fields=["status"])

    response = call(PATIENT, "post", URL, body(world))

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


# --- the list ---------------------------------------------------------------------------------


def test_the_list_is_scoped_newest_first_and_paginated_by_cursor(world, call):
    for days in range(3, 8):
        log(world.patient, days_ago=days)

    first = call(PATIENT, "get", URL, {"page_size": 3}).json()
    second = call(PATIENT, "get", first["next"]).json()
    therapist = call(THERAPIST, "get", URL, {"page_size": 100}).json()

    assert {row["patient"] for row in first["results"] + second["results"]} == {world.patient.pk}
    times = [row["performed_at"] for row in first["results"] + second["results"]]
    assert times == sorted(times, reverse=True)
    assert len(first["results"]) == 3
    assert {row["patient"] for row in therapist["results"]} == {
        world.patient.pk,
        world.other_patient.pk,
    }


def test_sessions_filter_by_patient_and_date_range(world, call):
    # At most 14 days back can be logged (SESSION_BACKDATE_DAYS): 13 lies outside the window.
    for days in (3, 10, 13):
        log(world.patient, days_ago=days)
    today = timezone.localdate()

    def days(response):
        """How many days ago each listed session was, oldest last."""
        assert response.status_code == 200, response.content
        return sorted(
            (today - date.fromisoformat(row["local_date"])).days
            for row in response.json()["results"]
        )

    window = call(
        THERAPIST,
        "get",
        URL,
        {
            "patient": world.patient.pk,
            "performed_after": str(today - timedelta(days=12)),
            "performed_before": str(today - timedelta(days=2)),
        },
    )
    other = call(THERAPIST, "get", URL, {"patient": world.other_patient.pk})
    foreign = call(THERAPIST, "get", URL, {"patient": world.foreign_patient.pk})
    instant = call(
        PATIENT,
        "get",
        URL,
        {"performed_after": (timezone.now() - timedelta(days=4)).isoformat()},
    )

    assert days(window) == [2, 3, 10]
    assert {row["patient"] for row in other.json()["results"]} == {world.other_patient.pk}
    assert foreign.json()["results"] == []
    assert days(instant) == [1, 2, 3]


@pytest.mark.parametrize(
    "params",
    [{"performed_after": "last week"}, {"patient": "abc"}, {"patient": "1.5"}],
)
def test_bad_filters_answer_400(world, call, params):
    assert call(THERAPIST, "get", URL, params).status_code == 400


def test_the_hand_written_representation_matches_the_declared_fields(world, call):
    """SessionSerializer writes its output by hand for speed; DRF's field-by-field output of
    the same fields must be identical, for every kind of value a session can hold."""
    from decimal import Decimal

    from rest_framework.renderers import JSONRenderer

    from patients import services
    from patients.api.sessions import SessionSerializer, session_queryset

    exercises = list(world.assignment.items.values_list("exercise_id", flat=True)[:3])
    flagged, _created = services.session_log_create(
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        patient=world.patient,
        performed_at=timezone.now() - timedelta(hours=3),
        pain_before=2,
        pain_after=9,
        rpe=7,
        notes="Knie",
        red_flag_leg_weakness=True,
        entries=[
            {"exercise": exercises[0], "sets_done": 3, "reps": 8, "load_kg": Decimal("12.5")},
            {"exercise": exercises[1], "sets_done": 0, "skipped": True, "skip_reason": "pain"},
            {"exercise": exercises[2], "sets_done": 2, "duration_s": 30, "pain": 4},
        ],
    )
    services.next_day_check_record(session=world.session, pain=5, notes="steif")
    sessions = list(session_queryset(world.therapist).filter(patient=world.patient))
    assert len(sessions) >= 3 and any(s.flagged for s in sessions)

    serializer = SessionSerializer(sessions, many=True)
    fast = serializer.data
    slow = [serializer.child.field_by_field(session) for session in sessions]
    assert JSONRenderer().render(fast) == JSONRenderer().render(slow)
    assert any(entry["load_kg"] == Decimal("12.5") for s in fast for entry in s["entries"])
    assert any(s["next_day_check"] for s in fast)

    new = SessionSerializer(flagged, context={"new_session": True})
    assert new.data["next_day_check"] is None
    assert JSONRenderer().render(new.data) == JSONRenderer().render(new.field_by_field(flagged))


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_list_from_plain_values_matches_the_serializer(world, call, language):
    """The list reads values and the catalogue snapshot; its pages must be what
    ``SessionSerializer`` renders from the model instances, flags, checks and loads included."""
    exercises = list(world.assignment.items.values_list("exercise_id", flat=True)[:2])
    services.session_log_create(
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=True,
        patient=world.patient,
        performed_at=timezone.now() - timedelta(hours=3),
        pain_before=2,
        pain_after=9,
        rpe=7,
        notes="Knie",
        entries=[
            {"exercise": exercises[0], "sets_done": 3, "reps": 8, "load_kg": Decimal("12.5")},
            {"exercise": exercises[1], "sets_done": 0, "skipped": True, "skip_reason": "pain"},
        ],
    )
    services.next_day_check_record(session=world.session, pain=5, notes="steif")

    for role, scope in ((PATIENT, world.patient.user), (THERAPIST, world.therapist)):
        response = call(role, "get", "/api/v1/sessions/?page_size=2", HTTP_ACCEPT_LANGUAGE=language)
        second = call(role, "get", response.json()["next"], HTTP_ACCEPT_LANGUAGE=language)
        listed = response.json()["results"] + second.json()["results"]
        with translation.override(language):
            sessions = session_queryset(scope).order_by("-performed_at", "-id")[:4]
            serializer = SessionSerializer(sessions, many=True)
            expected = [serializer.child.field_by_field(session) for session in sessions]
            assert listed == json.loads(JSONRenderer().render(expected))
