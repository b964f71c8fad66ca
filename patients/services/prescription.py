"""The patient's prescription: the programme's exercises of the phases reached, with doses the
therapist may override per patient."""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import rules
from patients.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
    PhaseChange,
    PhaseChangeKind,
    PrescriptionItem,
    Side,
    VariantAllowed,
)
from programs.models import Dosage, Exercise, Phase, ProgramExercise

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def add_phase_items(assignment: Assignment, phases: Iterable[Phase]) -> None:
    """Copy the programme's exercises of ``phases`` into the prescription. Exercises already
    prescribed are kept as they are; ones taken out when the patient went back a phase come
    back with the programme's dose, as if prescribed anew."""
    present = {item.exercise_id: item for item in assignment.items.all()}
    new: list[PrescriptionItem] = []
    restored: list[PrescriptionItem] = []
    for item in assignment.program.program_exercises.filter(phase__in=list(phases)):
        existing = present.get(item.exercise_id)
        if existing is None:
            new.append(
                PrescriptionItem(
                    assignment=assignment,
                    exercise_id=item.exercise_id,
                    phase_id=item.phase_id,
                    order=item.order,
                    **item.dosage(),
                )
            )
        elif existing.removed_at is not None and existing.phase_id == item.phase_id:
            for field, value in item.dosage().items():
                setattr(existing, field, value)
            existing.removed_at = None
            restored.append(existing)
    PrescriptionItem.objects.bulk_create(new)
    if restored:
        PrescriptionItem.objects.bulk_update(
            restored, ["removed_at", *Dosage.DOSAGE_FIELDS], batch_size=100
        )


# Every field a therapist may change per patient and exercise (docs/product.md, "Programme
# builder"); ``variant_allowed`` has its own service.
ITEM_FIELDS = (*Dosage.DOSAGE_FIELDS, *PrescriptionItem.EXTRA_FIELDS)
# Filled from the frequency when the caller changes it without them.
FREQUENCY_FIELDS = ("interval_days", "weekly_target", "weekly_max")


def _ensure_open(assignment: Assignment) -> None:
    if assignment.status not in OPEN_STATUSES:
        raise ValidationError(_("The programme is completed: its prescription cannot change."))


def _record(
    item: PrescriptionItem,
    *,
    kind: str,
    changed_by: User | None,
    reason: str,
    removed: bool = False,
) -> None:
    """Keep a change of the prescription in the programme's history, beside the phase moves,
    so the therapist reads it on the patient page and the patient's export carries it."""
    assignment = item.assignment
    PhaseChange.objects.create(
        assignment=assignment,
        kind=kind,
        from_phase_id=item.phase_id,
        to_phase_id=item.phase_id,
        changed_by=changed_by,
        reason=reason,
        from_exercise_id=item.exercise_id if kind != PhaseChangeKind.ADDED else None,
        to_exercise_id=None if removed else item.exercise_id,
    )


