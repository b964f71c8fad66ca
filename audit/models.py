"""The audit log: who read or changed which patient's data, what, when and from where.

A row names the patient by primary key only and the changed fields by name only, never their
values, so it holds no personal data: after a patient is erased or anonymised the rows still
say who looked at record #id, and nothing about the person. Rows are only ever added; the
database refuses UPDATE and DELETE (migration ``0002_append_only``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("view")
    LIST = "list", _("list")
    ADD = "add", _("add")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,  # the trail outlives nobody's login: deactivate staff, don't delete them
        related_name="+",
        verbose_name=_("user"),
        editable=False,
    )
    # The patient's primary key, not a foreign key: the row must outlive the patient's erasure.
    patient_id = models.PositiveBigIntegerField(_("patient id"), editable=False)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(
        _("object type"), max_length=100, help_text=_("app_label.model, e.g. patients.sessionlog")
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    fields = models.JSONField(
        _("changed fields"), default=list, blank=True, help_text=_("Names only, never values.")
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["patient_id", "at"], name="audit_patient_at"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"
