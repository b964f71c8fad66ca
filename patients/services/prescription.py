"""The patient's prescription: the programme's exercises of the phases reached, with doses the
therapist may override per patient."""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patients import rules
from patients.models import Assignment, AssignmentStatus, PhaseChange, PrescriptionItem
from programs.models import Dosage, Exercise, Phase, ProgramExercise


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


@transaction.atomic
def prescription_item_remove(*, item: PrescriptionItem, removed_by: User) -> None:
    if item.removed_at is None:
        item.removed_at = timezone.now()
        item.save(update_fields=["removed_at"])


@transaction.atomic
def prescription_item_update(
    *, item: PrescriptionItem, changed_by: User, dosage: Mapping[str, object]
) -> PrescriptionItem:
    """Override dose and frequency for this patient only."""
    for field, value in dosage.items():
        if field not in Dosage.DOSAGE_FIELDS:
            raise ValidationError({field: _("Not a dosage field.")})
        setattr(item, field, value)
    item.full_clean()
    item.save(update_fields=[*dosage.keys()])
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