def _in_practice_language(message: "StrOrPromise", **values: object) -> str:
    """History texts are written once, in the practice's language, like the variant switch's:
    the message and the values (exercise names, choice labels) are read inside the override."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % {key: _text(value) for key, value in values.items()}


def _text(value: object) -> str:
    if callable(value):
        value = value()
    return "–" if value is None or value == "" else str(value)


def _shown(item: PrescriptionItem, field: str) -> str:
    if field in ("tempo", "set_unit", "frequency", "side"):
        return str(getattr(item, f"get_{field}_display")())
    return _text(getattr(item, field))


@transaction.atomic
def prescription_item_add(
    *,
    assignment: Assignment,
    exercise: Exercise,
    phase_number: int,
    changed_by: User | None,
    dosage: Mapping[str, object] | None = None,
) -> PrescriptionItem:
    """Add a catalogue exercise to this patient's prescription only, in a phase the patient has
    reached. It starts with the programme's dose for it, or its training goal's, and the given
    overrides; one taken out before comes back. Kept in the history."""
    assignment = (
        Assignment.objects.select_for_update().select_related("program").get(pk=assignment.pk)
    )
    _ensure_open(assignment)
    phases = {
        phase.number: phase
        for phase in Phase.objects.filter(program_phases__program=assignment.program)
    }
    current = assignment.current_phase.number
    if not rules.prescribable_phase(number=phase_number, current=current, numbers=phases):
        raise ValidationError(
            {"phase": _("Choose a phase of the programme up to the current phase.")}
        )
    existing = assignment.items.filter(exercise=exercise).first()
    if existing is not None and existing.removed_at is None:
        raise ValidationError({"exercise": _("This exercise is already prescribed.")})
    default = (
        ProgramExercise.objects.filter(program_id=assignment.program_id, exercise=exercise).first()
        or exercise.goal
    )
    item = existing or PrescriptionItem(assignment=assignment, exercise=exercise)
    item.assignment = assignment
    item.phase = phases[phase_number]
    for field, value in default.dosage().items():
        setattr(item, field, value)
    item.load_kg, item.band, item.hold_s, item.side = None, "", None, Side.BOTH
    item.variant_allowed = VariantAllowed.NONE
    item.prescribed_exercise = None
    item.removed_at = None
    last = (
        assignment.items.filter(phase=item.phase, removed_at__isnull=True)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
    )
    item.order = 0 if last is None else last + 1
    _apply(item, dosage or {})
    item.full_clean(
        exclude=["assignment", "exercise", "phase", "prescribed_exercise"],
        validate_unique=False,
        validate_constraints=False,
    )
    item.save()
    _record(
        item,
        kind=PhaseChangeKind.ADDED,
        changed_by=changed_by,
        reason=_in_practice_language(
            gettext_lazy("Added to phase %(phase)s: %(exercise)s."),
            phase=phase_number,
            exercise=exercise,
        ),
    )
    return item


def _apply(item: PrescriptionItem, dosage: Mapping[str, object]) -> list[str]:
    """Set the given fields on ``item``; the names of those whose value changed."""
    changed = []
    for field, value in dosage.items():
        if field not in ITEM_FIELDS:
            raise ValidationError({field: _("Not a dosage field.")})
        if getattr(item, field) != value:
            setattr(item, field, value)
            changed.append(field)
    if "frequency" in changed and not any(field in dosage for field in FREQUENCY_FIELDS):
        item.apply_frequency_rules()
        changed.extend(FREQUENCY_FIELDS)
    return changed


@transaction.atomic
def prescription_item_remove(*, item: PrescriptionItem, removed_by: User | None) -> None:
    """Take the exercise out of the prescription; it stays in the history."""
    if item.removed_at is None:
        _ensure_open(item.assignment)
        item.removed_at = timezone.now()
        item.save(update_fields=["removed_at"])
        _record(
            item,
            kind=PhaseChangeKind.REMOVED,
            changed_by=removed_by,
            reason=_in_practice_language(
                gettext_lazy("Removed: %(exercise)s."), exercise=item.exercise
            ),
            removed=True,
        )


@transaction.atomic
def prescription_item_update(
    *, item: PrescriptionItem, changed_by: User | None, dosage: Mapping[str, object]
) -> PrescriptionItem:
    """Override dose, frequency, load, band, hold time or side for this patient only. A changed
    frequency brings its scheduling numbers unless they are given too. The change is kept in
    the history with the values before and after."""
    _ensure_open(item.assignment)
    # Compared with the stored row: a caller's form may have set the new values on ``item``.
    before = PrescriptionItem.objects.select_for_update().get(pk=item.pk)
    for field in ITEM_FIELDS:
        setattr(item, field, getattr(before, field))
    changed = _apply(item, dosage)
    item.full_clean(
        exclude=["assignment", "exercise", "phase", "prescribed_exercise"],
        validate_unique=False,
        validate_constraints=False,
    )
    if not changed:
        return item
    item.save(update_fields=changed)

    def details() -> str:
        return "; ".join(
            f"{cast('Field[Any, Any]', PrescriptionItem._meta.get_field(field)).verbose_name}: "
            f"{_shown(before, field)} → {_shown(item, field)}"
            for field in changed
            # A new frequency says it all; its scheduling numbers follow from it.
            if field not in FREQUENCY_FIELDS or "frequency" not in changed
        )

    _record(
        item,
        kind=PhaseChangeKind.DOSE,
        changed_by=changed_by,
        reason=_in_practice_language(
            gettext_lazy("Dose of %(exercise)s: %(details)s."),
            exercise=item.exercise,
            details=details,
        ),
    )
    return item


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


@transaction.atomic
def prescription_item_move(
    *, item: PrescriptionItem, direction: str, changed_by: User | None
) -> PrescriptionItem:
    """Move the exercise one place up or down within its phase (the order the patient sees)."""
    try:
        step = -1 if Direction(direction) == Direction.UP else 1
    except ValueError:
        raise ValidationError({"direction": _("Move “up” or “down”.")}) from None
    _ensure_open(item.assignment)
    siblings = list(
        PrescriptionItem.objects.select_for_update()
        .filter(assignment_id=item.assignment_id, phase_id=item.phase_id, removed_at__isnull=True)
        .order_by("order", "id")
    )
    index = next((i for i, sibling in enumerate(siblings) if sibling.pk == item.pk), None)
    if index is None:
        raise ValidationError(_("This exercise is no longer prescribed."))
    target = index + step
    if not 0 <= target < len(siblings):
        raise ValidationError(
            {
                "direction": _("It is the first exercise of its phase already.")
                if step < 0
                else _("It is the last exercise of its phase already.")
            }
        )
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for order, sibling in enumerate(siblings):
        sibling.order = order
    PrescriptionItem.objects.bulk_update(siblings, ["order"])
    moved = siblings[target]
    item.order = moved.order
    _record(
        item,
        kind=PhaseChangeKind.MOVED,
        changed_by=changed_by,
        reason=_in_practice_language(
            gettext_lazy("%(exercise)s moved to place %(place)s of phase %(phase)s."),
            exercise=item.exercise,
            place=target + 1,
            phase=item.phase.number,
        ),
    )
    return item


@transaction.atomic
def prescription_item_switch_variant(
    *, item: PrescriptionItem, to: str, switched_by: User
) -> PrescriptionItem:
    """The patient swaps one exercise of the prescription for the variant the therapist allows,
    or back to the prescribed exercise (``rules.variant_options``; docs/product.md, "Variants").

    The dose stays the patient's own when both exercises count the same way (repetitions or
    seconds, sets or passes); otherwise the new exercise takes its default: the programme's dose
    for it, or its training goal's. The switch is written to the programme's history, so the
    therapist reads "patient switched X → Y" on the patient page."""
    item = (
        PrescriptionItem.objects.select_for_update()
        .select_related("assignment", "exercise")
        .get(pk=item.pk)
    )
    assignment = item.assignment
    if assignment.status != AssignmentStatus.ACTIVE or item.removed_at is not None:
        raise ValidationError(_("This exercise cannot be switched now."))
    options = rules.variant_options(
        allowed=item.variant_allowed,
        exercise_id=item.exercise_id,
        prescribed_id=item.prescribed_exercise_id,
        easier_id=item.exercise.easier_variant_id,
        harder_id=item.exercise.harder_variant_id,
    )
    try:
        direction = rules.VariantSwitch(to)
        target_id = options[direction]
    except (ValueError, KeyError):
        raise ValidationError(
            _("Your therapist has not allowed this switch. Ask your therapist first.")
        ) from None
    if assignment.items.filter(exercise_id=target_id).exclude(pk=item.pk).exists():
        raise ValidationError(_("This exercise is already part of your programme."))
    target = Exercise.objects.select_related("goal").get(pk=target_id)
    default = (
        ProgramExercise.objects.filter(program_id=assignment.program_id, exercise=target).first()
        or target.goal
    )
    if not rules.same_measure(item, default):
        for field, value in default.dosage().items():
            setattr(item, field, value)
    previous = item.exercise
    item.prescribed_exercise = None if direction == rules.VariantSwitch.PRESCRIBED else previous
    item.exercise = target
    item.full_clean()
    item.save(update_fields=["exercise", "prescribed_exercise", *Dosage.DOSAGE_FIELDS])
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Switched in the patient portal: %(from)s → %(to)s.") % {
            "from": previous.name,
            "to": target.name,
        }
    PhaseChange.objects.create(
        assignment=assignment,
        kind=direction.value,
        from_phase_id=assignment.current_phase_id,
        to_phase_id=assignment.current_phase_id,
        changed_by=switched_by,
        reason=reason,
        from_exercise=previous,
        to_exercise=target,
    )
    return item


@transaction.atomic
def prescription_item_allow_variant(
    *, item: PrescriptionItem, allowed: str, changed_by: User
) -> PrescriptionItem:
    """The therapist lets the patient switch this exercise to its easier or harder variant on
    their own (docs/product.md, "Variants"). Taking the permission back leaves a switch already
    made in place: the patient can still switch back to the prescribed exercise."""
    item.variant_allowed = allowed
    item.full_clean()
    item.save(update_fields=["variant_allowed"])
    return item
