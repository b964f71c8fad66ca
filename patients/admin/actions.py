"""Phase and status changes from the admin: changelist actions and the patient page's buttons
both end here and call ``patients.services``, which decide whether a change is allowed."""

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.models import AuditAction
from audit.services import audit_record
from patients import models, services
from patients.admin.forms import ReasonForm
from patients.models import Assignment

# Stopped programmes are included: the services refuse what a red flag forbids (resuming,
# pausing, advancing) and the admin shows their reason for each patient.
OPEN_STATUSES = list(models.OPEN_STATUSES)

# What each change writes on the assignment (names for the audit log).
PHASE_FIELDS = ("current_phase", "phase_started_on")
STATUS_FIELDS = ("status",)

PHASE_MOVES = {
    "advance": (
        services.assignment_advance,
        gettext_lazy("Advance to the next phase"),
        gettext_lazy("Advanced %(patient)s to %(phase)s: %(reason)s"),
    ),
    "regress": (
        services.assignment_regress,
        gettext_lazy("Go back one phase"),
        gettext_lazy("Moved %(patient)s back to %(phase)s: %(reason)s"),
    ),
}

STATUS_MOVES = {
    "pause": (services.assignment_pause, gettext_lazy("Paused the programme of %(patient)s.")),
    "resume": (services.assignment_resume, gettext_lazy("Resumed the programme of %(patient)s.")),
}


def open_assignments(patients: QuerySet) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(patient__in=patients.values("pk"), status__in=OPEN_STATUSES)
        .select_related("patient__user", "program", "current_phase")
        .order_by("patient__user__last_name", "patient__user__first_name", "pk")
    )


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def apply_to_assignments(
    modeladmin,
    request,
    assignments: Iterable[Assignment],
    change: Callable[[Assignment], Assignment],
    describe: Callable[[Assignment, Assignment], str],
    fields: tuple[str, ...],
) -> int:
    """Run ``change`` on each assignment; report what was done and, per patient, what a service
    refused; record each change (``fields`` changed) in the audit log. Each change is its own
    transaction: one refusal does not undo the others."""
    done = 0
    for assignment in assignments:
        try:
            changed = change(assignment)
        except ValidationError as error:
            modeladmin.message_user(
                request, f"{assignment.patient}: {error_text(error)}", messages.ERROR
            )
            continue
        done += 1
        modeladmin.log_change(request, assignment.patient, describe(assignment, changed))
        audit_record(
            user=request.user,
            patient_ids=[assignment.patient_id],
            action=AuditAction.CHANGE,
            obj_type=Assignment,
            obj_id=assignment.pk,
            fields=fields,
            request=request,
        )
    return done


def move_phase(modeladmin, request, assignments, *, direction: str, reason: str) -> int:
    service, _title, message = PHASE_MOVES[direction]
    return apply_to_assignments(
        modeladmin,
        request,
        assignments,
        lambda assignment: service(assignment=assignment, changed_by=request.user, reason=reason),
        lambda before, after: (
            message % {"patient": before.patient, "phase": after.current_phase, "reason": reason}
        ),
        PHASE_FIELDS,
    )


def change_status(modeladmin, request, assignments, *, move: str) -> int:
    service, message = STATUS_MOVES[move]
    return apply_to_assignments(
        modeladmin,
        request,
        assignments,
        lambda assignment: service(assignment=assignment, changed_by=request.user),
        lambda before, _after: message % {"patient": before.patient},
        STATUS_FIELDS,
    )


def phase_move_action(modeladmin, request, queryset, *, direction: str, assignments):
    """A changelist action that needs a reason: the first POST shows a confirmation page with a
    reason field (like Django's delete confirmation); the second applies the change."""
    _service, title, _message = PHASE_MOVES[direction]
    assignments = list(assignments)
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        done = move_phase(
            modeladmin,
            request,
            assignments,
            direction=direction,
            reason=form.cleaned_data["reason"],
        )
        if done:
            modeladmin.message_user(
                request,
                ngettext(
                    "Changed the phase of %(count)d patient.",
                    "Changed the phase of %(count)d patients.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
        return None
    if not assignments:
        modeladmin.message_user(
            request, _("None of the selected patients has an open programme."), messages.WARNING
        )
        return None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "assignments": assignments,
        "selected": queryset,
        "confirm_field": "apply",
        "form": form,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "direction": direction,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/patients/phase_change_confirmation.html", context)
