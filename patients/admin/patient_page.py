"""The therapist's patient page: the overview from ``patients.selectors`` (phase, prescription,
readiness, flags, charts) and small POST forms whose input goes to ``patients.services``:
screening, red-flag clearance, assignment, phase and status changes. Each URL looks the patient
up through the admin's scoped queryset, so another therapist's patient answers 404."""

import math

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from audit.models import AuditAction
from audit.services import audit_record
from patients import programme_pdf, rules, selectors, services
from patients.admin import actions, clinical, safety
from patients.admin.builder import PrescriptionBuilderMixin
from patients.admin.forms import AssignProgramForm, ClearanceForm, ReasonForm, ScreeningForm
from patients.hooks import hook
from patients.models import (
    Assignment,
    AssignmentStatus,
    Patient,
    ScreeningPrompt,
    flag_label,
)

# Symptom reports shown on the patient page, newest first; the full list is in their admin.
SYMPTOM_REPORTS_SHOWN = 10
# Open alerts shown on the patient page, red flags first; the rest are in the alert list.
OPEN_ALERTS_SHOWN = 20


class PatientPageMixin(PrescriptionBuilderMixin):
    """For the Patient ModelAdmin: the change view's extra context and its POST endpoints (the
    programme builder's in ``PrescriptionBuilderMixin``)."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            shown = obj
            if request.method == "POST":
                # A refused change form: ``obj`` carries the refused input (say, an unknown
                # time zone); the page describes the patient as stored.
                shown = Patient.objects.select_related("user", "therapist").get(pk=obj.pk)
            context.update(self.patient_page_context(request, shown))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def patient_page_context(self, request, patient) -> dict:
        today = rules.local_day(timezone.now(), patient.time_zone)
        overview = selectors.patient_overview(patient=patient, today=today)
        assignment = overview["assignment"]
        chart = overview["chart"]
        return {
            "overview": overview,
            "can_change_patient": self.has_change_permission(request, patient),
            "chart_data": {
                "days": chart.get("days", []),
                "pain_before": chart.get("pain_before", []),
                "pain_after": chart.get("pain_after", []),
                "pain_limit": patient.pain_limit,
                "weekly_adherence": chart.get("weekly_adherence", []),
                "questionnaire_scores": chart.get("questionnaire_scores", []),
                "labels": {
                    "pain_before": _("Pain before the session"),
                    "pain_after": _("Pain after the session"),
                    "pain_limit": _("Pain limit"),
                    "adherence": _("Adherence (%)"),
                    "no_data": _("No data yet."),
                },
            },
            "adherence_percent": (
                math.floor(overview["adherence_14d"] * 100)
                if overview.get("adherence_14d") is not None
                else None
            ),
            "flagged_sessions": [
                (session, [flag_label(code) for code in session.flag_reasons])
                for session in overview.get("flagged_sessions", [])
            ],
            "red_flag_origins": safety.red_flag_origins(overview.get("open_red_flags", [])),
            "stopped": assignment is not None and assignment.status == AssignmentStatus.STOPPED,
            **self._screening_context(patient, today),
            "open_alerts": [
                (alert, clinical.alert_details(alert))
                for alert in patient.alerts.filter(acknowledged_at__isnull=True)
                .select_related("session", "symptom_report")
                .order_by(clinical.RED_FLAG_FIRST, "-created_at", "-id")[:OPEN_ALERTS_SHOWN]
            ],
            "symptom_reports": [
                (report, [flag_label(code) for code in report.flag_reasons])
                for report in patient.symptom_reports.all()[:SYMPTOM_REPORTS_SHOWN]
            ],
            **self.builder_context(request, patient, overview),
            # Questionnaires sent on demand (questionnaires app, through PATIENT_HOOKS).
            "questionnaire_requests": hook("questionnaire_requests")(patient=patient),
            "assign_form": AssignProgramForm(auto_id="id_assign_%s", user=request.user),
            "advance_form": ReasonForm(auto_id="id_advance_%s"),
            "regress_form": ReasonForm(auto_id="id_regress_%s"),
        }

    def _screening_context(self, patient, today) -> dict:
        """The screening form with the prompts the patient record raises ticked and marked,
        and the last screening (a programme starts only after a recent one)."""
        suggested = safety.suggested_prompts(patient, today)
        last = patient.screenings.select_related("screened_by").first()
        current = last is not None and rules.screening_is_current(
            last_screened=rules.local_day(last.screened_at, patient.time_zone),
            today=today,
            valid_days=settings.SCREENING_VALID_DAYS,
        )
        return {
            "screening_form": ScreeningForm(
                auto_id="id_screening_%s", initial={"prompts": suggested}
            ),
            "suggested_prompts": suggested,
            "suggested_prompt_labels": [ScreeningPrompt(code).label for code in suggested],
            "last_screening": last,
            "screening_current": current,
            "screening_valid_days": settings.SCREENING_VALID_DAYS,
        }

    def get_urls(self):
        def view(function, name):
            return path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(require_POST(function)),
                name=f"patients_patient_{name.replace('-', '_')}",
            )

        return [
            view(self.screening_view, "screening"),
            path(
                "<path:object_id>/red-flags/<int:flag_id>/clear/",
                self.admin_site.admin_view(require_POST(self.clear_red_flag_view)),
                name="patients_patient_clear_red_flag",
            ),
            view(self.assign_view, "assign"),
            view(self.advance_view, "advance"),
            view(self.regress_view, "regress"),
            view(self.pause_view, "pause"),
            view(self.resume_view, "resume"),
            path(
                "<path:object_id>/programme.pdf",
                self.admin_site.admin_view(require_safe(self.programme_pdf_view)),
                name="patients_patient_programme_pdf",
            ),
            *super().get_urls(),
        ]

    def programme_pdf_view(self, request, object_id):
        """ "Print programme": the patient's take-home PDF, as the portal serves it, recorded as
        a read of the patient's programme."""
        patient = self.get_object(request, object_id)  # 404 outside the user's patients
        if patient is None or not self.has_view_permission(request, patient):
            raise Http404
        language = programme_pdf.language_for(
            patient, request.GET.get("lang")
        ) or programme_pdf.language_for(patient, None)
        programme = selectors.take_home_programme(patient=patient)
        pdf = programme_pdf.programme_pdf(programme, language=language)
        audit_record(
            user=request.user,
            patient_ids=[patient.pk],
            action=AuditAction.VIEW,
            obj_type=Assignment if programme.assignment is not None else Patient,
            obj_id=(programme.assignment or patient).pk,
            fields=("programme_pdf",),
            request=request,
        )
        return programme_pdf.pdf_response(pdf, language=language)

    def _patient_for_change(self, request, object_id) -> Patient:
        patient = self.get_object(request, object_id)  # 404 outside the user's patients
        if patient is None:  # the scoping mixin raises already; ModelAdmin's answers None
            raise Http404
        if not self.has_change_permission(request, patient):
            raise PermissionDenied
        return patient

    def _back(self, patient):
        return HttpResponseRedirect(reverse("admin:patients_patient_change", args=[patient.pk]))

    def _form_error(self, request, form):
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                self.message_user(request, f"{label}: {error}" if label else error, messages.ERROR)

    def _call(self, request, service, success, **kwargs):
        """The service's result, or None when it refused (the refusal is shown)."""
        try:
            result = service(**kwargs)
        except ValidationError as error:
            self.message_user(request, actions.error_text(error), messages.ERROR)
            return None
        self.message_user(request, success, messages.SUCCESS)
        return result

    def _audit(self, request, patient, action, obj, fields=()) -> None:
        audit_record(
            user=request.user,
            patient_ids=[patient.pk],
            action=action,
            obj_type=obj,
            obj_id=obj.pk,
            fields=fields,
            request=request,
        )

    def screening_view(self, request, object_id):
        patient = self._patient_for_change(request, object_id)
        form = ScreeningForm(request.POST)
        if not form.is_valid():
            self._form_error(request, form)
            return self._back(patient)
        signs = form.cleaned_data["signs"]
        running = self._open_status(patient) in (AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED)
        if screening := self._call(
            request,
            services.screening_record,
            ngettext(
                "Screening recorded with %(count)d red flag.",
                "Screening recorded with %(count)d red flags.",
                len(signs),
            )
            % {"count": len(signs)},
            patient=patient,
            screened_by=request.user,
            signs=signs,
            prompts=form.cleaned_data["prompts"],
            notes=form.cleaned_data["notes"],
        ):
            self.log_change(request, patient, _("Recorded a screening."))
            self._audit(request, patient, AuditAction.ADD, screening)
            if running and self._open_status(patient) == AssignmentStatus.STOPPED:
                self.message_user(
                    request,
                    _(
                        "The programme is stopped until you record a medical clearance for "
                        "each red flag."
                    ),
                    messages.WARNING,
                )
        return self._back(patient)

    def _open_status(self, patient) -> str | None:
        return (
            Assignment.objects.filter(patient=patient, status__in=actions.OPEN_STATUSES)
            .values_list("status", flat=True)
            .first()
        )

    def clear_red_flag_view(self, request, object_id, flag_id):
        patient = self._patient_for_change(request, object_id)
        red_flag = get_object_or_404(patient.red_flags, pk=flag_id)
        form = ClearanceForm(request.POST)
        if not form.is_valid():
            self._form_error(request, form)
            return self._back(patient)
        stopped = Assignment.objects.filter(
            patient=patient, status=AssignmentStatus.STOPPED
        ).first()
        if cleared := self._call(
            request,
            services.red_flag_clear,
            _("Red flag “%(sign)s” cleared.") % {"sign": red_flag},
            red_flag=red_flag,
            cleared_by=request.user,
            note=form.cleaned_data["note"],
        ):
            self.log_change(
                request, patient, _("Cleared red flag “%(sign)s”.") % {"sign": red_flag}
            )
            self._audit(
                request,
                patient,
                AuditAction.CHANGE,
                cleared,
                fields=("cleared_at", "cleared_by", "clearance_note"),
            )
            if stopped is not None and self._open_status(patient) == AssignmentStatus.ACTIVE:
                # The last open red flag: the service resumed the programme.
                self.message_user(
                    request,
                    _("No red flag is open any more: the programme is active again."),
                    messages.SUCCESS,
                )
                self.log_change(request, patient, _("Resumed the programme after clearance."))
                self._audit(request, patient, AuditAction.CHANGE, stopped, fields=("status",))
        return self._back(patient)

    def assign_view(self, request, object_id):
        patient = self._patient_for_change(request, object_id)
        form = AssignProgramForm(request.POST, user=request.user)
        if not form.is_valid():
            self._form_error(request, form)
            return self._back(patient)
        program = form.cleaned_data["program"]
        start_phase = form.cleaned_data["start_phase"]
        if assignment := self._call(
            request,
            services.assignment_create,
            _("Programme “%(program)s” assigned, starting in phase %(phase)s.")
            % {"program": program, "phase": start_phase},
            patient=patient,
            program=program,
            created_by=request.user,
            start_phase=start_phase,
            reason=form.cleaned_data["reason"],
        ):
            self.log_change(
                request,
                patient,
                _("Assigned programme “%(program)s”, starting in phase %(phase)s.")
                % {"program": program, "phase": start_phase},
            )
            self._audit(request, patient, AuditAction.ADD, assignment)
        return self._back(patient)

    def _single_assignment(self, request, patient):
        assignment = actions.open_assignments(Patient.objects.filter(pk=patient.pk)).first()
        if assignment is None:
            self.message_user(request, _("The patient has no open programme."), messages.ERROR)
        return assignment

    def _phase_view(self, request, object_id, direction):
        patient = self._patient_for_change(request, object_id)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            self._form_error(request, form)
            return self._back(patient)
        assignment = self._single_assignment(request, patient)
        if assignment is not None and actions.move_phase(
            self, request, [assignment], direction=direction, reason=form.cleaned_data["reason"]
        ):
            self.message_user(request, _("Phase changed."), messages.SUCCESS)
        return self._back(patient)

    def advance_view(self, request, object_id):
        return self._phase_view(request, object_id, "advance")

    def regress_view(self, request, object_id):
        return self._phase_view(request, object_id, "regress")

    def _status_view(self, request, object_id, move):
        patient = self._patient_for_change(request, object_id)
        assignment = self._single_assignment(request, patient)
        if assignment is not None and actions.change_status(self, request, [assignment], move=move):
            self.message_user(request, _("Programme status changed."), messages.SUCCESS)
        return self._back(patient)

    def pause_view(self, request, object_id):
        return self._status_view(request, object_id, "pause")

    def resume_view(self, request, object_id):
        return self._status_view(request, object_id, "resume")
