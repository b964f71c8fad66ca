"""The programme builder's services: starting in a later phase, adding, removing, reordering
and changing the dose of one patient's exercises, each kept in the programme's history
(docs/product.md, "Programme builder")."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from patients import rules, services
from patients.models import AssignmentStatus, PhaseChange, PhaseChangeKind, Side
from programs.models import Exercise
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """History texts are written in the practice's language; English here to read them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _active(assignment):
    return list(
        assignment.items.filter(removed_at__isnull=True)
        .order_by("phase__number", "order", "id")
        .values_list("exercise__slug", flat=True)
    )


# --- starting phase --------------------------------------------------------------------------


def test_starting_in_phase_three_prescribes_phases_one_to_three_and_records_from_and_to(
    patient, master, therapist
):
    factories.screen(patient)

    assignment = services.assignment_create(
        patient=patient, program=master, created_by=therapist, start_phase=3, reason="athlete"
    )

    assert assignment.current_phase.number == 3
    assert set(
        assignment.items.filter(removed_at__isnull=True).values_list("phase__number", flat=True)
    ) == {1, 2, 3}
    start = assignment.phase_changes.get()
    assert start.kind == PhaseChangeKind.START
    assert (start.from_phase.number, start.to_phase.number, start.reason) == (1, 3, "athlete")


def test_starting_in_phase_one_keeps_an_empty_from(patient, master, therapist):
    factories.screen(patient)
    assignment = services.assignment_create(patient=patient, program=master, created_by=therapist)
    start = assignment.phase_changes.get()
    assert start.from_phase is None and start.to_phase.number == 1


def test_a_later_start_needs_a_reason_and_writes_nothing_without_one(patient, master, therapist):
    factories.screen(patient)
    with pytest.raises(ValidationError) as error:
        services.assignment_create(
            patient=patient, program=master, created_by=therapist, start_phase=2, reason="  "
        )
    assert "reason" in error.value.message_dict
    assert not patient.assignments.exists()


def test_the_screening_gate_holds_for_a_later_start(patient, master, therapist):
    with pytest.raises(ValidationError, match="screening"):
        services.assignment_create(
            patient=patient, program=master, created_by=therapist, start_phase=2, reason="x"
        )
    assert not patient.assignments.exists()


def test_the_red_flag_gate_holds_for_a_later_start(patient, master, therapist):
    factories.screen(patient, signs=["cauda_saddle"])
    with pytest.raises(ValidationError, match="red flag"):
        services.assignment_create(
            patient=patient, program=master, created_by=therapist, start_phase=3, reason="x"
        )
    assert not patient.assignments.exists()


# --- advance and go back only where possible ---------------------------------------------------


@pytest.mark.parametrize(
    ("current", "advance", "regress"),
    [(1, True, False), (2, True, True), (4, False, True)],
)
def test_phase_moves_follow_the_programme_s_phases(current, advance, regress):
    moves = rules.phase_moves(current=current, numbers=[1, 2, 3, 4])
    assert (moves.advance, moves.regress) == (advance, regress)


def test_advance_in_the_last_phase_and_going_back_in_the_first_are_refused(patient, therapist):
    assignment = factories.assign(patient, phase=4)
    with pytest.raises(ValidationError, match="last phase"):
        services.assignment_advance(assignment=assignment, changed_by=therapist, reason="x")
    first = factories.assign(factories.PatientFactory(therapist=therapist))
    with pytest.raises(ValidationError, match="first phase"):
        services.assignment_regress(assignment=first, changed_by=therapist, reason="x")
    assert first.phase_changes.count() == 1


# --- add -------------------------------------------------------------------------------------


def test_adding_an_exercise_of_a_later_phase_to_the_current_one(assignment, therapist):
    plank = Exercise.objects.get(slug="plank-mtt")

    item = services.prescription_item_add(
        assignment=assignment,
        exercise=plank,
        phase_number=1,
        changed_by=therapist,
        dosage={"load_kg": Decimal("2.5"), "hold_s": 20, "side": Side.LEFT},
    )

    assert item.phase.number == 1 and _active(assignment)[-1] == "plank-mtt"
    assert (item.load_kg, item.hold_s, item.side) == (Decimal("2.5"), 20, "left")
    default = assignment.program.program_exercises.get(exercise=plank)
    assert item.sets == default.sets and item.frequency == default.frequency
    change = assignment.phase_changes.get(kind=PhaseChangeKind.ADDED)
    assert change.to_exercise == plank and change.from_exercise is None
    assert change.changed_by == therapist and "plank" in change.reason.lower()


def test_an_exercise_not_in_the_programme_takes_its_goal_s_dose(assignment, therapist):
    goal = Exercise.objects.get(slug="plank-mtt").goal
    own = Exercise.objects.create(
        slug="bird-dog",
        name_de="Vierfüßlerstand",
        name_en="Bird dog",
        phase_id=assignment.current_phase_id,
        goal=goal,
        instructions_de="Langsam.",
    )
    item = services.prescription_item_add(
        assignment=assignment, exercise=own, phase_number=1, changed_by=therapist
    )
    assert (item.sets, item.reps_min, item.reps_max) == (goal.sets, goal.reps_min, goal.reps_max)


