from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Deferred: models and signal receivers are imported once the app registry is ready.
        from django.contrib.auth.signals import user_logged_in

        from accounts.language import remember_profile_language

        # Every way in (password, invitation, e-mailed link, the admin, a test's force_login)
        # goes through django.contrib.auth.login(), which sends this signal.
        user_logged_in.connect(remember_profile_language, dispatch_uid="accounts-profile-language")
