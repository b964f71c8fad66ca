"""JSON errors with a message per field (SPEC §3).

Services raise Django's ``ValidationError``; the API answers it as DRF does its own: 400 with
``{"field": ["message", …]}``, ``non_field_errors`` for the rest, and errors of nested entries
keyed by the entry's index, as DRF's own list validation does (``{"entries": {"1":
{"exercise": ["…"]}}}``).
"""

import re

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.defaults import page_not_found
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NESTED_KEY = re.compile(r"^(?P<name>\w+)\[(?P<index>\d+)\]\.(?P<field>\w+)$")


def validation_error_detail(error: DjangoValidationError) -> dict:
    """``{"entries[1].exercise": [...]}`` → ``{"entries": {"1": {"exercise": [...]}}}``."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: list(error.messages)}
    detail: dict = {}
    for key, messages in error.message_dict.items():
        match = NESTED_KEY.match(key)
        if match:
            row = detail.setdefault(match["name"], {}).setdefault(match["index"], {})
            row.setdefault(match["field"], []).extend(messages)
            continue
        name = api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key
        detail.setdefault(name, []).extend(messages)
    return detail


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    return drf_exception_handler(exc, context)


def not_found(request, exception):
    """``handler404``: an unknown URL under /api/ answers JSON like every other API error."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    return page_not_found(request, exception)
