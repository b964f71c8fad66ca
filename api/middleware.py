"""Every error under ``/api/`` is JSON (docs/api.md "Errors").

First in ``MIDDLEWARE``. An exception a view lets through (DRF re-raises what is not an
``APIException``) answers ``{"detail": …}`` 500 — 503 with ``Retry-After`` when the database
cannot be reached — logged without the exception's message, query or body
(``errors.server_error_answer``). Whatever else answers an error under ``/api/`` in HTML (an
error handler's page, a library's response; not DRF's own, rendered as the client asked) turns
into ``{"detail": "<reason>"}`` with the same status and headers, so a client never has to parse
a page. A query string with a NUL character answers 400 before the view runs. Outside ``/api/``
nothing changes.
"""

from urllib.parse import unquote

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

from api import errors

KEPT_HEADERS = ("Retry-After", "WWW-Authenticate", "Allow", "Vary")


class ApiErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if errors.is_api(request) and response.status_code >= 400 and not negotiated(response):
            response = as_json(response)
        return response

    def process_view(self, request, view, args, kwargs):
        """PostgreSQL stores and compares no NUL character: a filter with one cannot match,
        and the database driver would refuse it with an exception."""
        if errors.is_api(request) and "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return errors.json_error(400, _("The query string must not contain NUL characters."))
        return None

    def process_exception(self, request, exception):
        if not errors.is_api(request) or isinstance(exception, errors.DJANGO_ANSWERS):
            return None  # Django answers these through the error handlers (mtt/urls.py)
        return errors.server_error_answer(request, exception)


def negotiated(response) -> bool:
    """JSON already, or a DRF response rendered for the client's ``Accept`` (the browsable API
    in development, the PDF export)."""
    if getattr(response, "accepted_renderer", None) is not None:
        return True
    content_type = response.get("Content-Type", "")
    return content_type.split(";")[0].strip().lower() in {
        "application/json",
        "application/problem+json",
    }


def as_json(response) -> JsonResponse:
    answer = JsonResponse({"detail": response.reason_phrase}, status=response.status_code)
    for name in KEPT_HEADERS:
        if name in response:
            answer[name] = response[name]
    return answer
