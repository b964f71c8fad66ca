"""One-time links: an invitation that sets the first password, and a passwordless login link.

Both reuse Django's password-reset token: an HMAC over the user's id, password hash, last login
and e-mail with a timestamp. Setting a password or logging in changes that state, so a link works
once; each kind has its own salt and lifetime, so one kind of link never passes as the other.
"""

from datetime import timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

INVITATION_VALID_FOR = timedelta(days=7)
LOGIN_LINK_VALID_FOR = timedelta(minutes=15)


class ExpiringTokenGenerator(PasswordResetTokenGenerator):
    """A password-reset style token with its own lifetime instead of PASSWORD_RESET_TIMEOUT."""

    valid_for: timedelta

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return 0 <= age <= self.valid_for.total_seconds()


class InvitationTokenGenerator(ExpiringTokenGenerator):
    key_salt = "accounts.tokens.InvitationTokenGenerator"
    valid_for = INVITATION_VALID_FOR


class LoginLinkTokenGenerator(ExpiringTokenGenerator):
    key_salt = "accounts.tokens.LoginLinkTokenGenerator"
    valid_for = LOGIN_LINK_VALID_FOR


invitation_token = InvitationTokenGenerator()
login_link_token = LoginLinkTokenGenerator()
