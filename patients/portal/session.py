"""/session/: the guided session, saved as one form post (works without JavaScript), and the
feedback page that follows it."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from patients import rules, selectors, services
from patients.forms import EntryFormSet, SessionForm
from patients.models import AssignmentStatus, SessionLog
from patients.portal import access
from patients.portal.access import patient_required, patient_today
from programs.selectors import attach_display

ENTRY_PREFIX = "entry"


def _steps(plan, formset):
    """Pair each entry form with its prescription item, for the template."""
    items = {entry.item.exercise_id: entry for entry in plan}
    steps = []
    for form in formset.forms:
        raw = form["exercise"].value()
        try:
            planned = items.get(int(raw))
        except (TypeError, ValueError):
            planned = None
        if planned is not None:
            _hint_targets(form, planned.item)
        steps.append({"form": form, "planned": planned})
    return steps


def _hint_targets(form, item) -> None:
    """Show the prescribed range as the placeholder of the matching field."""
    if item.reps_min is not None:
        form.fields["reps"].widget.attrs["placeholder"] = _range(item.reps_min, item.reps_max)
    if item.duration_min_s is not None:
        form.fields["duration_s"].widget.attrs["placeholder"] = _range(
            item.duration_min_s, item.duration_max_s
        )


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _plan(request):
    """The open assignment and today's plan with pictures and variants, or None when no
    session can be done (no programme, or it is paused or stopped)."""
    patient = request.patient
    assignment = selectors.open_assignment(patient)
    if assignment is None or assignment.status != AssignmentStatus.ACTIVE:
        return assignment, None
    plan = selectors.today_plan(
        patient=patient, assignment=assignment, today=patient_today(patient)
    )
    # Start/end pictures and "How to do it" (media, variants' names) in two queries.
    attach_display(entry.item.exercise for entry in plan)
    selectors.attach_variant_options(entry.item for entry in plan)
    return assignment, plan


def session_page(request):
    """The page as a GET shows it: template and context (the portal's view, and the
    therapist's read-only preview in ``patients.admin.preview``)."""
    assignment, plan = _plan(request)
    if plan is None:
        return "portal/session_unavailable.html", {"assignment": assignment}
    show_all = request.GET.get("all") == "1"
    chosen = [entry for entry in plan if entry.due] if not show_all else plan
    exercise_ids = [entry.item.exercise_id for entry in plan]
    initial = [{"exercise": entry.item.exercise_id} for entry in chosen]
    formset = EntryFormSet(prefix=ENTRY_PREFIX, exercise_ids=exercise_ids, initial=initial)
    return "portal/session.html", _context(
        request,
        assignment=assignment,
        plan=plan,
        form=SessionForm(),
        formset=formset,
        show_all=show_all,
        nothing_due=not chosen and not show_all,
    )


@patient_required
@require_http_methods(["GET", "POST"])
def session(request):
    if request.method != "POST":
        template, context = session_page(request)
        return render(request, template, context)
    patient = request.patient
    assignment, plan = _plan(request)
    if plan is None:
        return render(request, "portal/session_unavailable.html", {"assignment": assignment})
    show_all = request.GET.get("all") == "1"
    chosen = [entry for entry in plan if entry.due] if not show_all else plan
    exercise_ids = [entry.item.exercise_id for entry in plan]
    initial = [{"exercise": entry.item.exercise_id} for entry in chosen]
    form = SessionForm(request.POST)
    formset = EntryFormSet(request.POST, prefix=ENTRY_PREFIX, exercise_ids=exercise_ids)
    if "stop" in request.POST or form.said_yes():
        # A yes ends the session at the safety questions: only step 1 is checked and saved.
        saved = _stop(form, patient)
        if saved is not None:
            return redirect("portal:session_feedback", pk=saved.pk)
        # The exercise steps do not matter for a stopped session: shown afresh, no errors.
        formset = EntryFormSet(prefix=ENTRY_PREFIX, exercise_ids=exercise_ids, initial=initial)
    elif form.is_valid() and formset.is_valid():
        saved = _save(form, formset, patient)
        if saved is not None:
            return redirect("portal:session_feedback", pk=saved.pk)
    context = _context(
        request,
        assignment=assignment,
        plan=plan,
        form=form,
        formset=formset,
        show_all=show_all,
        nothing_due=False,
    )
    return render(request, "portal/session.html", context, status=400)


def _context(request, *, assignment, plan, form, formset, show_all, nothing_due) -> dict:
    safety = access.safety_state(request)
    return {
        "assignment": assignment,
        "form": form,
        "formset": formset,
        "steps": _steps(plan, formset),
        "nothing_due": nothing_due,
        "show_all": show_all,
        "patient": request.patient,
        "high_pain_today": safety is not None and safety.high_pain_today,
        "too_high_advice": rules.Advice.STOP_TODAY.message,
        "above_limit_advice": [
            rules.Advice.REDUCE_RANGE_OR_LOAD.message,
            rules.Advice.STAY_BELOW_LIMIT.message,
        ],
        "acceptable_max": rules.ACCEPTABLE_PAIN_MAX,
        # Shown at once by static/js/portal-session.js when a yes is saved without a
        # connection: the advice of each warning sign, and the practice to call.
        "offline_red_flag_advice": _offline_red_flag_advice(),
        "contact": access.practice_contact(),
    }


def _offline_red_flag_advice() -> list[tuple[rules.Advice, str]]:
    """Each piece of advice for a warning sign with the safety questions that call for it."""
    signs = services.SESSION_RED_FLAGS
    questions = {name: rules.red_flag_advice([sign]) for name, sign in signs.items()}
    return [
        (advice, " ".join(name for name, said in questions.items() if advice in said))
        for advice in rules.red_flag_advice(signs.values())
    ]


def _stop(form: SessionForm, patient) -> SessionLog | None:
    """Save a session stopped at the safety questions: the answers, the pain before and notes,
    no exercises and no "after" values (``services.session_log_create``)."""
    if not form.is_valid_for_stop():
        return None
    data = form.cleaned_data
    if not any(data[name] for name in SessionForm.RED_FLAG_FIELDS):
        form.add_error(
            None,
            _(
                "You answered no to every safety question, so there is nothing to stop: go on "
                "with your exercises and save the session at the end."
            ),
        )
        return None
    payload = {
        "pain_before": data["pain_before"],
        # Notes stand on the last step: a note too long for it never holds up a warning sign.
        "notes": data.get("notes", ""),
        **{name: data[name] for name in SessionForm.RED_FLAG_FIELDS},
    }
    return _create(form, patient, payload, data["idempotency_key"])


def _save(form: SessionForm, formset, patient) -> SessionLog | None:
    """Hand the session to the service; its errors land on the form. ``None``: not saved."""
    data = form.cleaned_data
    payload = {
        "pain_before": data["pain_before"],
        "pain_after": data["pain_after"],
        "rpe": data["rpe"],
        "notes": data["notes"],
        **{name: data[name] for name in SessionForm.RED_FLAG_FIELDS},
        "entries": [entry_form.entry() for entry_form in formset.forms],
    }
    return _create(
        form, patient, payload, data["idempotency_key"], performed_at=data.get("performed_at")
    )


def _create(
    form: SessionForm, patient, payload: dict, key: str, performed_at=None
) -> SessionLog | None:
    """``performed_at``: when a session saved offline was done. A stop always counts from now:
    a warning sign is about today, and no date may keep it from being saved."""
    try:
        session, _created = services.session_log_create(
            patient=patient,
            performed_at=performed_at or timezone.now(),
            idempotency_key=f"portal:{key}",
            fingerprint=services.request_fingerprint(payload),
            **payload,
        )
    except services.IdempotencyConflict:
        form.add_error(
            None,
            _("This form was already sent with other values. Open the session page again."),
        )
        return None
    except ValidationError as error:
        form.add_error(None, _messages(error))
        return None
    return session


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return error.messages


@patient_required
@require_safe
def session_feedback(request, pk: int):
    session = get_object_or_404(
        SessionLog.objects.select_related("phase").prefetch_related("entries__exercise"),
        pk=pk,
        patient=request.patient,
    )
    known = set(rules.FlagReason)
    reasons = [rules.FlagReason(code) for code in session.flag_reasons if code in known]
    signs = [sign for name, sign in services.SESSION_RED_FLAGS.items() if getattr(session, name)]
    advice = rules.session_advice(reasons, red_flags=signs)
    context = {
        "session": session,
        "reasons": reasons,
        "advice": advice,
        "stopped": bool(signs),
        # The page shows the urgent advice itself; the banner would repeat it.
        "urgent_shown": bool(signs),
        "contact": access.practice_contact(),
        "pain_limit": request.patient.pain_limit,
    }
    return render(request, "portal/session_feedback.html", context)
