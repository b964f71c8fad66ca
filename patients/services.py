"""Writes for patients: each service is one transaction and the only way the admin, the portal,
the API and the tasks change this data."""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Subquery
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from patients import rules
from patients.models import (
    OPEN_STATUSES,
    Alert,
    Assignment,
    AssignmentStatus,
    ExerciseEntry,
    FlagKind,
    HabitCheck,
    NextDayCheck,
    Patient,
    PhaseChange,
    PhaseChangeKind,
    PrescriptionItem,
    RedFlag,
    RedFlagSign,
    RedFlagSource,
    Screening,
    ScreeningPrompt,
    SessionLog,
    SymptomReport,
)
from privacy.models import ConsentSource
from privacy.services import consent_give
from programs.models import Dosage, Exercise, Phase, Program, ProgramExercise
from reminders.services import alerts_notify

# The safety questions a patient answers (session, symptom report) and the red flag each records.
SESSION_RED_FLAGS = {
    "red_flag_saddle_numbness": RedFlagSign.CAUDA_SADDLE,
    "red_flag_bladder_bowel": RedFlagSign.CAUDA_BLADDER,
    "red_flag_leg_weakness": RedFlagSign.LEG_WEAKNESS,
}
# A phone's clock may run a little ahead; more than this is a session "in the future".
CLOCK_SKEW = timedelta(minutes=5)
ENTRY_FIELDS = ("sets_done", "reps", "duration_s", "load_kg", "pain", "skipped", "skip_reason")


