"""Login lockout (django-axes): how attempts are counted and what a locked-out client sees.

Failed password logins are counted per **username and client address together**
(``AXES_LOCKOUT_PARAMETERS``): after ``AXES_FAILURE_LIMIT`` failures that pair is refused for
``AXES_COOLOFF_TIME``, even with the right password. Counting per username alone would let anyone
lock a patient out of the app from anywhere; counting per address alone would lock out a whole
practice behind one router. Trying many accounts from one address is slowed by the API's
per-address throttle and should be rate-limited by the reverse proxy too.

The portal login, the admin login and ``POST /api/v1/auth/token/`` all go through
``django.contrib.auth.authenticate()``, where ``axes.backends.AxesStandaloneBackend`` (first in
``AUTHENTICATION_BACKENDS``) refuses locked-out pairs and the ``user_login_failed`` signal counts
failures. ``axes.middleware.AxesMiddleware`` turns a refused request into the response built here.
A wrong TOTP code at the token login is sent through the same signal (``tokens/api.py``),
so wrong codes and wrong passwords add up to one count.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_message() -> str:
    return _("Too many failed logins. Please wait %(minutes)d minutes and try again.") % {
        "minutes": cool_off_minutes()
    }


def cool_off_minutes() -> int:
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    return max(1, round(cool_off.total_seconds() / 60))


def username_for_lockout(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account name attempts are counted under (``AXES_USERNAME_CALLABLE``).

    Logins accept the username or the e-mail address in any case, so both spellings of one
    account count as one: otherwise each variant would get its own set of attempts. An address
    that identifies one account counts as that account's username, as the login backend reads it.
    """
    if credentials:
        username = credentials.get("username")
    else:
        data = getattr(request, "data", None) or request.POST
        username = data.get("username")
    if not isinstance(username, str):
        return None
    username = username.strip().lower()[:150]
    if "@" in username:
        matches = list(
            get_user_model()
            ._default_manager.filter(email__iexact=username)
            .values_list("username", flat=True)[:2]
        )
        if len(matches) == 1:
            return matches[0].lower()
    return username


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: 429 with ``Retry-After``; JSON in the API's error format under
    /api/, a page otherwise (the admin's own look for the admin login)."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        template = (
            "admin/locked_out.html"
            if request.path.startswith("/admin/")
            else "accounts/locked_out.html"
        )
        context = {"message": lockout_message(), "minutes": cool_off_minutes()}
        if request.path.startswith("/admin/"):
            from django.contrib import admin

            context |= admin.site.each_context(request)
        response = render(request, template, context, status=429)
    response["Retry-After"] = retry_after
    return response
