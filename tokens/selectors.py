"""Reads of API tokens."""

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from tokens.models import ApiToken


def tokens_live_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work (neither revoked nor expired), newest first."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-id")
