"""Assignments and phase changes: starting a programme, moving between its phases, pausing,
resuming and completing it. Every phase change is kept with its reason."""

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients import rules
from patients.models import Assignment, AssignmentStatus, Patient, PhaseChange, PhaseChangeKind
from patients.services.prescription import add_phase_items
from patients.services.safety import ensure_no_open_red_flag, ensure_screened
from programs.models import Phase, Program


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the phase change.")})
    return reason


@transaction.atomic
def assignment_create(
    *,
    patient: Patient,
    program: Program,
    created_by: User,
    start_date: date | None = None,
    start_phase: int | None = None,
    reason: str = "",
) -> Assignment:
    """Start a programme: only after a recent screening and with no open red flag, whatever the
    phase it starts in. It starts in the first phase, or in ``start_phase`` with a reason: the
    exercises of the phases before it are prescribed too, as if the patient had moved up, and
    the history's start reads "first phase → start phase" (docs/product.md, "Starting phase")."""
    ensure_screened(patient)
    ensure_no_open_red_flag(patient)
    phases = list(Phase.objects.filter(program_phases__program=program).order_by("number"))
    if not phases:
        raise ValidationError({"program": _("This programme has no phases.")})
    first_phase = phases[0]
    if start_phase is not None and start_phase != first_phase.number:
        chosen = next((phase for phase in phases if phase.number == start_phase), None)
        if chosen is None:
            raise ValidationError({"start_phase": _("This programme has no such phase.")})
        first_phase = chosen
        if not (reason or "").strip():
            raise ValidationError(
                {"reason": _("Give a reason for starting after the first phase.")}
            )
    start = start_date or rules.local_day(timezone.now(), patient.time_zone)
    assignment = Assignment(
        patient=patient,
        program=program,
        current_phase=first_phase,
        phase_started_on=start,
        start_date=start,
        created_by=created_by,
    )
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as error:
        raise ValidationError(_("The patient already has an open programme.")) from error
    add_phase_items(assignment, [p for p in phases if p.number <= first_phase.number])
    PhaseChange.objects.create(
        assignment=assignment,
        kind=PhaseChangeKind.START,
        from_phase=phases[0] if first_phase != phases[0] else None,
        to_phase=first_phase,
        changed_by=created_by,
        reason=reason.strip() or _("Programme started"),
    )
    return assignment


def _move(*, assignment: Assignment, changed_by: User, reason: str, kind: str) -> Assignment:
    reason = _require_reason(reason)
    assignment = (
        Assignment.objects.select_for_update().select_related("program").get(pk=assignment.pk)
    )
    if assignment.status == AssignmentStatus.COMPLETED:
        raise ValidationError(_("The programme is completed."))
    phases = Phase.objects.filter(program_phases__program=assignment.program)
    current = assignment.current_phase
    if kind == PhaseChangeKind.ADVANCE:
        target = phases.filter(number__gt=current.number).order_by("number").first()
        missing = _("This is the last phase of the programme.")
    else:
        target = phases.filter(number__lt=current.number).order_by("-number").first()
        missing = _("This is the first phase of the programme.")
    if target is None:
        raise ValidationError(missing)
    if kind == PhaseChangeKind.ADVANCE:
        ensure_no_open_red_flag(assignment.patient)
        add_phase_items(assignment, [target])
    else:
        # Nothing harder than the new phase stays due; the items stay in the history.
        assignment.items.filter(removed_at__isnull=True, phase__number__gt=target.number).update(
            removed_at=timezone.now()
        )
    assignment.current_phase = target
    assignment.phase_started_on = rules.local_day(timezone.now(), assignment.patient.time_zone)
    assignment.save(update_fields=["current_phase", "phase_started_on"])
    PhaseChange.objects.create(
        assignment=assignment,
        kind=kind,
        from_phase=current,
        to_phase=target,
        changed_by=changed_by,
        reason=reason,
    )
    return assignment


@transaction.atomic
def assignment_advance(*, assignment: Assignment, changed_by: User, reason: str) -> Assignment:
    """Move to the next phase: the therapist's decision (readiness only advises). Earlier
    exercises stay in the prescription until the therapist removes them."""
    return _move(
        assignment=assignment, changed_by=changed_by, reason=reason, kind=PhaseChangeKind.ADVANCE
    )


@transaction.atomic
def assignment_regress(*, assignment: Assignment, changed_by: User, reason: str) -> Assignment:
    """Back one phase: always allowed. The exercises of the phase left behind leave the
    prescription (they stay in the history); advancing again brings them back."""
    return _move(
        assignment=assignment, changed_by=changed_by, reason=reason, kind=PhaseChangeKind.REGRESS
    )


def _refresh_status(assignment: Assignment) -> None:
    assignment.status = (
        Assignment.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=assignment.pk)
    )


@transaction.atomic
def assignment_pause(*, assignment: Assignment, changed_by: User) -> Assignment:
    # The stored status decides: a red flag may have stopped it since the caller read it.
    _refresh_status(assignment)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ValidationError(_("Only an active programme can be paused."))
    assignment.status = AssignmentStatus.PAUSED
    assignment.save(update_fields=["status"])
    return assignment


@transaction.atomic
def assignment_resume(*, assignment: Assignment, changed_by: User) -> Assignment:
    _refresh_status(assignment)
    if assignment.status == AssignmentStatus.STOPPED:
        raise ValidationError(
            _("A red flag stopped this programme: record the medical clearance to resume it.")
        )
    if assignment.status != AssignmentStatus.PAUSED:
        raise ValidationError(_("Only a paused programme can be resumed."))
    ensure_no_open_red_flag(assignment.patient)
    assignment.status = AssignmentStatus.ACTIVE
    assignment.save(update_fields=["status"])
    return assignment


@transaction.atomic
def assignment_complete(*, assignment: Assignment, changed_by: User) -> Assignment:
    assignment.status = AssignmentStatus.COMPLETED
    assignment.save(update_fields=["status"])
    return assignment
