"""German and English catalogue texts.

Every catalogue text is stored once per language (``name_de``, ``name_en``) so a practice edits
both in the admin and a migration can load both. ``TranslatedField`` reads the active language and
falls back to German, the programme's source language, while an English text is still empty.
"""

from django.utils.translation import get_language

LANGUAGES = ("de", "en")
FALLBACK_LANGUAGE = "de"


def active_language() -> str:
    language = (get_language() or FALLBACK_LANGUAGE)[:2]
    return language if language in LANGUAGES else FALLBACK_LANGUAGE


class TranslatedField:
    """Descriptor: ``exercise.name`` is ``exercise.name_en`` when English is active."""

    def __set_name__(self, owner, name):
        self.base = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = getattr(instance, f"{self.base}_{active_language()}")
        return value or getattr(instance, f"{self.base}_{FALLBACK_LANGUAGE}")
