"""What the patients app needs from the apps above it, named in the setting ``PATIENT_HOOKS``.

Apps import downwards only (docs/architecture.md, "Layers"): patients cannot import privacy,
reminders or questionnaires, which import it. Where a write must tell them (a new patient's
consent, the therapist's alert e-mails) or a page shows what they hold (questionnaires due,
scores, the calendar feed), patients calls the callable the setting names for that purpose,
the way ``API_CALLER_CHECKS`` turns the consent gate round."""

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def hook(name: str) -> Callable[..., Any]:
    """The callable ``PATIENT_HOOKS[name]`` names; a missing one is an error, never skipped."""
    return _load(settings.PATIENT_HOOKS[name])


@cache
def _load(path: str) -> Callable[..., Any]:
    loaded: Callable[..., Any] = import_string(path)
    return loaded
