"""Page fragments that depend only on the catalogue and the language, rendered once per process
and catalogue revision (docs/architecture.md, catalogue snapshot): the exercise cards' "How to
do it" (pictures, instructions, equipment, variants, safety) on ``/today/``."""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from programs.catalogue import Catalogue
from programs.models import Exercise
from programs.selectors import attach_display

HOW_TO = "how_to"


def how_to(texts: Catalogue, exercise_ids: list[int]) -> dict[int, SafeString]:
    """exercise id → the card's "How to do it" HTML in the snapshot's language. Exercises not
    rendered yet in this revision cost three queries together, once."""
    missing = [pk for pk in exercise_ids if (HOW_TO, pk) not in texts.fragments]
    if missing:
        exercises = list(Exercise.objects.filter(pk__in=missing))
        attach_display(exercises)
        with translation.override(texts.language):
            for exercise in exercises:
                context = {"exercise": exercise}
                # Joined as the card template joined the two includes.
                texts.fragments[HOW_TO, exercise.pk] = "\n    ".join(
                    render_to_string(name, context)
                    for name in ("portal/_exercise_media.html", "portal/_how_to.html")
                )
    return {
        pk: mark_safe(texts.fragments[HOW_TO, pk])  # noqa: S308 - rendered by our templates
        for pk in exercise_ids
        if (HOW_TO, pk) in texts.fragments
    }
