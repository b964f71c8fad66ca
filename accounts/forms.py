from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from patients.models import Language, ReminderChannel, time_zone_names
from patients.selectors import offered_channels


class LoginForm(auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label=_("Username or e-mail address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("The username or e-mail address and the password do not match."),
    }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with two changes.

    An invited patient who lost the invitation has no usable password yet; proving the address is
    what the invitation does too, so they may reset as well. The e-mail is written in the
    patient's language and links to ``SITE_URL`` rather than to whatever host the request named.
    """

    def get_users(self, email):
        return (
            get_user_model()
            ._default_manager.filter(email__iexact=email, is_active=True)
            .select_related("patient")
        )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        patient = getattr(context["user"], "patient", None)
        language = patient.language if patient else translation.get_language()
        with translation.override(language):
            context = {**context, "site_url": settings.SITE_URL}
            subject = loader.render_to_string(subject_template_name, context)
            body = loader.render_to_string(email_template_name, context)
        EmailMultiAlternatives(" ".join(subject.split()), body, from_email, [to_email]).send()


class LoginLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


def _time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


class ProfileForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("Reminders, login links and password resets go to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        help_text=_("Your training days and reminders follow this time zone."),
    )
    reminder_time = forms.TimeField(
        label=_("Reminder time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("When we remind you of a session that is due (your local time)."),
    )
    reminder_channels = forms.MultipleChoiceField(
        label=_("Send reminders by"),
        choices=[],  # what this server offers, set per form
        widget=forms.CheckboxSelectMultiple,
        required=False,  # none is fine with "no reminders" (the service checks the pair)
    )
    reminder_opt_out = forms.BooleanField(label=_("I do not want any reminders"), required=False)
    habit_reminders = forms.BooleanField(
        label=_("Also remind me of my daily habits"), required=False
    )

    FIELDS = (
        "language",
        "time_zone",
        "reminder_time",
        "reminder_channels",
        "reminder_opt_out",
        "habit_reminders",
    )
    CHANNEL_LABELS = {
        ReminderChannel.EMAIL: _("E-mail"),
        ReminderChannel.PUSH: _("Push notification on the devices registered below"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = offered_channels()
        self.fields["reminder_channels"].choices = [
            (channel, self.CHANNEL_LABELS[ReminderChannel(channel)]) for channel in self.offered
        ]

    def clean_reminder_channels(self) -> list[str]:
        """A channel the server does not offer now (push without VAPID keys) has no check box;
        the patient's choice of it is kept rather than silently dropped on every save."""
        kept = [
            channel
            for channel in self.initial.get("reminder_channels", [])
            if channel not in self.offered
        ]
        return [*self.cleaned_data["reminder_channels"], *kept]

    @classmethod
    def initial_for(cls, patient) -> dict:
        return {"email": patient.user.email} | {
            field: getattr(patient, field) for field in cls.FIELDS
        }
