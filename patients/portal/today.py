"""/today/: the phase, what is due with its dose in plain words, habits, the next-day check and
questionnaires that are due."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from patients import rules, selectors, services
from patients.forms import NextDayCheckForm
from patients.models import AssignmentStatus, PrescriptionItem, SessionLog
from patients.portal import access, questionnaires
from patients.portal.access import patient_required, patient_today
from programs.selectors import attach_display


def today_context(request, *, next_day_form=None) -> dict:
    patient = request.patient
    today = patient_today(patient)
    safety = access.safety_state(request)
    assignment, items = selectors.open_assignment_and_items(patient)
    plan = (
        selectors.today_plan(patient=patient, assignment=assignment, today=today, items=items)
        if assignment
        else []
    )
    # Thumbnails and "How to do it" (media, variants' names) for all exercises in two queries.
    attach_display(entry.item.exercise for entry in plan)
    selectors.attach_variant_options(entry.item for entry in plan)
    pending = selectors.next_day_check_pending(patient=patient, today=today)
    if pending is not None and next_day_form is None:
        next_day_form = NextDayCheckForm(initial={"session": pending.pk})
    return {
        "today": today,
        "assignment": assignment,
        "paused": assignment is not None and assignment.status == AssignmentStatus.PAUSED,
        "stopped": assignment is not None and assignment.status == AssignmentStatus.STOPPED,
        # After pain above 5 today (a session, a report or the next-day check): no training.
        "not_today": safety.high_pain_today and not safety.stopped,
        "not_today_advice": rules.Advice.STOP_TODAY.message,
        "due": [entry for entry in plan if entry.due],
        "done_today": [entry for entry in plan if entry.done_today],
        "later": [entry for entry in plan if not entry.due and not entry.done_today],
        "habits": selectors.habit_days(patient=patient, assignment=assignment, day=today),
        "pending_check": pending,
        "next_day_form": next_day_form,
        "questionnaires_due": questionnaires.due_for(patient, today=today, assignment=assignment),
    }


@patient_required
@require_safe
def today(request):
    return render(request, "portal/today.html", today_context(request))


@patient_required
@require_POST
def next_day_check(request):
    patient = request.patient
    form = NextDayCheckForm(request.POST)
    if form.is_valid():
        session = get_object_or_404(SessionLog, pk=form.cleaned_data["session"], patient=patient)
        try:
            check = services.next_day_check_record(
                session=session, pain=form.cleaned_data["pain"], notes=form.cleaned_data["notes"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            if check.flagged:
                reasons = rules.next_day_flag_reasons(
                    pain_before_session=session.pain_before, pain_next_day=check.pain
                )
                texts = [
                    *(reason.message for reason in reasons),
                    *(advice.message for advice in rules.session_advice(reasons)),
                    _("Your therapist has been told."),
                ]
                messages.warning(request, " ".join(str(text) for text in texts))
            else:
                messages.success(request, _("Thank you, your answer is saved."))
            return redirect("portal:today")
    context = today_context(request, next_day_form=form)
    return render(request, "portal/today.html", context, status=400)


@patient_required
@require_POST
def switch_variant(request, pk: int):
    """Swap one exercise for the variant the therapist allows, or back (docs/product.md,
    "Variants"); only the patient's own active prescription (404 for anything else)."""
    item = get_object_or_404(
        PrescriptionItem, pk=pk, assignment__patient=request.patient, removed_at__isnull=True
    )
    try:
        item = services.prescription_item_switch_variant(
            item=item, to=request.POST.get("to", ""), switched_by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Done: you now do “%(name)s”. Your therapist can see the change.")
            % {"name": item.exercise.name},
        )
    return redirect("portal:today")