@transaction.atomic
def patient_create(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    therapist,
    created_by,
    **profile_fields,
) -> Patient:
    """A login without a usable password (the invitation sets one) and its patient profile.
    The practice takes the patient's consent at intake: it is recorded with the version the
    therapist gives, or the current one, so the portal asks again only when the text changes.
    A therapist creates patients of their own; only the practice admin names another
    therapist."""
    _ensure_may_name_therapist(
        by=created_by, therapist=therapist, current_id=getattr(created_by, "pk", None)
    )
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = user_model(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    patient = Patient(user=user, therapist=therapist, **profile_fields)
    patient.full_clean()
    patient.save()
    consent_give(
        patient=patient,
        by=created_by,
        source=ConsentSource.INTAKE,
        version=patient.consent_version or None,
        at=patient.consent_at,
    )
    return patient


@transaction.atomic
def screening_record(
    *,
    patient: Patient,
    screened_by,
    signs: Iterable[str],
    prompts: Iterable[str] = (),
    notes: str = "",
    screened_at: datetime | None = None,
) -> Screening:
    """A red-flag screening (docs/clinical-safety.md). Each sign found becomes an open red flag,
    unless the same sign is open already (saving a screening twice adds nothing), and an open
    red flag stops a running programme. ``prompts`` are the guideline's prompts the screener
    looked into."""
    signs = list(dict.fromkeys(signs))
    prompts = list(dict.fromkeys(prompts))
    errors = {}
    unknown = set(signs) - set(RedFlagSign.values)
    if unknown:
        errors["signs"] = _("Unknown red flag: %s") % ", ".join(sorted(unknown))
    unknown = set(prompts) - set(ScreeningPrompt.values)
    if unknown:
        errors["prompts"] = _("Unknown prompt: %s") % ", ".join(sorted(unknown))
    if errors:
        raise ValidationError(errors)
    screening = Screening(
        patient=patient,
        screened_by=screened_by,
        screened_at=screened_at or timezone.now(),
        prompts=prompts,
        notes=notes,
    )
    screening.full_clean(exclude=["patient", "screened_by"])
    screening.save()
    open_signs = set(
        RedFlag.objects.filter(patient=patient, cleared_at__isnull=True).values_list(
            "sign", flat=True
        )
    )
    new = [sign for sign in signs if sign not in open_signs]
    RedFlag.objects.bulk_create(
        RedFlag(
            patient=patient,
            sign=sign,
            source=RedFlagSource.SCREENING,
            screening=screening,
            recorded_by=screened_by,
        )
        for sign in new
    )
    if new:
        _programme_stop(patient=patient, by=screened_by, signs=new)
    return screening


@transaction.atomic
def red_flag_clear(*, red_flag: RedFlag, cleared_by, note: str) -> RedFlag:
    """Medical clearance: the only way a red flag stops blocking the programme. Clearing the
    last open one resumes a programme the red flags had stopped and acknowledges the red-flag
    alerts (nothing is escalated after the clearance), in the same transaction; the programme's
    history says who resumed it and why."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Record the medical clearance before clearing.")})
    red_flag = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if red_flag.cleared_at is not None:
        raise ValidationError(_("This red flag was already cleared."))
    red_flag.cleared_at = timezone.now()
    red_flag.cleared_by = cleared_by
    red_flag.clearance_note = note
    red_flag.full_clean(exclude=["patient", "screening", "session", "symptom_report"])
    red_flag.save(update_fields=["cleared_at", "cleared_by", "clearance_note"])
    still_open = RedFlag.objects.filter(patient_id=red_flag.patient_id, cleared_at__isnull=True)
    if not still_open.exists():
        # The therapist has acted on the warning signs: their alerts stop escalating.
        Alert.objects.filter(
            patient_id=red_flag.patient_id, kind=FlagKind.RED_FLAG, acknowledged_at__isnull=True
        ).update(acknowledged_at=red_flag.cleared_at, acknowledged_by=cleared_by)
        stopped = (
            Assignment.objects.select_for_update()
            .filter(patient_id=red_flag.patient_id, status=AssignmentStatus.STOPPED)
            .first()
        )
        if stopped is not None:
            stopped.status = AssignmentStatus.ACTIVE
            stopped.save(update_fields=["status"])
            PhaseChange.objects.create(
                assignment=stopped,
                kind=PhaseChangeKind.RESUME,
                from_phase=stopped.current_phase,
                to_phase=stopped.current_phase,
                changed_by=cleared_by,
                reason=note,
            )
    return red_flag


def _programme_stop(*, patient: Patient, by, signs: Sequence[str]) -> Assignment | None:
    """A red flag stops the open programme at once: nothing is due, no training reminder goes
    out, until a therapist records clearance (``red_flag_clear``)."""
    assignment = (
        Assignment.objects.select_for_update()
        .filter(patient=patient, status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED])
        .first()
    )
    if assignment is None:
        return None
    assignment.status = AssignmentStatus.STOPPED
    assignment.save(update_fields=["status"])
    labels = ", ".join(str(RedFlagSign(sign).label) for sign in signs)
    PhaseChange.objects.create(
        assignment=assignment,
        kind=PhaseChangeKind.STOP,
        from_phase_id=assignment.current_phase_id,
        to_phase_id=assignment.current_phase_id,
        changed_by=by,
        reason=_("Red flag: %(signs)s") % {"signs": labels},
    )
    return assignment


def _ensure_screened(patient: Patient) -> None:
    """No programme without a recent screening (docs/clinical-safety.md)."""
    last = patient.screenings.order_by("-screened_at").values_list("screened_at", flat=True)[:1]
    last = next(iter(last), None)
    today = rules.local_day(timezone.now(), patient.time_zone)
    current = rules.screening_is_current(
        last_screened=rules.local_day(last, patient.time_zone) if last else None,
        today=today,
        valid_days=settings.SCREENING_VALID_DAYS,
    )
    if not current:
        raise ValidationError(
            _(
                "Screen this patient for red flags first: a programme starts only after a "
                "screening in the last %(days)d days."
            )
            % {"days": settings.SCREENING_VALID_DAYS}
        )


def _ensure_no_open_red_flag(patient: Patient) -> None:
    if patient.red_flags.filter(cleared_at__isnull=True).exists():
        raise ValidationError(
            _(
                "This patient has an unresolved red flag. Record a medical clearance before "
                "activating a programme."
            )
        )


def _add_phase_items(assignment: Assignment, phases: Iterable[Phase]) -> None:
    """Copy the programme's exercises of ``phases`` into the prescription. Exercises already
    prescribed are kept as they are; ones taken out when the patient went back a phase come
    back with the programme's dose, as if prescribed anew."""
    present = {item.exercise_id: item for item in assignment.items.all()}
    new, restored = [], []
    for item in assignment.program.program_exercises.filter(phase__in=list(phases)):
        existing = present.get(item.exercise_id)
        if existing is None:
            new.append(
                PrescriptionItem(
                    assignment=assignment,
                    exercise_id=item.exercise_id,
                    phase_id=item.phase_id,
                    order=item.order,
                    **item.dosage(),
                )
            )
        elif existing.removed_at is not None and existing.phase_id == item.phase_id:
            for field, value in item.dosage().items():
                setattr(existing, field, value)
            existing.removed_at = None
            restored.append(existing)
    PrescriptionItem.objects.bulk_create(new)
    if restored:
        PrescriptionItem.objects.bulk_update(
            restored, ["removed_at", *Dosage.DOSAGE_FIELDS], batch_size=100
        )


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
    created_by,
    start_date: date | None = None,
    start_phase: int | None = None,
    reason: str = "",
) -> Assignment:
    """Start a programme: only after a recent screening and with no open red flag. It starts in
    the first phase, or in ``start_phase`` with a reason (the exercises of the phases before it
    are prescribed too, as if the patient had moved up)."""
    _ensure_screened(patient)
    _ensure_no_open_red_flag(patient)
    phases = list(Phase.objects.filter(program_phases__program=program).order_by("number"))
    if not phases:
        raise ValidationError({"program": _("This programme has no phases.")})
    first_phase = phases[0]
    if start_phase is not None and start_phase != first_phase.number:
        first_phase = next((phase for phase in phases if phase.number == start_phase), None)
        if first_phase is None:
            raise ValidationError({"start_phase": _("This programme has no such phase.")})
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
    _add_phase_items(assignment, [p for p in phases if p.number <= first_phase.number])
    PhaseChange.objects.create(
        assignment=assignment,
        kind=PhaseChangeKind.START,
        to_phase=first_phase,
        changed_by=created_by,
        reason=reason.strip() or _("Programme started"),
    )
    return assignment


