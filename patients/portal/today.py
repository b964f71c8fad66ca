"""/today/: the phase, what is due with its dose in plain words, habits, the next-day check and
questionnaires that are due."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from patients import rules, selectors, services
from patients.forms import NextDayCheckForm
from patients.hooks import hook
from patients.models import AssignmentStatus, PrescriptionItem, SessionLog
from patients.portal import access, fragments
from patients.portal.access import patient_required, patient_today
from programs.catalogue import ExerciseView, catalogue


@dataclass(frozen=True)
class Card:
    """A planned exercise with what its card shows from the catalogue snapshot."""

    entry: selectors.PlannedExercise
    exercise: ExerciseView
    how_to: fragments.HowTo

    @property
    def item(self):
        return self.entry.item

    @property
    def due(self) -> bool:
        return self.entry.due

    @property
    def done_today(self) -> bool:
        return self.entry.done_today

    @property
    def next_due(self):
        return self.entry.next_due


def today_context(request, *, next_day_form=None) -> dict:
    patient = request.patient
    today = patient_today(patient)
    day = access.day_state(request)
    safety = day.safety
    assignment, items = selectors.open_assignment_and_items(patient)
    plan = (
        selectors.today_plan(patient=patient, assignment=assignment, today=today, items=items)
        if assignment
        else []
    )
    # Thumbnails, names and "How to do it" from the catalogue snapshot: no query once rendered.
    texts = catalogue(revision=day.catalogue_revision)
    how_to = fragments.how_to(texts, [entry.item.exercise_id for entry in plan])
    # The variant switch is this patient's own, outside the cached fragment (no query either).
    selectors.attach_variant_options((entry.item for entry in plan), texts=texts)
    cards = [
        Card(
            entry=entry,
            exercise=texts.exercises[entry.item.exercise_id],
            how_to=how_to[entry.item.exercise_id],
        )
        for entry in plan
    ]
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
        "due": [card for card in cards if card.due],
        "done_today": [card for card in cards if card.done_today],
        "later": [card for card in cards if not card.due and not card.done_today],
        "habits": []
        if assignment is None
        else [
            selectors.HabitDay(habit=habit, count=day.habit_ticks.get(habit.id, 0))
            for habit in texts.habits_of(assignment.program_id)
        ],
        "pending_check": pending,
        "next_day_form": next_day_form,
        "questionnaires_due": hook("questionnaires_due")(
            patient, today=today, assignment=assignment
        ),
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
