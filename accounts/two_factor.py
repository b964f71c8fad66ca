"""Two-factor authentication (TOTP, django-otp) for everyone who uses the admin.

Therapists and the practice admin see patient data in the admin, so a password alone does not
open it: after the password the admin asks for a code from an authenticator app
(``accounts.two_factor_views``). Whoever has no confirmed device yet enrols one first, with a QR
code. A confirmed device can only be replaced by the practice admin deleting it in the admin
("TOTP devices"); knowing the password is not enough to enrol a new one.

The same second factor guards every other way to patient data: a staff member obtains an API
token only with a current code (``POST /api/v1/auth/token/`` with ``otp``, see ``totp_check``) or
from a verified admin session (the admin's "API tokens" page), and the API accepts a staff
member's session cookie only once the session is verified (``api.authentication``).

``ADMIN_REQUIRE_2FA`` (default on) switches all of this together; the embedded demo of
``make run`` turns it off and says so (docs/security.md).
"""

import base64
import io
from binascii import unhexlify

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Authenticator app"


def required() -> bool:
    return settings.ADMIN_REQUIRE_2FA


def required_for(user) -> bool:
    """Staff (therapists, the practice admin) need the second factor; patients do not."""
    return required() and bool(user.is_staff or user.is_superuser)


def is_verified(user) -> bool:
    """Set by ``django_otp.middleware.OTPMiddleware`` from the session."""
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


@transaction.atomic
def totp_device_for_enrolment(*, user) -> TOTPDevice:
    """The unconfirmed device to enrol: the same one (and QR code) on every reload until it is
    confirmed."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, request, device: TOTPDevice, token: str) -> bool:
    """Confirm an enrolment with a first valid code and mark the session verified."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _mark_verified(request, device)
    return True


@transaction.atomic
def totp_verify(*, request, device: TOTPDevice, token: str) -> bool:
    """Check a code against the user's confirmed device (throttled by django-otp: each wrong
    code doubles the wait before the next try) and mark the session verified."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=True)
    if not device.verify_token(token):
        return False
    _mark_verified(request, device)
    return True


class CodeCheck:
    """What ``totp_check`` found."""

    OK = "ok"
    NO_DEVICE = "no_device"
    WRONG = "wrong"
    THROTTLED = "throttled"


@transaction.atomic
def totp_check(*, user, token: str) -> str:
    """Check a code against the user's confirmed device without a session (the API's token
    login). The device's throttle applies as in the admin: while it holds, even the right code
    is refused, and every wrong code doubles the wait. A code is accepted once."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=True)
        .order_by("pk")
        .first()
    )
    if device is None:
        return CodeCheck.NO_DEVICE
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return CodeCheck.THROTTLED
    return CodeCheck.OK if device.verify_token(token) else CodeCheck.WRONG


def _mark_verified(request, device: TOTPDevice) -> None:
    # A new session key for the raised privilege, as Django does at login.
    request.session.cycle_key()
    otp_login(request, device)


def secret_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in, in groups of four."""
    secret = base64.b32encode(unhexlify(device.key)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` URL as an SVG QR code in a ``data:`` URI: an ``<img>`` the CSP allows
    (``img-src 'self' data:``), with no request that could leak the secret to a log."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
