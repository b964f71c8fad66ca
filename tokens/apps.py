from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    label = "tokens"
    verbose_name = _("API tokens")

    def ready(self):
        # Deferred: models and signal receivers are imported once the app registry is ready.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tokens import signals

        post_save.connect(
            signals.revoke_on_password_change_or_deactivation,
            sender=get_user_model(),
            dispatch_uid="tokens-revoke-on-password-or-deactivation",
        )
        post_delete.connect(
            signals.revoke_when_the_last_device_goes,
            sender=TOTPDevice,
            dispatch_uid="tokens-revoke-on-device-removal",
        )
