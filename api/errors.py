"""JSON errors (docs/api.md "Errors").

Services raise Django's ``ValidationError``; the API answers it as DRF does its own: 400 with
``{"field": ["message", …]}``, ``non_field_errors`` for the rest, and errors of nested entries
keyed by the entry's index, as DRF's own list validation does (``{"entries": {"1":
{"exercise": ["…"]}}}``).

Errors Django answers before or around DRF — an unknown URL, a bad host, a body over the upload
limit, an unexpected exception, a database outage — go through the ``handler400/403/404/500``
views below (``mtt/urls.py``): under ``/api/`` they answer ``{"detail": "…"}``, elsewhere the
site's HTML pages. ``api.middleware`` handles exceptions from API views the same way.
"""

import logging
import re
import sys
import traceback

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from api.parsers import RequestTooLarge

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
    elif isinstance(exc, RequestDataTooBig):  # Django's own check, when it read the body first
        exc = RequestTooLarge()
    return drf_exception_handler(exc, context)


API_PREFIX = "/api/"
# Seconds a client waits before retrying after a 503.
RETRY_AFTER = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)

logger = logging.getLogger("api")


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int, detail, **headers) -> JsonResponse:
    response = JsonResponse({"detail": str(detail)}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def unavailable() -> JsonResponse:
    return json_error(
        503,
        _("The service is unavailable for a moment. Please try again shortly."),
        Retry_After=str(RETRY_AFTER),
    )


# What Django answers itself, through the handlers below (404, 403, 400, 413).
DJANGO_ANSWERS = (Http404, PermissionDenied, SuspiciousOperation, BadRequest, MultiPartParserError)


def server_error_answer(request, exception: BaseException) -> JsonResponse:
    """500 (503 for a database outage) as JSON, logged by exception type, route and frames only:
    an exception's message may quote stored values (a name in a constraint error), so it stays
    out of the log, and so do the query string and the body."""
    if isinstance(exception, DATABASE_ERRORS):
        logger.error(
            "Database unavailable (%s) on %s %s",
            type(exception).__name__,
            request.method,
            request.path,
        )
        return unavailable()
    frames = "".join(traceback.format_tb(exception.__traceback__))
    logger.error(
        "Unexpected %s on %s %s\n%s",
        type(exception).__name__,
        request.method,
        request.path,
        frames,
    )
    return json_error(500, _("A server error occurred. It has been logged; please try later."))


def bad_request(request, exception):
    """``handler400``: a bad host, malformed multipart data, a body over the upload limit
    (``RequestDataTooBig`` → 413)."""
    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return json_error(413, _("The request body is too large."))
    return json_error(400, _("Bad request."))


def permission_denied(request, exception):
    """``handler403``."""
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    return json_error(403, _("You do not have permission to perform this action."))


def not_found(request, exception):
    """``handler404``: an unknown URL under /api/ answers JSON like every other API error."""
    if is_api(request):
        return json_error(404, _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    """``handler500``: Django calls it while handling the exception, so ``sys.exc_info()``
    still names it — a database outage answers 503."""
    exception = sys.exc_info()[1]
    if not is_api(request):
        return defaults.server_error(request)
    if isinstance(exception, DATABASE_ERRORS):
        return unavailable()
    return json_error(500, _("A server error occurred. It has been logged; please try later."))
