"""The therapist's "Send questionnaire" form and the cancelling of a request, reached from the
patient page (docs/product.md, "Questionnaires on demand"). Both look the patient up through
``Patient.objects.for_user``: another therapist's patient answers 404. The service
(``questionnaire_request_create``) holds the rules; its refusals are shown on the form and
nothing is written."""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import AuditAction
from audit.services import audit_record
from patients import rules as patient_rules
from patients.models import Patient
from questionnaires import services
from questionnaires.forms import QuestionnaireRequestForm
from questionnaires.models import QuestionnaireRequest

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ModelAdmin = ModelAdmin[Any]  # read as the ModelAdmin it is mixed into
else:
    _ModelAdmin = object


class QuestionnaireRequestAdminMixin(_ModelAdmin):
    """For the Questionnaire ModelAdmin: ``send/<patient>/`` and ``requests/<id>/cancel/``."""

    def get_urls(self):
        return [
            path(
                "send/<int:patient_id>/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.send_view)),
                name="questionnaires_questionnaire_send",
            ),
            path(
                "requests/<int:request_id>/cancel/",
                self.admin_site.admin_view(require_POST(self.cancel_view)),
                name="questionnaires_questionnaire_request_cancel",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _patient(request, patient_id: int) -> Patient:
        patient = (
            Patient.objects.for_user(request.user)
            .select_related("user")
            .filter(pk=patient_id)
            .first()
        )
        if patient is None:
            raise Http404
        # Sending is a change to the patient's care, like the patient page's other forms.
        if not request.user.has_perm("patients.change_patient"):
            raise PermissionDenied
        return patient

    @staticmethod
    def _patient_page(patient_id: int) -> HttpResponseRedirect:
        url = reverse("admin:patients_patient_change", args=[patient_id])
        return HttpResponseRedirect(f"{url}#questionnaire-requests")

    def send_view(self, request, patient_id: int):
        patient = self._patient(request, patient_id)
        today = patient_rules.local_day(timezone.now(), patient.time_zone)
        form = QuestionnaireRequestForm(
            request.POST if request.method == "POST" else None,
            initial={"due_on": today, "remind": False},
        )
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    sent = services.questionnaire_request_create(
                        patient=patient,
                        requested_by=request.user,
                        **form.cleaned_data,
                    )
                except ValidationError as error:
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    audit_record(
                        user=request.user,
                        patient_ids=[patient.pk],
                        action=AuditAction.ADD,
                        obj_type=sent,
                        obj_id=sent.pk,
                        request=request,
                    )
                    self.message_user(
                        request,
                        _("“%(questionnaire)s” sent to %(patient)s, due on %(day)s.")
                        % {
                            "questionnaire": sent.questionnaire,
                            "patient": patient,
                            "day": formats.date_format(sent.due_on, "SHORT_DATE_FORMAT"),
                        },
                        messages.SUCCESS,
                    )
                    return self._patient_page(patient.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Send a questionnaire to %(patient)s") % {"patient": patient},
            "opts": Patient._meta,
            "patient": patient,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/questionnaires/questionnaire/send.html", context, status=status
        )

    def cancel_view(self, request, request_id: int):
        sent = get_object_or_404(
            QuestionnaireRequest.objects.select_related("questionnaire"),
            pk=request_id,
            patient__in=Patient.objects.for_user(request.user),
        )
        self._patient(request, sent.patient_id)
        try:
            services.questionnaire_request_cancel(request=sent)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            audit_record(
                user=request.user,
                patient_ids=[sent.patient_id],
                action=AuditAction.CHANGE,
                obj_type=sent,
                obj_id=sent.pk,
                fields=("cancelled_at",),
                request=request,
            )
            self.message_user(
                request,
                _("The request for “%(questionnaire)s” is cancelled.")
                % {"questionnaire": sent.questionnaire},
                messages.SUCCESS,
            )
        return self._patient_page(sent.patient_id)