def test_adding_refuses_a_later_phase_a_prescribed_exercise_and_bad_doses(assignment, therapist):
    plank = Exercise.objects.get(slug="plank-mtt")
    before = PhaseChange.objects.count()
    with pytest.raises(ValidationError) as error:
        services.prescription_item_add(
            assignment=assignment, exercise=plank, phase_number=2, changed_by=therapist
        )
    assert "phase" in error.value.message_dict
    prescribed = assignment.items.first().exercise
    with pytest.raises(ValidationError) as error:
        services.prescription_item_add(
            assignment=assignment, exercise=prescribed, phase_number=1, changed_by=therapist
        )
    assert "exercise" in error.value.message_dict
    for bad in ({"load_kg": Decimal(301)}, {"hold_s": 301}, {"hold_s": 0}, {"side": "up"}):
        with pytest.raises(ValidationError) as error:
            services.prescription_item_add(
                assignment=assignment,
                exercise=plank,
                phase_number=1,
                changed_by=therapist,
                dosage=bad,
            )
        assert set(error.value.message_dict) == set(bad)
    assert "plank-mtt" not in _active(assignment)
    assert PhaseChange.objects.count() == before


def test_a_removed_exercise_comes_back_when_added_again(assignment, therapist):
    item = assignment.items.first()
    services.prescription_item_update(item=item, changed_by=therapist, dosage={"sets": 1})
    services.prescription_item_remove(item=item, removed_by=therapist)

    again = services.prescription_item_add(
        assignment=assignment, exercise=item.exercise, phase_number=1, changed_by=therapist
    )

    assert again.pk == item.pk and again.removed_at is None and again.sets != 1


def test_a_completed_programme_cannot_change(assignment, therapist):
    services.assignment_complete(assignment=assignment, changed_by=therapist)
    with pytest.raises(ValidationError, match="completed"):
        services.prescription_item_add(
            assignment=assignment,
            exercise=Exercise.objects.get(slug="plank-mtt"),
            phase_number=1,
            changed_by=therapist,
        )
    assert assignment.status == AssignmentStatus.COMPLETED


# --- remove, reorder, dose ---------------------------------------------------------------------


def test_removing_keeps_the_item_and_writes_the_history(assignment, therapist):
    item = assignment.items.first()
    services.prescription_item_remove(item=item, removed_by=therapist)
    item.refresh_from_db()
    assert item.removed_at is not None
    change = assignment.phase_changes.get(kind=PhaseChangeKind.REMOVED)
    assert change.from_exercise == item.exercise and change.to_exercise is None
    # Removing twice is one removal.
    services.prescription_item_remove(item=item, removed_by=therapist)
    assert assignment.phase_changes.filter(kind=PhaseChangeKind.REMOVED).count() == 1


def test_moving_down_and_up_swaps_within_the_phase(assignment, therapist):
    first, second = _active(assignment)
    item = assignment.items.get(exercise__slug=first)

    services.prescription_item_move(item=item, direction="down", changed_by=therapist)
    assert _active(assignment) == [second, first]
    assert assignment.phase_changes.filter(kind=PhaseChangeKind.MOVED).count() == 1

    with pytest.raises(ValidationError, match="last exercise"):
        services.prescription_item_move(item=item, direction="down", changed_by=therapist)
    with pytest.raises(ValidationError):
        services.prescription_item_move(item=item, direction="sideways", changed_by=therapist)
    services.prescription_item_move(item=item, direction="up", changed_by=therapist)
    assert _active(assignment) == [first, second]


def test_a_dose_change_records_before_and_after(assignment, therapist):
    item = assignment.items.get(exercise__slug=_active(assignment)[0])
    sets = item.sets

    services.prescription_item_update(
        item=item,
        changed_by=therapist,
        dosage={"sets": sets + 1, "load_kg": Decimal(5), "band": "", "side": Side.RIGHT},
    )

    item.refresh_from_db()
    assert (item.sets, item.load_kg, item.side) == (sets + 1, Decimal(5), "right")
    change = assignment.phase_changes.get(kind=PhaseChangeKind.DOSE)
    assert f"sets: {sets} → {sets + 1}" in change.reason
    assert "load (kg): – → 5" in change.reason and "side: both sides → right side" in change.reason
    assert "band" not in change.reason  # unchanged


def test_a_new_frequency_brings_its_schedule_and_an_unchanged_dose_writes_nothing(
    assignment, therapist
):
    item = assignment.items.first()
    services.prescription_item_update(
        item=item, changed_by=therapist, dosage={"frequency": "2_3_per_week"}
    )
    item.refresh_from_db()
    assert (item.interval_days, item.weekly_max) == (2, 3)
    services.prescription_item_update(item=item, changed_by=therapist, dosage={"sets": item.sets})
    assert assignment.phase_changes.filter(kind=PhaseChangeKind.DOSE).count() == 1


def test_a_dose_out_of_bounds_writes_nothing(assignment, therapist):
    item = assignment.items.first()
    with pytest.raises(ValidationError) as error:
        services.prescription_item_update(
            item=item, changed_by=therapist, dosage={"sets": 21, "band": "x" * 61}
        )
    assert set(error.value.message_dict) == {"sets", "band"}
    item.refresh_from_db()
    assert item.sets <= 20 and item.band == ""
    assert not assignment.phase_changes.filter(kind=PhaseChangeKind.DOSE).exists()


def test_the_extras_read_in_plain_words(assignment):
    item = assignment.items.first()
    item.load_kg, item.band, item.hold_s, item.side = Decimal("2.5"), "red band", 10, Side.LEFT
    assert item.extras_text == (
        "with 2.5 kg, with red band, hold each repetition for 10 s, left side only"
    )
    item.load_kg, item.band, item.hold_s, item.side = Decimal(10), "", None, Side.BOTH
    assert item.extras_text == "with 10 kg"
    with translation.override("de"):
        item.load_kg = Decimal("2.5")
        assert "2,5" in item.extras_text
