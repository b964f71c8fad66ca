"""The patient's language setting wins over the browser's once they are logged in
(docs/product.md, "Web pages").

The language is copied into the session at login, so applying it costs no query per request:
the session is read anyway to know who is logged in.
"""

from django.conf import settings
from django.utils import translation

SESSION_KEY = "profile_language"
# A language chosen with the header's switch before logging in (on the login page): the
# patient's latest choice, so it becomes their profile's language at login.
CHOSEN_BEFORE_LOGIN_KEY = "language_chosen_before_login"


def set_session_language(request, language: str) -> None:
    if language in dict(settings.LANGUAGES):
        request.session[SESSION_KEY] = language
        translation.activate(language)
        request.LANGUAGE_CODE = language


class ProfileLanguageMiddleware:
    """After ``AuthenticationMiddleware``: a logged-in patient sees their profile language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
