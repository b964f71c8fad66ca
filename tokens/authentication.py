"""DRF authentication with the hashed bearer tokens of ``tokens.models``.

Stateless: it never touches the session, so a token request writes no session row and needs no
CSRF token (the browser's session authentication keeps both).
"""

from django.db.models import CharField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.backends import user_columns, user_from_row
from compiled_sql import CompiledQuery, Param, model_columns, model_from_row
from tokens.models import ApiToken
from tokens.services import token_digest

KEYWORD = "Bearer"


def _token_query():
    return (
        ApiToken.objects.filter(digest=Param("digest", CharField()))
        .order_by()
        .values(*model_columns(ApiToken), *user_columns("user__"))[:1]
    )


# The digest is unique. Token, user and patient profile in one query, compiled once per process
# (compiled_sql): building it from the ORM cost more than PostgreSQL takes to answer it.
_TOKEN_ROW = CompiledQuery(_token_query)


def token_with_user(digest: str) -> ApiToken | None:
    """The token of ``digest`` with its ``user`` and the user's ``patient`` (``None`` for
    staff) attached, as ``select_related("user", "user__patient")`` would."""
    rows = _TOKEN_ROW.rows(digest=digest)
    if not rows:
        return None
    token = model_from_row(ApiToken, rows[0])
    ApiToken._meta.get_field("user").set_cached_value(token, user_from_row(rows[0], "user__"))
    return token


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``; ``request.auth`` is the ``ApiToken`` row.

    One query per request: the user comes along with the patient profile every patient endpoint
    needs, so a patient's request costs one query to authenticate.
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: send 'Bearer <token>'.")
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self.authenticate_credentials(token)

    def authenticate_credentials(self, token: str):
        row = token_with_user(token_digest(token))
        if row is None or row.revoked_at is not None or row.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is deactivated."))
        return row.user, row

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'
