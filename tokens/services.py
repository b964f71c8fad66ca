"""Issuing and revoking API tokens: the only writes to ``ApiToken``."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tokens.models import ApiToken

TOKEN_PREFIX = "mtt_"  # noqa: S105 - not a secret: lets scanners and people spot a leaked token
DEFAULT_TTL = timedelta(days=30)
# Tokens made in the admin for an integration live at most this long (docs/security.md).
MAX_INTEGRATION_TTL_DAYS = 365


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_ttl() -> timedelta:
    return getattr(settings, "API_TOKEN_TTL", DEFAULT_TTL)


@transaction.atomic
def token_create(
    *, user: User, ttl: timedelta | None = None, name: str = ""
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the stored row and the token, which exists only in this
    answer. The user's dead tokens (expired or revoked) are dropped on the way.

    Whoever calls this has checked the credentials: the password (and for staff the TOTP code)
    at ``POST /api/v1/auth/token/``, or a verified admin session on the admin's token page."""
    now = timezone.now()
    ApiToken.objects.filter(
        Q(expires_at__lte=now) | Q(revoked_at__isnull=False), user=user
    ).delete()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name,
        digest=token_digest(token),
        prefix=token[: len(TOKEN_PREFIX) + 4],
        expires_at=now + (ttl or token_ttl()),
    )
    return row, token


def token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def tokens_revoke_all(*, user_id: int) -> int:
    """Revoke every live token of the user (password changed, account deactivated, last
    second-factor device removed); returns how many. One UPDATE."""
    return ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
