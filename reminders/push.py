"""The Web Push channel: the server's VAPID keys, what a browser's subscription must look like,
the reminder as a push message, and sending it (README "Push reminders (Web Push)").

A push message is encrypted for the one device (RFC 8291, ``aes128gcm``) and signed with the
server's VAPID key (RFC 8292) by ``pywebpush``; the push service (Google's, Mozilla's, Apple's)
only forwards it. It carries no health data: a title, a neutral line and the link to the portal
page, in the patient's language (docs/privacy.md, "Push reminders"). The lock screen of a phone
is seen by others, so the message does not even name the exercises.
"""

import base64
import binascii
import functools
import ipaddress
import json
import re
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from reminders.models import Delivery, PushSubscription, ReminderKind

# Reminders that go by push too: the patient's own. Alerts to the therapist stay e-mail.
PUSH_KINDS = (
    ReminderKind.SESSION,
    ReminderKind.EVENING,
    ReminderKind.NEXT_DAY,
    ReminderKind.QUESTIONNAIRE,
    ReminderKind.HABITS,
)
# The portal page each reminder opens and the line under the title: the e-mails' own button
# texts, which name an action and nothing about health.
PAGES = {
    ReminderKind.SESSION: ("/today/", gettext_lazy("Open today's plan")),
    ReminderKind.EVENING: ("/today/", gettext_lazy("Open today's plan")),
    ReminderKind.NEXT_DAY: ("/today/", gettext_lazy("Answer the next-day check")),
    ReminderKind.QUESTIONNAIRE: ("/questionnaires/", gettext_lazy("Open the questionnaires")),
    ReminderKind.HABITS: ("/habits/", gettext_lazy("Open your habits")),
}
ENDPOINT_MAX_LENGTH = PushSubscription._meta.get_field("endpoint").max_length
P256DH_BYTES = 65  # an uncompressed P-256 point: 0x04, x, y
AUTH_BYTES = 16
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """URL-safe base64 with or without padding; ``ValueError`` for anything else."""
    if not _BASE64URL.match(text):
        raise ValueError("not URL-safe base64")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except binascii.Error as error:
        raise ValueError("not URL-safe base64") from error


def from_milliseconds(value: int) -> datetime | None:
    """The browser's ``expirationTime``; None when it is out of any sane range."""
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def generate_keys() -> tuple[str, str]:
    """A new VAPID pair: (public key as the browser wants it, private key as the raw scalar)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64url(public), b64url(private)


@functools.cache
def _vapid(private_key: str) -> Vapid02:
    return Vapid02.from_raw(private_key.encode("ascii"))


# --- what a subscription must look like ---------------------------------------------------------


def _internal_host(host: str) -> tuple[bool, bool]:
    """(internal, loopback) for a host name or address literal: the server must not be made to
    post to its own network (a crafted "endpoint" would turn push into a request forger)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True, True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host, False  # a bare name resolves inside the network
    internal = not address.is_global or address.is_multicast
    return internal, address.is_loopback


def endpoint_problem(endpoint: str) -> str | None:
    """Why an endpoint cannot be a push service's address, or None. https only; plain http to a
    loopback address only where ``PUSH_ALLOW_LOOPBACK_HTTP`` is on (development, the tests)."""
    limit = ENDPOINT_MAX_LENGTH or 0
    if len(endpoint) > limit:
        return _("The address is too long (at most %(max)d characters).") % {"max": limit}
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        host = ""
    if not host or parts.username or parts.password or parts.scheme not in ("https", "http"):
        return _("This is not the address of a push service.")
    internal, loopback = _internal_host(host)
    if loopback and settings.PUSH_ALLOW_LOOPBACK_HTTP:
        return None
    if parts.scheme != "https":
        return _("The push service address must start with https://.")
    if internal:
        return _("This is not the address of a push service.")
    return None


def key_problem(value: str, *, size: int, point: bool = False) -> str | None:
    """A device key must decode to ``size`` bytes (and, for ``p256dh``, be a P-256 point)."""
    try:
        raw = b64url_decode(value)
        if len(raw) != size:
            raise ValueError(len(raw))
        if point:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return _("Not a valid key: expected %(size)d bytes in URL-safe base64.") % {"size": size}
    return None


# --- the message and its sending ----------------------------------------------------------------

TITLE = gettext_lazy("Time for your training")


def payload(delivery: Delivery) -> str:
    """The JSON the service worker shows (templates/pwa/sw.js): nothing about health."""
    patient = delivery.patient
    path, body = PAGES[ReminderKind(delivery.kind)]
    with translation.override(patient.language):
        return json.dumps(
            {
                "title": str(TITLE),
                "body": str(body),
                "url": settings.SITE_URL + path,
                "tag": f"mtt-{delivery.kind}",
                "lang": patient.language,
            },
            ensure_ascii=False,
        )


class Outcome(StrEnum):
    SENT = "sent"
    GONE = "gone"  # 404/410: the browser dropped the subscription; it is deleted


class PushFailed(Exception):
    """The push service refused or could not be reached: retried like a failed e-mail."""

    def __init__(self, status: int | None):
        super().__init__(status)
        self.status = status

    def __str__(self) -> str:
        return f"push service answered {self.status}" if self.status else "push service unreachable"


def send(subscription: PushSubscription, data: str) -> Outcome:
    """One encrypted, signed POST to the device's push service. Raises ``PushFailed``."""
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=_vapid(settings.VAPID_PRIVATE_KEY),
            vapid_claims={"sub": settings.VAPID_SUBJECT},  # a new dict: webpush adds aud, exp
            content_encoding="aes128gcm",
            ttl=settings.PUSH_TTL_SECONDS,
            timeout=settings.PUSH_TIMEOUT_SECONDS,
            headers={"Urgency": "normal"},
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            return Outcome.GONE
        raise PushFailed(status) from None  # the message names the endpoint: not logged
    except OSError as error:  # requests' connection errors and timeouts
        raise PushFailed(None) from error
    return Outcome.SENT
