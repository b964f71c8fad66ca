"""Writes for patients: each service is one transaction and the only way the admin, the portal,
the API and the tasks change this data."""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from patients import rules
from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    ExerciseEntry,
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
    SessionLog,
)
from privacy.models import ConsentSource
from privacy.services import consent_give
from programs.models import Dosage, Phase, Program
from reminders.services import red_flag_notify

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
    therapist gives, or the current one, so the portal asks again only when the text changes."""
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
    notes: str = "",
    screened_at: datetime | None = None,
) -> Screening:
    signs = list(dict.fromkeys(signs))
    unknown = set(signs) - set(RedFlagSign.values)
    if unknown:
        raise ValidationError({"signs": _("Unknown red flag: %s") % ", ".join(sorted(unknown))})
    screening = Screening.objects.create(
        patient=patient,
        screened_by=screened_by,
        screened_at=screened_at or timezone.now(),
        notes=notes,
    )
    RedFlag.objects.bulk_create(
        RedFlag(patient=patient, sign=sign, source=RedFlagSource.INTAKE, recorded_by=screened_by)
        for sign in signs
    )
    return screening


@transaction.atomic
def red_flag_clear(*, red_flag: RedFlag, cleared_by, note: str) -> RedFlag:
    """Medical clearance: the only way a red flag stops blocking the programme."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Record the medical clearance before clearing.")})
    red_flag = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if red_flag.cleared_at is not None:
        raise ValidationError(_("This red flag was already cleared."))
    red_flag.cleared_at = timezone.now()
    red_flag.cleared_by = cleared_by
    red_flag.clearance_note = note
    red_flag.save(update_fields=["cleared_at", "cleared_by", "clearance_note"])
    return red_flag


def _ensure_no_open_red_flag(patient: Patient) -> None:
    if patient.red_flags.filter(cleared_at__isnull=True).exists():
        raise ValidationError(
            _(
                "This patient has an unresolved red flag. Record a medical clearance before "
                "activating a programme."
            )
        )


def _add_phase_items(assignment: Assignment, phase: Phase) -> None:
    """Copy the programme's exercises of ``phase`` into the prescription, keeping what is there."""
    present = set(assignment.items.values_list("exercise_id", flat=True))
    PrescriptionItem.objects.bulk_create(
        PrescriptionItem(
            assignment=assignment,
            exercise_id=item.exercise_id,
            phase_id=item.phase_id,
            order=item.order,
            **item.dosage(),
        )
        for item in assignment.program.program_exercises.filter(phase=phase)
        if item.exercise_id not in present
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
    reason: str = "",
) -> Assignment:
    _ensure_no_open_red_flag(patient)
    first_phase = Phase.objects.filter(program_phases__program=program).order_by("number").first()
    if first_phase is None:
        raise ValidationError({"program": _("This programme has no phases.")})
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
    _add_phase_items(assignment, first_phase)
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
        _add_phase_items(assignment, target)
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
    """Back one phase: always allowed. Exercises of the later phase stay prescribed unless the
    therapist removes them."""
    return _move(
        assignment=assignment, changed_by=changed_by, reason=reason, kind=PhaseChangeKind.REGRESS
    )


@transaction.atomic
def assignment_pause(*, assignment: Assignment, changed_by) -> Assignment:
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ValidationError(_("Only an active programme can be paused."))
    assignment.status = AssignmentStatus.PAUSED
    assignment.save(update_fields=["status"])
    return assignment


@transaction.atomic
def assignment_resume(*, assignment: Assignment, changed_by) -> Assignment:
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
        assignment__status=AssignmentStatus.ACTIVE,
        removed_at__isnull=True,
    ).select_related("assignment__current_phase", "exercise")
    earlier = SessionLog.objects.filter(patient=patient, idempotency_key=idempotency_key)
    if idempotency_key:
        items = items.annotate(earlier_id=Subquery(earlier.values("pk")[:1]))
    items = list(items.order_by())
    if items:
        previous = items[0].earlier_id if idempotency_key else None
        return items[0].assignment, {item.exercise_id: item.exercise for item in items}, previous
    # No active programme, or an empty one: the request fails validation unless it is a retry.
    assignment = (
        Assignment.objects.filter(patient=patient, status=AssignmentStatus.ACTIVE)
        .select_related("current_phase")
        .first()
    )
    previous = earlier.values_list("pk", flat=True).first() if idempotency_key else None
    return assignment, {}, previous


