"""DRF authentication with the hashed bearer tokens of ``tokens.models``.

Stateless: it never touches the session, so a token request writes no session row and needs no
CSRF token (the browser's session authentication keeps both).
"""

from django.db import DEFAULT_DB_ALIAS
from django.db.models import CharField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from compiled_sql import CompiledQuery, Param
from tokens.models import ApiToken
from tokens.services import token_digest

KEYWORD = "Bearer"


def _columns(model, prefix: str) -> list[str]:
    return [f"{prefix}{field.name}" for field in model._meta.concrete_fields]


def _instance(model, row: dict, prefix: str):
    fields = model._meta.concrete_fields
    values = [row[f"{prefix}{field.name}"] for field in fields]
    return model.from_db(DEFAULT_DB_ALIAS, [field.attname for field in fields], values)


def _token_query():
    user_model = ApiToken._meta.get_field("user").related_model
    # The patient profile is the reverse one-to-one ``user.patient`` (patients, an app above
    # this one, so it is reached through the user model, never imported).
    patient_model = user_model._meta.get_field("patient").related_model
    return (
        ApiToken.objects.filter(digest=Param("digest", CharField()))
        .order_by()
        .values(
            *_columns(ApiToken, ""),
            *_columns(user_model, "user__"),
            *_columns(patient_model, "user__patient__"),
        )[:1]
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
    row = rows[0]
    token = _instance(ApiToken, row, "")
    user_field = ApiToken._meta.get_field("user")
    user = _instance(user_field.related_model, row, "user__")
    user_field.set_cached_value(token, user)
    patient_relation = user._meta.get_field("patient")
    patient = None
    if row["user__patient__id"] is not None:
        patient = _instance(patient_relation.related_model, row, "user__patient__")
        patient_relation.field.set_cached_value(patient, user)
    patient_relation.set_cached_value(user, patient)
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
