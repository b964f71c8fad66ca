"""The browser's login session for the API, which for staff counts only once the second factor is
verified. The other way in, bearer tokens, is the tokens app's (``tokens.authentication``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts import two_factor


class SessionNotVerified(exceptions.PermissionDenied):
    default_code = "second_factor_required"
    default_detail = _(
        "This session has not been confirmed with a code from your authenticator app. Enter the "
        "code in the admin (/admin/two-factor/) first, or use an API token."
    )


class SessionAuthentication(authentication.SessionAuthentication):
    """Django's login session (with CSRF for writes, as DRF does). A staff member's session must
    also be verified with the second factor when ``ADMIN_REQUIRE_2FA`` is on: a password alone
    (a login stopped at the admin's code prompt) answers 403, never patient data."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user = result[0]
            if two_factor.required_for(user) and not two_factor.is_verified(user):
                raise SessionNotVerified()
        return result