def _validate_session(
    *, assignment: Assignment | None, prescribed, performed_at: datetime, entries: Sequence
) -> dict:
    errors: dict[str, list[str]] = {}
    if assignment is None:
        errors.setdefault("non_field_errors", []).append(
            _("There is no active programme to log a session for.")
        )
    if timezone.is_naive(performed_at):
        errors.setdefault("performed_at", []).append(_("Give a time with a time zone."))
    elif performed_at > timezone.now() + CLOCK_SKEW:
        errors.setdefault("performed_at", []).append(_("A session cannot be in the future."))
    if not entries:
        errors.setdefault("entries", []).append(_("Log at least one exercise."))
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
    pain_after: int,
    rpe: int,
    notes: str = "",
    red_flag_saddle_numbness: bool = False,
    red_flag_bladder_bowel: bool = False,
    red_flag_leg_weakness: bool = False,
    entries: Sequence[Mapping],
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> tuple[SessionLog, bool]:
    """Store a session with its exercise entries, its flags and the therapist's alerts, all or
    nothing. Returns ``(session, created)``: a retry with the same Idempotency-Key returns the
    first session; the same key with another body raises ``IdempotencyConflict``. A new
    session comes back with ``entry_list``, its entries with their exercises, so the caller can
    show it without another query."""
    assignment, exercises, previous_id = _session_context(
        patient=patient, idempotency_key=idempotency_key
    )
    if previous_id is not None:
        previous = SessionLog.objects.get(pk=previous_id)
        if previous.request_hash != fingerprint:
            raise IdempotencyConflict
        return previous, False
    errors = _validate_session(
        assignment=assignment, prescribed=exercises, performed_at=performed_at, entries=entries
    )
    if errors:
        raise ValidationError(errors)

    red_flags = {
        "red_flag_saddle_numbness": red_flag_saddle_numbness,
        "red_flag_bladder_bowel": red_flag_bladder_bowel,
        "red_flag_leg_weakness": red_flag_leg_weakness,
    }
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
        red_flags=[SESSION_RED_FLAGS[name] for name, said_yes in red_flags.items() if said_yes],
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
    _raise_alerts(session=session, reasons=reasons)
    red_flag_notify(session=session)
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


def _raise_alerts(*, session: SessionLog, reasons: Sequence) -> None:
    alerts = []
    for reason in reasons:
        alerts.append(
            Alert(patient_id=session.patient_id, session=session, kind=reason.code, details=[])
        )
    Alert.objects.bulk_create(alerts)
    signs = [sign for name, sign in SESSION_RED_FLAGS.items() if getattr(session, name)]
    RedFlag.objects.bulk_create(
        RedFlag(
            patient_id=session.patient_id,
            sign=sign,
            source=RedFlagSource.SESSION,
            session=session,
        )
        for sign in signs
    )


@transaction.atomic
def next_day_check_record(
    *, session: SessionLog, pain: int, notes: str = "", answered_at: datetime | None = None
) -> NextDayCheck:
    """The 24-hour response: worse by 2 or more than before the session flags the session."""
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
        Alert.objects.bulk_create(
            Alert(patient_id=session.patient_id, session=session, kind=code) for code in codes
        )
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


# --- API: the therapist's changes to a patient record ---------------------------------------

CLINICAL_FIELDS = (
    "date_of_birth",
    "pain_limit",
    "diagnosis",
    "chronic_inflammatory_disease",
    "relevant_conditions",
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
    """A therapist's changes to a patient (API ``PATCH patients/{id}/``): names, clinical fields
    and the patient's own settings. Handing a patient to another therapist is the caller's
    decision to allow (the API lets only the practice admin)."""
    settings_fields = {name: fields.pop(name) for name in list(fields) if name in PROFILE_FIELDS}
    unknown = set(fields) - set(CLINICAL_FIELDS)
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
