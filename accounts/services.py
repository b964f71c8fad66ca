"""Writes and e-mails for accounts: invitations and passwordless login links."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.tokens import (
    INVITATION_VALID_FOR,
    LOGIN_LINK_VALID_FOR,
    invitation_token,
    login_link_token,
)

# For the annotation only: patients sits above accounts' sign-in (docs/architecture.md).
if TYPE_CHECKING:
    from patients.models import Patient


def _link(url_name: str, user: User, generator: PasswordResetTokenGenerator) -> str:
    path = reverse(
        url_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def _send(*, user: User, language: str, template: str, context: dict[str, Any]) -> None:
    """Render ``accounts/email/<template>_subject.txt`` and ``….txt`` in the user's language."""
    with translation.override(language):
        context = {"user": user, "site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def patient_invite(*, patient: "Patient", invited_by: User) -> str:
    """E-mail the patient a one-time link to set their password; it expires after 7 days.

    Sending again is harmless: every link stays valid until one of them is used or it expires.
    Returns the link, so the admin can show it when the practice has no working e-mail.
    """
    user = patient.user
    if not user.email:
        raise ValidationError({"email": _("The patient has no e-mail address to invite.")})
    if not user.is_active:
        raise ValidationError(_("This login is deactivated."))
    link = _link("invitation_accept", user, invitation_token)
    _send(
        user=user,
        language=patient.language,
        template="invitation",
        context={
            "link": link,
            "days": INVITATION_VALID_FOR.days,
            "therapist": invited_by.get_full_name() or invited_by.get_username(),
        },
    )
    return link


def login_link_send(*, email: str) -> bool:
    """E-mail a one-time login link (15 minutes) to the patient with this address.

    Only patients get links: a therapist's account opens the admin and needs the password. An
    unknown or ambiguous address sends nothing, and the caller answers the same either way so the
    form does not reveal who has an account.
    """
    users = list(
        get_user_model()
        ._default_manager.filter(email__iexact=email.strip(), is_active=True, is_staff=False)
        .select_related("patient")[:2]
    )
    if len(users) != 1 or not hasattr(users[0], "patient"):
        return False
    user = users[0]
    _send(
        user=user,
        language=user.patient.language,
        template="login_link",
        context={
            "link": _link("login_link", user, login_link_token),
            "minutes": int(LOGIN_LINK_VALID_FOR.total_seconds() // 60),
        },
    )
    return True
