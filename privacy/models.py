"""Consent history: every time a patient (or the practice at intake) gives or withdraws consent
to the processing of their health data, with the version of the text it was given for.

The patient profile keeps the current state (``Patient.consent_at`` / ``consent_version``) for
cheap checks on every request; this table is the evidence of who agreed to what, and when
(GDPR Art. 7(1): the controller must be able to demonstrate consent).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentAction(models.TextChoices):
    GIVEN = "given", _("given")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ConsentSource(models.TextChoices):
    INTAKE = "intake", _("intake at the practice")
    PORTAL = "portal", _("patient portal")
    API = "api", _("API client")
    MIGRATION = "migration", _("taken over from the profile")


class ConsentRecord(models.Model):
    patient = models.ForeignKey(
        "patients.Patient",
        models.CASCADE,
        related_name="consent_records",
        verbose_name=_("patient"),
    )
    action = models.CharField(_("action"), max_length=10, choices=ConsentAction.choices)
    version = models.CharField(_("consent version"), max_length=20)
    source = models.CharField(_("where"), max_length=10, choices=ConsentSource.choices)
    recorded_at = models.DateTimeField(_("when"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["patient", "-recorded_at"], name="consent_patient_time")]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self):
        return f"{self.get_action_display()} {self.version}"