def _move(*, assignment: Assignment, changed_by, reason: str, kind: str) -> Assignment:
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
        _ensure_no_open_red_flag(assignment.patient)
        _add_phase_items(assignment, [target])
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
def assignment_advance(*, assignment: Assignment, changed_by, reason: str) -> Assignment:
    """Move to the next phase: the therapist's decision (readiness only advises). Earlier
    exercises stay in the prescription until the therapist removes them."""
    return _move(
        assignment=assignment, changed_by=changed_by, reason=reason, kind=PhaseChangeKind.ADVANCE
    )


@transaction.atomic
def assignment_regress(*, assignment: Assignment, changed_by, reason: str) -> Assignment:
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
def assignment_pause(*, assignment: Assignment, changed_by) -> Assignment:
    # The stored status decides: a red flag may have stopped it since the caller read it.
    _refresh_status(assignment)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ValidationError(_("Only an active programme can be paused."))
    assignment.status = AssignmentStatus.PAUSED
    assignment.save(update_fields=["status"])
    return assignment


@transaction.atomic
def assignment_resume(*, assignment: Assignment, changed_by) -> Assignment:
    _refresh_status(assignment)
    if assignment.status == AssignmentStatus.STOPPED:
        raise ValidationError(
            _("A red flag stopped this programme: record the medical clearance to resume it.")
        )
    if assignment.status != AssignmentStatus.PAUSED:
        raise ValidationError(_("Only a paused programme can be resumed."))
    _ensure_no_open_red_flag(assignment.patient)
    assignment.status = AssignmentStatus.ACTIVE
    assignment.save(update_fields=["status"])
    return assignment


@transaction.atomic
def assignment_complete(*, assignment: Assignment, changed_by) -> Assignment:
    assignment.status = AssignmentStatus.COMPLETED
    assignment.save(update_fields=["status"])
    return assignment


@transaction.atomic
def prescription_item_remove(*, item: PrescriptionItem, removed_by) -> None:
    if item.removed_at is None:
        item.removed_at = timezone.now()
        item.save(update_fields=["removed_at"])


@transaction.atomic
def prescription_item_update(
    *, item: PrescriptionItem, changed_by, dosage: Mapping[str, object]
) -> PrescriptionItem:
    """Override dose and frequency for this patient only."""
    for field, value in dosage.items():
        if field not in Dosage.DOSAGE_FIELDS:
            raise ValidationError({field: _("Not a dosage field.")})
        setattr(item, field, value)
    item.full_clean()
    item.save(update_fields=[*dosage.keys()])
    return item


