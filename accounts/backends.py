"""Log in with the username or the e-mail address."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import IntegerField

from compiled_sql import CompiledQuery, Param, model_columns, model_from_row


def user_columns(prefix: str = "") -> list[str]:
    """The ``values()`` names of a user and the user's patient profile (the reverse one-to-one
    ``user.patient`` of the patients app, reached through the user model, never imported), for
    ``user_from_row``."""
    user_model = get_user_model()
    patient_model = user_model._meta.get_field("patient").related_model
    return [
        *model_columns(user_model, prefix),
        *model_columns(patient_model, f"{prefix}patient__"),
    ]


def user_from_row(row: dict[str, Any], prefix: str = "") -> Any:
    """The user of a compiled query's row with ``user_columns(prefix)``, the patient profile
    attached both ways as ``select_related("patient")`` would (``None`` for staff, so asking
    costs no query either)."""
    user = model_from_row(get_user_model(), row, prefix)
    relation = user._meta.get_field("patient")
    patient = None
    if row[f"{prefix}patient__id"] is not None:
        patient = model_from_row(relation.related_model, row, f"{prefix}patient__")
        relation.field.set_cached_value(patient, user)
    relation.set_cached_value(user, patient)
    return user


# The session's user with the patient profile: every portal and admin page asks for it, so the
# query is compiled once per process (compiled_sql).
_SESSION_USER = CompiledQuery(
    lambda: (
        get_user_model()
        ._default_manager.filter(pk=Param("user", IntegerField()))
        .order_by()
        .values(*user_columns())[:1]
    )
)


class UsernameOrEmailBackend(ModelBackend):
    """``ModelBackend`` that also accepts the e-mail address in the username field.

    An address shared by several accounts identifies nobody, so it never logs anyone in; the
    username still does. The password hasher runs on every miss, as in ``ModelBackend``, so the
    answer time does not tell whether an account exists.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        username = username.strip()
        user = None
        if "@" in username:
            matches = list(user_model._default_manager.filter(email__iexact=username)[:2])
            if len(matches) == 1:
                user = matches[0]
        if user is None:
            user = user_model._default_manager.filter(username__iexact=username).first()
        if user is None:
            user_model().set_password(password)  # same work as a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user with the patient profile in the same query: every portal page
        needs it (staff have none, and asking then costs no query either)."""
        rows = _SESSION_USER.rows(user=user_id)
        user = user_from_row(rows[0]) if rows else None
        return user if user is not None and self.user_can_authenticate(user) else None
