"""The patient's prescription: the programme's exercises of the phases reached, with doses the
therapist may override per patient."""

from collections.abc import Iterable, Mapping

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Assignment, PrescriptionItem
from programs.models import Dosage, Phase


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
