"""Reads of the catalogue, with the joins each screen needs so lists stay at a fixed number of
queries however large the catalogue grows."""

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from programs.models import Exercise, ExerciseMedia, Program, ProgramExercise, ProgramPhase


def _media() -> "Prefetch[str]":
    return Prefetch("media", ExerciseMedia.objects.order_by("order", "id"))


def exercise_list() -> QuerySet[Exercise]:
    return Exercise.objects.select_related(
        "phase", "goal", "easier_variant", "harder_variant"
    ).prefetch_related(_media())


def attach_media(exercises: Iterable[Exercise]) -> None:
    """Load the media of already fetched exercises in one query (``exercise.media.all()``)."""
    exercises = [exercise for exercise in exercises if exercise is not None]
    if exercises:
        prefetch_related_objects(exercises, _media())


def attach_display(exercises: Iterable[Exercise]) -> None:
    """Media and the easier/harder variants' names for the portal's "How to do it", in at most
    two queries however many exercises there are."""
    exercises = [exercise for exercise in exercises if exercise is not None]
    attach_media(exercises)
    variant_ids = {
        pk
        for exercise in exercises
        for pk in (exercise.easier_variant_id, exercise.harder_variant_id)
        if pk is not None
    }
    if not variant_ids:
        return
    variants = Exercise.objects.only("id", "slug", "name_de", "name_en").in_bulk(variant_ids)
    for exercise in exercises:
        for name in ("easier_variant", "harder_variant"):
            pk = getattr(exercise, f"{name}_id")
            if pk is not None and pk in variants:
                setattr(exercise, name, variants[pk])


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
