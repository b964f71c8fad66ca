"""Django's user pages and django_otp's device pages in the user's language.

Django 6.1 builds the admin's "set password" help text once, when its forms module is imported
(a translated text joined to an English warning), so every user read it in the language of that
moment, with the warning in English. The user admin here builds it lazily, per request, both
parts translated. django_otp writes its admin's labels in English only; the device admin here
gives them in the catalogue's words (docs/product.md, "Languages").
"""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PasswordChangeForm(AdminPasswordChangeForm):
    usable_password_help_text = format_lazy(  # type: ignore[assignment]  # lazy, as it should be
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    change_password_form = PasswordChangeForm


# --- the staff's authenticator apps (django_otp writes its admin in English only) ------------
# field → (label, help text)
TOTP_FIELDS: "dict[str, tuple[StrOrPromise, StrOrPromise]]" = {
    "user": (_("user"), _("The staff member whose authenticator app this is.")),
    "name": (_("name"), _("A name to tell the devices apart.")),
    "confirmed": (_("confirmed"), _("Confirmed with a first code: ready for use.")),
    "key": (_("secret key"), _("The shared secret, hex-encoded (up to 40 bytes).")),
    "step": (_("time step (s)"), _("How many seconds each code is valid.")),
    "t0": (_("start time"), _("The Unix time at which counting time steps begins.")),
    "digits": (_("digits"), _("How many digits a code has.")),
    "tolerance": (
        _("tolerance"),
        _("How many time steps before or after now a code may be from."),
    ),
    "drift": (_("drift"), _("How many time steps the app's clock is known to be off.")),
    "last_t": (
        _("last time step used"),
        _("A code is accepted only from a later time step than this one."),
    ),
    "throttling_failure_timestamp": (
        _("last failed code"),
        _("When the last wrong code was entered."),
    ),
    "throttling_failure_count": (_("failed codes"), _("Wrong codes in a row.")),
}
TOTP_FIELDSETS = {
    "Identity": _("Device"),
    "Timestamps": _("Times"),
    "Configuration": _("Settings"),
    "State": _("State"),
    "Throttling": _("Wrong codes"),
}
TOTP_TIMES = {"created_at": "created", "last_used_at": "last_used"}


def _titled(filter_class, title):
    """A list filter of ``filter_class`` headed ``title`` instead of the field's English name."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(otp_totp_admin.TOTPDeviceAdmin):
    """django_otp's device admin, with its labels, headings and columns in the user's
    language."""

    list_display = ["device_user", "name", "created", "last_used", "device_confirmed"]
    list_filter = [
        ("created_at", _titled(admin.DateFieldListFilter, _("created"))),
        ("last_used_at", _titled(admin.DateFieldListFilter, _("last used"))),
        ("confirmed", _titled(admin.BooleanFieldListFilter, _("confirmed"))),
    ]
    search_help_text = _("Search by username or e-mail address.")
    readonly_fields = ["created", "last_used", "qrcode_link"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in TOTP_FIELDS:
            formfield.label, formfield.help_text = TOTP_FIELDS[db_field.name]
        return formfield

    def get_fieldsets(self, request, obj=None):
        return [
            (
                TOTP_FIELDSETS.get(title, title) if title else None,
                {**options, "fields": [TOTP_TIMES.get(name, name) for name in options["fields"]]},
            )
            for title, options in super().get_fieldsets(request, obj)
        ]

    @admin.display(description=_("user"), ordering="user__username")
    def device_user(self, device):
        return device.user

    @admin.display(description=_("confirmed"), boolean=True, ordering="confirmed")
    def device_confirmed(self, device):
        return device.confirmed

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, device):
        return device.created_at

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, device):
        return device.last_used_at

    @admin.display(description=_("QR code"))
    def qrcode_link(self, device):
        url = reverse("admin:otp_totp_totpdevice_config", kwargs={"pk": device.pk})
        return format_html('<a href="{}">{}</a>', url, _("Show the QR code"))