@transaction.atomic
def alerts_acknowledge(*, alerts: QuerySet[Alert], acknowledged_by) -> int:
    return alerts.filter(acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=acknowledged_by
    )


def request_fingerprint(payload: Mapping) -> str:
    """A stable hash of a request body, to tell a retry from a different request that reuses an
    Idempotency-Key."""
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyConflict(Exception):
    """The key was used before for a different request."""


def _session_context(
    *, patient: Patient, idempotency_key: str | None
) -> tuple[Assignment | None, dict[int, object], int | None]:
    """The active programme, its prescribed exercises by id and, with a key, the id of the
    session stored earlier under that key: one query on the common path (the key's lookup is an
    uncorrelated subquery, run once), so logging costs the same for one or fifty entries."""
    items = PrescriptionItem.objects.filter(
        assignment__patient=patient,
        assignment__status__in=OPEN_STATUSES,
        removed_at__isnull=True,
    ).select_related("assignment__current_phase", "exercise")
    earlier = SessionLog.objects.filter(patient=patient, idempotency_key=idempotency_key)
    if idempotency_key:
        items = items.annotate(earlier_id=Subquery(earlier.values("pk")[:1]))
    items = list(items.order_by())
    if items:
        previous = items[0].earlier_id if idempotency_key else None
        return items[0].assignment, {item.exercise_id: item.exercise for item in items}, previous
    # No open programme, or an empty one: the request fails validation unless it is a retry.
    assignment = (
        Assignment.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .select_related("current_phase")
        .first()
    )
    previous = earlier.values_list("pk", flat=True).first() if idempotency_key else None
    return assignment, {}, previous


def _validate_session(
    *,
    patient: Patient,
    assignment: Assignment | None,
    prescribed,
    performed_at: datetime,
    entries: Sequence,
    stopped: bool,
    pain_after: int | None,
    rpe: int | None,
) -> dict:
    """Everything wrong with a session, reported together. A session stopped at the safety
    questions (``stopped``) is saved without exercises, "after" values or an active programme:
    a warning sign must never be lost to a form rule (docs/clinical-safety.md)."""
    errors: dict[str, list[str]] = {}
    if assignment is None:
        errors.setdefault("non_field_errors", []).append(
            _("There is no programme to log a session for.")
            if not stopped
            else _(
                "There is no programme to log a session for: report your symptoms with a "
                "symptom report instead."
            )
        )
    elif assignment.status != AssignmentStatus.ACTIVE and not stopped:
        errors.setdefault("non_field_errors", []).append(
            _("Your programme is paused or stopped: there is nothing to train now.")
        )
    if timezone.is_naive(performed_at):
        errors.setdefault("performed_at", []).append(_("Give a time with a time zone."))
    elif performed_at > timezone.now() + CLOCK_SKEW:
        errors.setdefault("performed_at", []).append(_("A session cannot be in the future."))
    elif assignment is not None:
        day = rules.local_day(performed_at, patient.time_zone)
        today = rules.local_day(timezone.now(), patient.time_zone)
        if day < assignment.start_date:
            errors.setdefault("performed_at", []).append(
                _("A session cannot be before the programme started (%(day)s).")
                % {"day": formats.date_format(assignment.start_date)}
            )
        elif (today - day).days > settings.SESSION_BACKDATE_DAYS:
            errors.setdefault("performed_at", []).append(
                _("A session can be logged at most %(days)d days back.")
                % {"days": settings.SESSION_BACKDATE_DAYS}
            )
    if not stopped:
        if not entries:
            errors.setdefault("entries", []).append(_("Log at least one exercise."))
        for name, value in (("pain_after", pain_after), ("rpe", rpe)):
            if value is None:
                errors.setdefault(name, []).append(_("This field is required."))
    elif assignment is not None and assignment.status != AssignmentStatus.ACTIVE and entries:
        errors.setdefault("entries", []).append(
            _("Your programme is paused or stopped: log only the warning signs.")
        )
    if assignment is not None:
        seen = set()
        for index, entry in enumerate(entries):
            exercise_id = getattr(entry["exercise"], "pk", entry["exercise"])
            if exercise_id not in prescribed:
                errors.setdefault(f"entries[{index}].exercise", []).append(
                    _("This exercise is not in your prescription.")
                )
            if exercise_id in seen:
                errors.setdefault(f"entries[{index}].exercise", []).append(
                    _("This exercise is logged twice.")
                )
            seen.add(exercise_id)
    return errors


