"""Writes to the catalogue."""

from django.db import transaction
from django.utils.text import slugify

from programs.models import Dosage, Exercise, Program, ProgramExercise, ProgramPhase


def program_exercise_dosage_from_goal(*, item: ProgramExercise, exercise: Exercise) -> None:
    """Give a programme item the default dose of its exercise's training goal."""
    for field in Dosage.DOSAGE_FIELDS:
        setattr(item, field, getattr(exercise.goal, field))


def _free_slug(base: str) -> str:
    slug, number = base, 1
    while Program.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def program_copy(*, program: Program) -> Program:
    """Copy a programme with its phases, exercises, doses and habits, so a practice can adapt
    its own version while the original stays as it is."""
    copy = Program.objects.create(
        slug=_free_slug(slugify(f"{program.slug}-copy")),
        name_de=f"{program.name_de} (Kopie)",
        name_en=f"{program.name_en} (copy)" if program.name_en else "",
        description_de=program.description_de,
        description_en=program.description_en,
        copied_from=program,
        is_active=program.is_active,
    )
    copy.habits.set(program.habits.all())
    ProgramPhase.objects.bulk_create(
        ProgramPhase(program=copy, phase_id=row.phase_id, min_days=row.min_days)
        for row in program.program_phases.all()
    )
    ProgramExercise.objects.bulk_create(
        ProgramExercise(
            program=copy,
            phase_id=item.phase_id,
            exercise_id=item.exercise_id,
            order=item.order,
            **item.dosage(),
        )
        for item in program.program_exercises.all()
    )
    return copy
