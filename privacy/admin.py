"""Erase and anonymise from the patient changelist: practice admin (superuser) only.

Both are changelist actions with a confirmation page on which the admin types a word, as a
second look before something that cannot be undone. Each patient is its own transaction.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.admin_mixins import AuditedAdminMixin
from audit.models import AuditAction
from audit.services import audit_record
from patients.admin.patient import PatientAdmin as BasePatientAdmin
from patients.models import Patient
from privacy import services
from privacy.models import ConsentRecord

CONFIRM_WORDS = {"erase": "ERASE", "anonymise": "ANONYMISE"}


class ConfirmForm(forms.Form):
    confirmation = forms.CharField(label=gettext_lazy("Confirmation"), max_length=20)

    def __init__(self, *args, word: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.word = word
        self.fields["confirmation"].help_text = _("Type %(word)s to confirm.") % {"word": word}

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"].strip()
        if value != self.word:
            raise forms.ValidationError(
                _("Type %(word)s exactly to confirm.") % {"word": self.word}
            )
        return value


if TYPE_CHECKING:  # read as the ModelAdmin it is mixed into
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class PrivacyActionsMixin(_ModelAdmin):
    """For ``PatientAdmin``: the ``erase_patients`` and ``anonymise_patients`` actions. Django
    shows an action only to users for whom ``has_<permission>_permission`` is true."""

    def has_erase_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=gettext_lazy("Erase the patients completely"), permissions=["erase"])
    def erase_patients(self, request, queryset):
        return self._privacy_action(request, queryset, kind="erase")

    @admin.action(
        description=gettext_lazy("Anonymise the patients (keep the numbers)"),
        permissions=["erase"],
    )
    def anonymise_patients(self, request, queryset):
        return self._privacy_action(request, queryset, kind="anonymise")

    def _privacy_action(self, request, queryset, *, kind: str):
        if not self.has_erase_permission(request):
            raise PermissionDenied
        patients = list(queryset.select_related("user", "therapist"))
        form = ConfirmForm(
            request.POST if "confirm" in request.POST else None, word=CONFIRM_WORDS[kind]
        )
        if form.is_bound and form.is_valid():
            done = sum(self._apply(request, patient, kind=kind) for patient in patients)
            if done:
                text = (
                    ngettext(
                        "Erased %(count)d patient and everything stored about them.",
                        "Erased %(count)d patients and everything stored about them.",
                        done,
                    )
                    if kind == "erase"
                    else ngettext(
                        "Anonymised %(count)d patient.", "Anonymised %(count)d patients.", done
                    )
                )
                self.message_user(request, text % {"count": done}, messages.SUCCESS)
            return None
        opts = self.model._meta
        title = _("Erase patients completely") if kind == "erase" else _("Anonymise patients")
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": opts,
            "app_label": opts.app_label,
            "patients": patients,
            "selected": patients,
            "confirm_field": "confirm",
            "form": form,
            "kind": kind,
            "word": CONFIRM_WORDS[kind],
            "action": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/privacy/confirm.html", context)

    def _apply(self, request, patient: Patient, *, kind: str) -> int:
        pk = patient.pk
        try:
            if kind == "erase":
                services.patient_erase(patient=patient, by=request.user)
            else:
                services.patient_anonymise(patient=patient, by=request.user)
        except ValidationError as error:
            self.message_user(request, f"#{pk}: {' '.join(error.messages)}", messages.ERROR)
            return 0
        # The audit trail and the admin history keep who did it, naming the patient by number
        # only; the patient's own rows are gone (erase) or hold nothing personal (anonymise).
        audit_record(
            user=request.user,
            patient_ids=[pk],
            action=AuditAction.DELETE if kind == "erase" else AuditAction.CHANGE,
            obj_type=Patient,
            obj_id=pk,
            fields=() if kind == "erase" else ("anonymised",),
            request=request,
        )
        LogEntry.objects.create(
            user=request.user,
            content_type=ContentType.objects.get_for_model(Patient),
            object_id=str(pk),
            object_repr=f"#{pk}",
            action_flag=DELETION if kind == "erase" else CHANGE,
            change_message=_("Erased (privacy)") if kind == "erase" else _("Anonymised (privacy)"),
        )
        return 1


# privacy sits above patients: it puts its actions on the patient list itself, so patients
# imports nothing of privacy (docs/architecture.md, "Layers").
admin.site.unregister(Patient)


@admin.register(Patient)
class PatientAdmin(PrivacyActionsMixin, BasePatientAdmin):
    """The patients app's Patient admin with privacy's erase and anonymise actions."""

    actions = [*BasePatientAdmin.actions, "anonymise_patients", "erase_patients"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Consent history, read-only: the evidence of who agreed to which text when. The practice
    admin sees all; therapists see their own patients' records."""

    list_display = ["patient", "action", "version", "source", "recorded_at"]
    list_filter = ["action", "source", "version"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__last_name", "patient__user__username"]
    date_hierarchy = "recorded_at"

    def get_queryset(self, request):
        patients = Patient.objects.for_user(request.user)
        return super().get_queryset(request).filter(patient__in=patients)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
