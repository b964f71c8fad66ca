"""Delivery records: one row per message, written *before* it is sent.

The row is the at-most-once guarantee. It is unique per patient, day and kind (per therapist and
week for the digest), so a second beat process, a retried task or a redelivered message finds the
row already there; a sender must move it from ``pending`` to ``sending`` with a conditional
UPDATE before it may send, so only one sender ever does. Failures stay on the row for the admin.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from patients.models import Alert, Patient


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("not sent")
    # A worker died between claiming and recording the outcome: the mail server may have
    # accepted the message. Never sent again (at most once); see docs/operations.md.
    UNKNOWN = "unknown", _("outcome unknown (interrupted while sending)")


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class ReminderKind(models.TextChoices):
    SESSION = "session", _("session reminder")
    EVENING = "evening", _("evening nudge")
    NEXT_DAY = "next_day", _("next-day check")
    QUESTIONNAIRE = "questionnaire", _("questionnaire due")
    HABITS = "habits", _("daily habits")
    RED_FLAG = "red_flag", _("red flag (to the therapist)")
    ALERT = "alert", _("same-day alert (to the therapist)")
    ESCALATION = "escalation", _("unacknowledged red flag (to the practice admin)")


# Urgent messages are retried until sent and never expire (docs/operations.md "The urgent
# path"); the every-minute task and the worker start pick them up after a broker outage.
URGENT_KINDS = (ReminderKind.RED_FLAG, ReminderKind.ESCALATION)
# Messages about one alert: one record per alert and kind, not per patient and day.
ALERT_KINDS = (ReminderKind.RED_FLAG, ReminderKind.ALERT, ReminderKind.ESCALATION)


class DeliveryState(models.Model):
    """The send state machine: pending → sending → sent, or failed / skipped; a record found in
    ``sending`` after the worker died becomes ``unknown``."""

    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    # Which run created the row: a run re-reads the rows it owns after an
    # INSERT … ON CONFLICT DO NOTHING, which does not say which rows were new.
    batch = models.UUIDField(_("batch"), editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("state changed"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        abstract = True


class Delivery(DeliveryState):
    """A message about one patient: to the patient, or about an alert to their therapist (or,
    escalated, to the practice admin). Reminders are unique per patient, day and kind; messages
    about an alert per alert and kind, so a second red flag on the same day gets its own."""

    patient = models.ForeignKey(
        Patient, models.CASCADE, related_name="reminder_deliveries", verbose_name=_("patient")
    )
    day = models.DateField(_("day (patient's time zone)"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    alert = models.ForeignKey(
        Alert,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("alert"),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "day", "kind"],
                condition=models.Q(alert__isnull=True),
                name="delivery_once_per_patient_day_kind",
            ),
            models.UniqueConstraint(
                fields=["alert", "kind"],
                condition=models.Q(alert__isnull=False),
                name="delivery_once_per_alert_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["batch"], name="delivery_batch"),
            models.Index(
                fields=["status", "updated_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="delivery_open",
            ),
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self):
        return f"{self.get_kind_display()} {self.day}"


class Digest(DeliveryState):
    """The weekly digest of one therapist."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="reminder_digests",
        verbose_name=_("therapist"),
    )
    week = models.DateField(_("week (Monday)"))

    class Meta:
        ordering = ["-week", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["therapist", "week"], name="digest_once_per_week")
        ]
        indexes = [
            models.Index(fields=["batch"], name="digest_batch"),
            models.Index(
                fields=["status", "updated_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="digest_open",
            ),
        ]
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")

    def __str__(self):
        return f"{self.therapist} {self.week}"


class ReminderRun(models.Model):
    """One selection run. The next run starts its window where this one ended, so runs missed
    while the worker was down are caught up (docs/product.md: late, but once)."""

    started_at = models.DateTimeField(_("started"))
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window until"), db_index=True)
    selected = models.PositiveIntegerField(_("selected"), default=0)
    created = models.PositiveIntegerField(_("new records"), default=0)

    class Meta:
        ordering = ["-window_end"]
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")

    def __str__(self):
        return f"{self.window_start:%Y-%m-%d %H:%M} – {self.window_end:%H:%M}"


class PushSubscription(models.Model):
    """One browser or phone that receives the patient's push reminders: what the browser's
    ``PushSubscription.toJSON()`` gave the portal. The endpoint is personal data (it names the
    device at its push service): exported with the patient's data and erased with them
    (docs/privacy.md, "Push reminders"). An endpoint exists once; registering it again binds it
    to whoever registers it now (a shared phone, a new login)."""

    patient = models.ForeignKey(
        Patient, models.CASCADE, related_name="push_subscriptions", verbose_name=_("patient")
    )
    endpoint = models.CharField(_("endpoint"), max_length=1000, unique=True)
    # The browser's P-256 public key (65-byte point) and its 16-byte secret, URL-safe base64.
    p256dh = models.CharField(_("device key"), max_length=100)
    auth = models.CharField(_("device secret"), max_length=30)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_sent_at = models.DateTimeField(_("last push sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("push device")
        verbose_name_plural = _("push devices")

    def __str__(self):
        return f"{self.get_host()} ({self.created_at:%Y-%m-%d})"

    def get_host(self) -> str:
        """The push service's host: enough to tell the patient's devices apart, no secret."""
        return urlsplit(self.endpoint).hostname or ""
