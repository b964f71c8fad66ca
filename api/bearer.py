"""Middleware that API calls with a bearer token skip (docs/security.md, "Bearer requests skip
the browser's middleware"; what it saves: docs/benchmarks.md, "Method").

A request under ``/api/`` that carries ``Authorization: Bearer …`` is authenticated by its token
alone (``tokens.authentication``). What the browser's login session needs is work such a call
does not need, and left in place it would be a second way in: the login session
(``SessionMiddleware``, ``AuthenticationMiddleware``), the second factor of a staff session
(``OTPMiddleware``), the profile language kept in the session and messages. Each of those is
listed in ``MIDDLEWARE`` through this module (a subclass, so Django's checks still find it), and
for a bearer call it passes straight on to the next middleware; ``request.user`` is anonymous
until DRF's token authentication sets it. The language of a bearer call comes from
``Accept-Language`` alone (docs/api.md), not from a cookie.

Two stay as they are for every request, because their checks look for them by name and their
work for a bearer call is a lookup or two: ``CsrfViewMiddleware`` (DRF's views are CSRF-exempt;
``api.authentication.SessionAuthentication`` checks CSRF itself for session calls) and
``AxesMiddleware`` (it only turns a login that ``authenticate()`` refused into the lockout
answer; the token login answers that itself, bearer header or not). Every other request — the
API called with the login session, any page — goes through the wrapped middleware unchanged.
"""

from collections.abc import Callable
from typing import Any

import django.contrib.auth.middleware
import django.contrib.messages.middleware
import django.contrib.sessions.middleware
import django.middleware.locale
import django_otp.middleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from accounts import language as profile_language
from api.errors import is_api

KEYWORD = b"bearer"
_BEARER_API = "_bearer_api"
HOOKS = ("process_view", "process_exception", "process_template_response")


def is_bearer_api(request: HttpRequest) -> bool:
    """Under ``/api/`` with an ``Authorization: Bearer`` header, read as
    ``tokens.authentication`` reads it (a malformed one is its 401, not a session's turn)."""
    known = request.__dict__.get(_BEARER_API)
    if known is not None:
        return known
    header = request.META.get("HTTP_AUTHORIZATION")
    parts = header.encode("iso-8859-1", "replace").split() if header else []
    answer = bool(parts) and parts[0].lower() == KEYWORD and is_api(request)
    request.__dict__[_BEARER_API] = answer  # asked by every wrapped middleware: decided once
    return answer


def skipped_by_bearer_api(middleware: type) -> type:
    """A subclass of ``middleware`` (so Django's checks still find it in ``MIDDLEWARE``) that
    every request goes through except bearer API calls, which go straight on to the next."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_bearer_api(request):
            return self.get_response(request)
        return middleware.__call__(self, request)

    namespace: dict[str, Any] = {"__call__": __call__, "__module__": __name__}
    # Django collects these hooks from the instances in MIDDLEWARE: the wrapped middleware's
    # ones are guarded the same way.
    for hook in HOOKS:
        if hasattr(middleware, hook):
            namespace[hook] = _guarded(getattr(middleware, hook))
    namespace["__doc__"] = (
        f"``{middleware.__module__}.{middleware.__name__}``, skipped by bearer API calls."
    )
    return type(middleware.__name__, (middleware,), namespace)


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    def hook(self, request: HttpRequest, *args: Any) -> Any:
        if is_bearer_api(request):
            return None
        return method(self, request, *args)

    return hook


class LocaleMiddleware(django.middleware.locale.LocaleMiddleware):
    """Django's, except that a bearer API call takes its language from ``Accept-Language``
    alone: a token client has no language cookie of its own, and a browser's must not change
    what a script reads."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_bearer_api(request):
            return super().process_request(request)
        language = accepted_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not is_bearer_api(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def accepted_language(header: str) -> str:
    """The first of the header's languages the site has, else ``LANGUAGE_CODE``."""
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


SessionMiddleware = skipped_by_bearer_api(django.contrib.sessions.middleware.SessionMiddleware)
MessageMiddleware = skipped_by_bearer_api(django.contrib.messages.middleware.MessageMiddleware)
OTPMiddleware = skipped_by_bearer_api(django_otp.middleware.OTPMiddleware)
ProfileLanguageMiddleware = skipped_by_bearer_api(profile_language.ProfileLanguageMiddleware)


class AuthenticationMiddleware(
    skipped_by_bearer_api(django.contrib.auth.middleware.AuthenticationMiddleware)  # type: ignore[misc]
):
    """A bearer API call is anonymous until its token authenticates it: no session user."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_bearer_api(request):
            request.user = AnonymousUser()
        return super().__call__(request)
