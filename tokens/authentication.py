"""DRF authentication with the hashed bearer tokens of ``tokens.models``.

Stateless: it never touches the session, so a token request writes no session row and needs no
CSRF token (the browser's session authentication keeps both).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from tokens.models import ApiToken
from tokens.services import token_digest

KEYWORD = "Bearer"


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``; ``request.auth`` is the ``ApiToken`` row.

    One query per request: the user comes along with the patient profile every patient endpoint
    needs, so a patient's request costs one query to authenticate.
    """

    select_related: tuple[str, ...] = ("user", "user__patient")

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
        # The digest is unique: no ORDER BY (``first()`` would add one to every API request).
        rows = ApiToken.objects.select_related(*self.select_related).filter(
            digest=token_digest(token)
        )
        row = next(iter(rows.order_by()[:1]), None)
        if row is None or row.revoked_at is not None or row.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is deactivated."))
        return row.user, row

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'
