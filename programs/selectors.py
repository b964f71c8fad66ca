"""Reads of the catalogue, with the joins each screen needs so lists stay at a fixed number of
queries however large the catalogue grows."""

from django.db.models import Prefetch, QuerySet

from programs.models import Exercise, Program, ProgramExercise, ProgramPhase


def exercise_list() -> QuerySet[Exercise]:
    return Exercise.objects.select_related("phase", "goal", "easier_variant", "harder_variant")


def program_list() -> QuerySet[Program]:
    return Program.objects.prefetch_related(
        Prefetch("program_phases", ProgramPhase.objects.select_related("phase")),
        Prefetch(
            "program_exercises",
            ProgramExercise.objects.select_related("phase", "exercise__goal"),
        ),
        "habits",
    )


def program_overview() -> QuerySet[Program]:
    """Active programmes with their phases, for pages that name the phases only."""
    return Program.objects.filter(is_active=True).prefetch_related(
        Prefetch("program_phases", ProgramPhase.objects.select_related("phase"))
    )
