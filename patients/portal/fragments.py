"""Page fragments that depend only on the catalogue and the language, rendered once per process
and catalogue revision (docs/architecture.md, catalogue snapshot): the exercise cards' "How to
do it" (pictures, instructions, equipment, safety) on ``/today/``.

Nothing per patient may go in here: the variant switch (which depends on the patient's
prescription item and what the therapist allows) is rendered by the card between the two
cached parts (``templates/portal/_exercise_card.html``)."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from programs.catalogue import Catalogue
from programs.models import Exercise
from programs.selectors import attach_display

HOW_TO = "how_to"
SAFETY = "safety"


@dataclass(frozen=True)
class HowTo:
    """One exercise's "How to do it": ``text`` (pictures, instructions, equipment) comes before
    the patient's variants, ``safety`` after them."""

    text: SafeString
    safety: SafeString


def how_to(texts: Catalogue, exercise_ids: list[int]) -> dict[int, HowTo]:
    """exercise id → the card's "How to do it" in the snapshot's language. The first page that
    needs one renders them for every exercise of the catalogue (its queries once per process,
    revision and language), so every later page costs the same, whichever exercises it shows."""
    if any((HOW_TO, pk) not in texts.fragments for pk in exercise_ids):
        exercises = list(Exercise.objects.filter(pk__in={*texts.exercises, *exercise_ids}))
        attach_display(exercises)
        with translation.override(texts.language):
            for exercise in exercises:
                context = {"exercise": exercise}
                # Joined as the card template joined the two includes.
                texts.fragments[SAFETY, exercise.pk] = render_to_string(
                    "portal/_safety_note.html", context
                )
                texts.fragments[HOW_TO, exercise.pk] = "\n    ".join(
                    render_to_string(name, context)
                    for name in ("portal/_exercise_media.html", "portal/_how_to_text.html")
                )
    return {
        pk: HowTo(
            text=mark_safe(texts.fragments[HOW_TO, pk]),  # noqa: S308 - rendered by our templates
            safety=mark_safe(texts.fragments[SAFETY, pk]),  # noqa: S308 - as above
        )
        for pk in exercise_ids
        if (HOW_TO, pk) in texts.fragments
    }
