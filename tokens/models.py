"""Bearer tokens for the REST API (``Authorization: Bearer <token>``).

Only a SHA-256 digest of each token is stored: the token is 256 random bits, so a plain digest
cannot be reversed or guessed, and one indexed lookup by digest finds it (no per-user scan as with
salted hashes). Tokens expire and can be revoked; a revoked or expired token is refused.

A token dies with the credentials it was minted from: changing or resetting the password,
deactivating the account or removing its last second-factor device revokes all of the user's
tokens (``tokens/signals.py``, docs/security.md).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        blank=True,
        help_text=_("What the token is for, e.g. the integration that uses it."),
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("prefix"),
        max_length=12,
        editable=False,
        help_text=_("The first characters of the token, to tell tokens apart."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}…"

    @property
    def label(self) -> str:
        """The name, or what a token from the login endpoint is called in lists."""
        return self.name or str(_("API login"))