@transaction.atomic
def session_log_create(
    *,
    patient: Patient,
    performed_at: datetime,
    pain_before: int,
    pain_after: int | None = None,
    rpe: int | None = None,
    notes: str = "",
    red_flag_saddle_numbness: bool,
    red_flag_bladder_bowel: bool,
    red_flag_leg_weakness: bool,
    entries: Sequence[Mapping] = (),
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> tuple[SessionLog, bool]:
    """Store a session with its exercise entries, its flags and the therapist's alerts, all or
    nothing. The three safety answers are required: an unanswered question is never a "no". A
    yes stops the session there (entries, pain after and effort may be missing), stops the
    programme and tells the therapist at once (docs/clinical-safety.md).

    Returns ``(session, created)``: a retry with the same Idempotency-Key returns the first
    session; the same key with another body raises ``IdempotencyConflict``. A new session comes
    back with ``entry_list``, its entries with their exercises, so the caller can show it
    without another query."""
    assignment, exercises, previous_id = _session_context(
        patient=patient, idempotency_key=idempotency_key
    )
    if previous_id is not None:
        previous = SessionLog.objects.get(pk=previous_id)
        if previous.request_hash != fingerprint:
            raise IdempotencyConflict
        return previous, False
    red_flags, signs = _safety_answers(
        red_flag_saddle_numbness, red_flag_bladder_bowel, red_flag_leg_weakness
    )
    errors = _validate_session(
        patient=patient,
        assignment=assignment,
        prescribed=exercises,
        performed_at=performed_at,
        entries=entries,
        stopped=bool(signs),
        pain_after=pain_after,
        rpe=rpe,
    )
    if errors:
        raise ValidationError(errors)

    session = SessionLog(
        patient=patient,
        assignment=assignment,
        phase=assignment.current_phase,
        performed_at=performed_at,
        local_date=rules.local_day(performed_at, patient.time_zone),
        pain_before=pain_before,
        pain_after=pain_after,
        rpe=rpe,
        notes=notes,
        idempotency_key=idempotency_key or None,
        request_hash=fingerprint,
        **red_flags,
    )
    rows = [
        ExerciseEntry(
            session=session,
            exercise_id=getattr(entry["exercise"], "pk", entry["exercise"]),
            **{field: entry[field] for field in ENTRY_FIELDS if entry.get(field) is not None},
        )
        for entry in entries
    ]
    _full_clean(session, rows)

    reasons = rules.session_flag_reasons(
        pain_limit=patient.pain_limit,
        pain_before=pain_before,
        pain_after=pain_after,
        exercise_pains=[row.pain for row in rows],
        red_flags=signs,
    )
    session.flagged = bool(reasons)
    session.flag_reasons = [reason.code for reason in reasons]
    if idempotency_key:
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError:
            # A concurrent retry with the same key won the race; answer with its session.
            previous = SessionLog.objects.get(patient=patient, idempotency_key=idempotency_key)
            if previous.request_hash != fingerprint:
                raise IdempotencyConflict from None
            return previous, False
    else:
        session.save()
    ExerciseEntry.objects.bulk_create(rows)
    for row in rows:
        row.exercise = exercises[row.exercise_id]
    session.entry_list = rows
    _raise_alerts(patient=patient, reasons=reasons, signs=signs, session=session)
    return session, True


def _full_clean(session: SessionLog, rows: Sequence[ExerciseEntry]) -> None:
    """Field validation of the session and every entry, reported together, before anything is
    written. Relations were checked above; uniqueness is the database's job."""
    errors: dict[str, list[str]] = {}
    checks = [("", session, ["patient", "assignment", "phase"])]
    checks += [
        (f"entries[{index}].", row, ["session", "exercise"]) for index, row in enumerate(rows)
    ]
    for prefix, instance, exclude in checks:
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(f"{prefix}{field}", []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _safety_answers(
    saddle_numbness: bool, bladder_bowel: bool, leg_weakness: bool
) -> tuple[dict[str, bool], list[str]]:
    """The three safety answers by field name, and the red-flag signs of those answered yes."""
    answers = {
        "red_flag_saddle_numbness": saddle_numbness,
        "red_flag_bladder_bowel": bladder_bowel,
        "red_flag_leg_weakness": leg_weakness,
    }
    return answers, [SESSION_RED_FLAGS[name] for name, said_yes in answers.items() if said_yes]


def _raise_alerts(
    *,
    patient: Patient,
    reasons: Sequence,
    signs: Sequence[str],
    session: SessionLog | None = None,
    report: SymptomReport | None = None,
) -> list[Alert]:
    """The therapist's alerts for a session or a symptom report, the red flags the patient
    reported (which stop the programme), and the e-mails that must go out the same day."""
    alerts = Alert.objects.bulk_create(
        Alert(
            patient=patient,
            session=session,
            symptom_report=report,
            kind=reason.code,
            details=list(signs) if reason is rules.FlagReason.RED_FLAG else [],
        )
        for reason in reasons
    )
    if signs:
        RedFlag.objects.bulk_create(
            RedFlag(
                patient=patient,
                sign=sign,
                source=RedFlagSource.SESSION if session else RedFlagSource.SYMPTOM_REPORT,
                session=session,
                symptom_report=report,
                recorded_by=patient.user,
            )
            for sign in signs
        )
        _programme_stop(patient=patient, by=patient.user, signs=signs)
    urgent = [alert for alert in alerts if alert.kind in rules.SAME_DAY_FLAGS]
    if urgent:
        alerts_notify(alerts=urgent)
    return alerts


@transaction.atomic
def symptom_report_create(
    *,
    patient: Patient,
    red_flag_saddle_numbness: bool,
    red_flag_bladder_bowel: bool,
    red_flag_leg_weakness: bool,
    pain: int,
    notes: str = "",
    reported_at: datetime | None = None,
) -> SymptomReport:
    """ "Something is wrong" on any day, with or without a programme: handled like the safety
    questions of a session. A warning sign stops the programme and tells the therapist at once;
    pain above the limit flags the report, above 5 the therapist hears the same day; a report
    that is neither still reaches the therapist's alerts (docs/clinical-safety.md)."""
    reported_at = reported_at or timezone.now()
    red_flags, signs = _safety_answers(
        red_flag_saddle_numbness, red_flag_bladder_bowel, red_flag_leg_weakness
    )
    report = SymptomReport(
        patient=patient,
        reported_at=reported_at,
        local_date=rules.local_day(reported_at, patient.time_zone),
        pain=pain,
        notes=notes,
        **red_flags,
    )
    report.full_clean(exclude=["patient"])
    reasons = rules.session_flag_reasons(
        pain_limit=patient.pain_limit,
        pain_before=pain,
        pain_after=None,
        exercise_pains=[],
        red_flags=signs,
    )
    report.flagged = bool(reasons)
    report.flag_reasons = [reason.code for reason in reasons]
    report.save()
    alerts = _raise_alerts(patient=patient, reasons=reasons, signs=signs, report=report)
    if not alerts:
        Alert.objects.create(patient=patient, symptom_report=report, kind=FlagKind.SYMPTOM_REPORT)
    return report


@transaction.atomic
def next_day_check_record(
    *, session: SessionLog, pain: int, notes: str = "", answered_at: datetime | None = None
) -> NextDayCheck:
    """The 24-hour response: worse by 2 or more than before the session, or above 5, flags the
    session and alerts the therapist the same day."""
    if hasattr(session, "next_day_check"):
        raise ValidationError(_("The next-day check for this session was already answered."))
    reasons = rules.next_day_flag_reasons(
        pain_before_session=session.pain_before, pain_next_day=pain
    )
    check = NextDayCheck(
        session=session,
        answered_at=answered_at or timezone.now(),
        pain=pain,
        notes=notes,
        flagged=bool(reasons),
    )
    check.full_clean(exclude=["session"])
    check.save()
    if reasons:
        codes = [reason.code for reason in reasons]
        session.flagged = True
        session.flag_reasons = list(dict.fromkeys([*session.flag_reasons, *codes]))
        session.save(update_fields=["flagged", "flag_reasons"])
        alerts = Alert.objects.bulk_create(
            Alert(patient_id=session.patient_id, session=session, kind=code) for code in codes
        )
        # Worse by 2 or more, or above 5: the therapist hears the same day, not in the digest.
        alerts_notify(alerts=[alert for alert in alerts if alert.kind in rules.SAME_DAY_FLAGS])
    return check


# --- Portal: the patient's own settings and daily habits ------------------------------------

PROFILE_FIELDS = (
    "language",
    "time_zone",
    "reminder_time",
    "reminder_channel",
    "reminder_opt_out",
    "habit_reminders",
)


@transaction.atomic
def patient_profile_update(*, patient: Patient, email: str | None = None, **fields) -> Patient:
    """The settings a patient may change themselves (portal profile, ``me/profile/``). Clinical
    fields such as the pain limit stay with the therapist. An e-mail address can log in, so it
    must not belong to another account."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            {field: _("This setting cannot be changed here.") for field in unknown}
        )
    user = patient.user
    if email is not None and email.strip().lower() != user.email.lower():
        email = email.strip()
        taken = (
            get_user_model()
            ._default_manager.filter(email__iexact=email)
            .exclude(pk=user.pk)
            .exists()
        )
        if taken:
            raise ValidationError({"email": _("Another account uses this e-mail address.")})
        user.email = email
        user.full_clean(exclude=["password"])
        user.save(update_fields=["email"])
    for field, value in fields.items():
        setattr(patient, field, value)
    if fields:
        patient.full_clean(exclude=["user", "therapist"])
        patient.save(update_fields=list(fields))
    return patient


@transaction.atomic
def habit_check_record(*, patient: Patient, habit, day: date, delta: int = 1) -> int:
    """Tick a daily habit off (``delta`` 1) or take a tick back (-1) on the patient's ``day``.
    Returns the day's new count, between 0 and the habit's times per day."""
    check = (
        HabitCheck.objects.select_for_update().filter(patient=patient, habit=habit, day=day).first()
    )
    count = min(max((check.count if check else 0) + delta, 0), habit.times_per_day)
    if check is None and count:
        try:
            with transaction.atomic():
                HabitCheck.objects.create(patient=patient, habit=habit, day=day, count=count)
        except IntegrityError:  # a double tap raced us: count on the stored row
            return habit_check_record(patient=patient, habit=habit, day=day, delta=delta)
    elif check is not None and count:
        check.count = count
        check.save(update_fields=["count"])
    elif check is not None:
        check.delete()
    return count


# --- Admin and API: the therapist's changes to a patient record ----------------------------

CLINICAL_FIELDS = (
    "date_of_birth",
    "pain_limit",
    "diagnosis",
    "chronic_inflammatory_disease",
    "relevant_conditions",
)
# Settings the therapist keeps for the patient (the portal does not offer them).
THERAPIST_SETTINGS = ("quiet_hours_start", "quiet_hours_end")


def _ensure_may_name_therapist(*, by, therapist, current_id: int | None) -> None:
    """Only the practice admin hands a patient to another therapist; a therapist's patients are
    their own (docs/security.md). ``by`` None is the system itself (a management command)."""
    if therapist is None or getattr(therapist, "pk", therapist) == current_id:
        return
    if by is not None and not by.is_superuser:
        raise ValidationError(
            {"therapist": _("Only the practice admin can assign another therapist.")}
        )


@transaction.atomic
def patient_update(
    *,
    patient: Patient,
    changed_by,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    therapist=None,
    **fields,
) -> Patient:
    """A therapist's changes to a patient, the one write path of the admin's change form and
    the API's ``PATCH patients/{id}/``: names, clinical fields, quiet hours and the patient's
    own settings. Only the practice admin hands the patient to another therapist. Consent is
    not changed here: the patient's consent flow writes it with its record
    (``privacy.services``)."""
    if therapist is not None:
        stored = (
            Patient.objects.select_for_update()
            .filter(pk=patient.pk)
            .values_list("therapist_id", flat=True)
            .get()
        )
        _ensure_may_name_therapist(by=changed_by, therapist=therapist, current_id=stored)
        if getattr(therapist, "pk", therapist) == stored:
            therapist = None
    settings_fields = {name: fields.pop(name) for name in list(fields) if name in PROFILE_FIELDS}
    unknown = set(fields) - set(CLINICAL_FIELDS) - set(THERAPIST_SETTINGS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in unknown})
    patient_profile_update(patient=patient, email=email, **settings_fields)
    user = patient.user
    names = {
        name: value
        for name, value in (("first_name", first_name), ("last_name", last_name))
        if value is not None
    }
    if names:
        for name, value in names.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"], validate_unique=False)
        user.save(update_fields=list(names))
    if therapist is not None:
        fields["therapist"] = therapist
    for name, value in fields.items():
        setattr(patient, name, value)
    if fields:
        patient.full_clean(exclude=["user"], validate_unique=False)
        patient.save(update_fields=list(fields))
    return patient


@transaction.atomic
def prescription_item_switch_variant(
    *, item: PrescriptionItem, to: str, switched_by
) -> PrescriptionItem:
    """The patient swaps one exercise of the prescription for the variant the therapist allows,
    or back to the prescribed exercise (``rules.variant_options``; docs/product.md, "Variants").

    The dose stays the patient's own when both exercises count the same way (repetitions or
    seconds, sets or passes); otherwise the new exercise takes its default: the programme's dose
    for it, or its training goal's. The switch is written to the programme's history, so the
    therapist reads "patient switched X → Y" on the patient page."""
    item = (
        PrescriptionItem.objects.select_for_update()
        .select_related("assignment", "exercise")
        .get(pk=item.pk)
    )
    assignment = item.assignment
    if assignment.status != AssignmentStatus.ACTIVE or item.removed_at is not None:
        raise ValidationError(_("This exercise cannot be switched now."))
    options = rules.variant_options(
        allowed=item.variant_allowed,
        exercise_id=item.exercise_id,
        prescribed_id=item.prescribed_exercise_id,
        easier_id=item.exercise.easier_variant_id,
        harder_id=item.exercise.harder_variant_id,
    )
    try:
        direction = rules.VariantSwitch(to)
        target_id = options[direction]
    except (ValueError, KeyError):
        raise ValidationError(
            _("Your therapist has not allowed this switch. Ask your therapist first.")
        ) from None
    if assignment.items.filter(exercise_id=target_id).exclude(pk=item.pk).exists():
        raise ValidationError(_("This exercise is already part of your programme."))
    target = Exercise.objects.select_related("goal").get(pk=target_id)
    default = (
        ProgramExercise.objects.filter(program_id=assignment.program_id, exercise=target).first()
        or target.goal
    )
    if not rules.same_measure(item, default):
        for field, value in default.dosage().items():
            setattr(item, field, value)
    previous = item.exercise
    item.prescribed_exercise = None if direction == rules.VariantSwitch.PRESCRIBED else previous
    item.exercise = target
    item.full_clean()
    item.save(update_fields=["exercise", "prescribed_exercise", *Dosage.DOSAGE_FIELDS])
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Switched in the patient portal: %(from)s → %(to)s.") % {
            "from": previous.name,
            "to": target.name,
        }
    PhaseChange.objects.create(
        assignment=assignment,
        kind=direction.value,
        from_phase_id=assignment.current_phase_id,
        to_phase_id=assignment.current_phase_id,
        changed_by=switched_by,
        reason=reason,
        from_exercise=previous,
        to_exercise=target,
    )
    return item


@transaction.atomic
def prescription_item_allow_variant(
    *, item: PrescriptionItem, allowed: str, changed_by
) -> PrescriptionItem:
    """The therapist lets the patient switch this exercise to its easier or harder variant on
    their own (docs/product.md, "Variants"). Taking the permission back leaves a switch already
    made in place: the patient can still switch back to the prescribed exercise."""
    item.variant_allowed = allowed
    item.full_clean()
    item.save(update_fields=["variant_allowed"])
    return item
