"""``assignments/{id}/items/``: the prescription written through the API with the builder's
services and validation; therapists only, scoped, audited, a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditAction, AuditEntry
from patients import services
from patients.models import PhaseChangeKind, PrescriptionItem
from programs.models import Exercise
from tests.api.conftest import ADMIN, OTHER_THERAPIST, PATIENT, THERAPIST, bearer_client

pytestmark = pytest.mark.django_db


def items_url(assignment, item=None, suffix=""):
    url = f"/api/v1/assignments/{assignment.pk}/items/"
    return url if item is None else f"{url}{item.pk}/{suffix}"


def active(assignment):
    return list(
        assignment.items.filter(removed_at__isnull=True).order_by("phase__number", "order", "id")
    )


def test_the_list_is_the_active_prescription_in_order(world, call):
    assignment = world.assignment
    services.prescription_item_remove(item=active(assignment)[0], removed_by=world.therapist)

    response = call(THERAPIST, "get", items_url(assignment))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [item.pk for item in active(assignment)]
    assert {"load_kg", "band", "hold_s", "side", "sets", "phase", "order"} <= rows[0].keys()
    assert rows[0]["side"] == "both" and rows[0]["load_kg"] is None


def test_adding_an_exercise_with_load_hold_and_side(world, call):
    assignment = world.assignment  # in phase 2
    exercise = Exercise.objects.get(slug="einbeinstand-rotation")  # a phase 3 exercise

    response = call(
        THERAPIST,
        "post",
        items_url(assignment),
        {"exercise": exercise.pk, "phase": 2, "load_kg": 3.5, "hold_s": 5, "side": "right"},
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["exercise"]["slug"], data["phase"]) == ("einbeinstand-rotation", 2)
    assert (data["load_kg"], data["hold_s"], data["side"]) == (3.5, 5, "right")
    item = PrescriptionItem.objects.get(pk=data["id"])
    assert assignment.phase_changes.filter(kind=PhaseChangeKind.ADDED, to_exercise=exercise)
    assert AuditEntry.objects.filter(
        action=AuditAction.ADD, object_type="patients.prescriptionitem", object_id=str(item.pk)
    ).exists()


def test_adding_defaults_to_the_current_phase(world, call):
    exercise = Exercise.objects.get(slug="reaktives-federn")
    response = call(THERAPIST, "post", items_url(world.assignment), {"exercise": exercise.pk})
    assert response.status_code == 201 and response.json()["phase"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phase": 3}, "phase"),  # not reached yet
        ({"phase": 0}, "phase"),
        ({"load_kg": 301}, "load_kg"),
        ({"load_kg": -1}, "load_kg"),
        ({"hold_s": 301}, "hold_s"),
        ({"side": "top"}, "side"),
        ({"band": "x" * 61}, "band"),
        ({"sets": 0}, "sets"),
        ({"reps_min": 10, "reps_max": 12, "duration_min_s": 30, "duration_max_s": 40}, None),
        ({"exercise": 999_999}, "exercise"),
    ],
)
def test_bad_additions_answer_400_naming_the_field_and_write_nothing(world, call, body, field):
    exercise = Exercise.objects.get(slug="reaktives-federn")
    before = PrescriptionItem.objects.count()

    response = call(
        THERAPIST, "post", items_url(world.assignment), {"exercise": exercise.pk} | body
    )

    assert response.status_code == 400, response.content
    if field is not None:
        assert field in response.json()
    assert PrescriptionItem.objects.count() == before
    assert not world.assignment.phase_changes.filter(kind=PhaseChangeKind.ADDED).exists()


def test_an_exercise_already_prescribed_answers_400(world, call):
    item = active(world.assignment)[0]
    response = call(THERAPIST, "post", items_url(world.assignment), {"exercise": item.exercise_id})
    assert response.status_code == 400
    assert "already prescribed" in response.json()["exercise"][0]


def test_patch_changes_the_dose_and_keeps_it_in_the_history(world, call):
    item = active(world.assignment)[-1]

    response = call(
        THERAPIST,
        "patch",
        items_url(world.assignment, item),
        {"sets": 2, "band": "Theraband rot", "hold_s": 8, "variant_allowed": "easier"},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["sets"], response.json()["band"]) == (2, "Theraband rot")
    item.refresh_from_db()
    assert (item.hold_s, item.variant_allowed) == (8, "easier")
    assert "Theraband rot" in world.assignment.phase_changes.get(kind=PhaseChangeKind.DOSE).reason
    entry = AuditEntry.objects.get(
        action=AuditAction.CHANGE, object_type="patients.prescriptionitem", object_id=str(item.pk)
    )
    assert set(entry.fields) == {"sets", "band", "hold_s", "variant_allowed"}


def test_a_bad_patch_answers_400_and_changes_nothing(world, call):
    item = active(world.assignment)[-1]
    sets = item.sets

    response = call(
        THERAPIST, "patch", items_url(world.assignment, item), {"sets": 2, "hold_s": 9999}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["hold_s"]
    item.refresh_from_db()
    assert item.sets == sets and item.hold_s is None


def test_delete_removes_and_move_reorders(world, call):
    first, second, *_rest = active(world.assignment)

    moved = call(
        THERAPIST, "post", items_url(world.assignment, first, "move/"), {"direction": "down"}
    )
    top = call(THERAPIST, "post", items_url(world.assignment, second, "move/"), {"direction": "up"})
    deleted = call(THERAPIST, "delete", items_url(world.assignment, first))
    gone = call(THERAPIST, "get", items_url(world.assignment, first))

    assert moved.status_code == 200 and moved.json()["order"] == 1
    assert top.status_code == 400 and "first exercise" in top.json()["direction"][0]
    assert deleted.status_code == 204 and gone.status_code == 404
    first.refresh_from_db()
    assert first.removed_at is not None
    kinds = set(world.assignment.phase_changes.values_list("kind", flat=True))
    assert {PhaseChangeKind.MOVED, PhaseChangeKind.REMOVED} <= kinds


@pytest.mark.parametrize(("role", "expected"), [(PATIENT, 403), (OTHER_THERAPIST, 404)])
def test_patients_and_other_therapists_cannot_touch_the_items(world, call, role, expected):
    item = active(world.assignment)[0]
    exercise = Exercise.objects.get(slug="reaktives-federn")
    answers = [
        call(role, "get", items_url(world.assignment)).status_code,
        call(role, "get", items_url(world.assignment, item)).status_code,
        call(role, "post", items_url(world.assignment), {"exercise": exercise.pk}).status_code,
        call(role, "patch", items_url(world.assignment, item), {"sets": 1}).status_code,
        call(role, "delete", items_url(world.assignment, item)).status_code,
    ]
    assert answers == [expected] * 5
    item.refresh_from_db()
    assert item.removed_at is None and item.sets != 1


def test_the_practice_admin_may(world, call):
    assert call(ADMIN, "get", items_url(world.assignment)).status_code == 200


def test_the_list_costs_the_same_queries_for_4_and_13_items(world):
    client = bearer_client(world.therapist)
    assignment = world.assignment

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(items_url(assignment))
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    few, shown_few = count()
    for exercise in Exercise.objects.exclude(pk__in=assignment.items.values("exercise_id")):
        services.prescription_item_add(
            assignment=assignment, exercise=exercise, phase_number=2, changed_by=world.therapist
        )
    for number in range(6):
        exercise = Exercise.objects.create(
            slug=f"extra-{number}",
            name_de=f"Extra {number}",
            phase_id=assignment.current_phase_id,
            goal=Exercise.objects.first().goal,
            instructions_de="x",
        )
        services.prescription_item_add(
            assignment=assignment, exercise=exercise, phase_number=2, changed_by=world.therapist
        )
    many, shown_many = count()

    assert (shown_few, shown_many) == (4, 13)
    assert many == few


def test_no_advance_from_the_last_phase_and_no_going_back_from_the_first(world, call):
    first = world.other_patient.assignments.get()  # phase 1
    last = world.assignment
    for _ in range(2):
        services.assignment_advance(assignment=last, changed_by=world.therapist, reason="ok")

    advance = call(THERAPIST, "post", f"/api/v1/assignments/{last.pk}/advance/", {"reason": "x"})
    regress = call(THERAPIST, "post", f"/api/v1/assignments/{first.pk}/regress/", {"reason": "x"})

    assert advance.status_code == regress.status_code == 400
    assert advance.json()["non_field_errors"] == ["This is the last phase of the programme."]
    assert regress.json()["non_field_errors"] == ["This is the first phase of the programme."]
    last.refresh_from_db()
    assert last.current_phase.number == 4
