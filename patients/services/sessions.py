"""Session logging: a session with its exercise entries, flags and alerts, all or nothing, and
safe to retry with an Idempotency-Key."""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, IntegerField, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from compiled_sql import CompiledQuery, Param
from patients import rules
from patients.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
    ExerciseEntry,
    Patient,
    PrescriptionItem,
    SessionLog,
)
from patients.services.safety import raise_alerts, safety_answers
from programs.models import CatalogueRevision

# A phone's clock may run a little ahead; more than this is a session "in the future".
CLOCK_SKEW = timedelta(minutes=5)
ENTRY_FIELDS = ("sets_done", "reps", "duration_s", "load_kg", "pain", "skipped", "skip_reason")


def request_fingerprint(payload: Mapping[str, Any]) -> str:
    """A stable hash of a request body, to tell a retry from a different request that reuses an
    Idempotency-Key."""
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyConflict(Exception):
    """The key was used before for a different request."""


@dataclass(frozen=True)
class SessionContext:
    """What logging a session reads before it writes, as plain values: the open programme
    (``assignment_id`` None without one), the exercise ids it prescribes, the session stored
    earlier under the Idempotency-Key and the catalogue revision (for the answer's texts)."""

    assignment_id: int | None = None
    status: str | None = None
    start_date: date | None = None
    phase_id: int | None = None
    prescribed: frozenset[int] = frozenset()
    previous_id: int | None = None
    catalogue_revision: int | None = None


def _context_extra(*, patient: Any, key: Any) -> dict[str, Any]:
    """The catalogue revision and, with an Idempotency-Key, the session stored under it
    (uncorrelated subqueries, run once); ``patient`` and ``key`` are values or ``Param``s,
    ``key`` None without one."""
    extra: dict[str, Any] = {
        "catalogue_revision": Subquery(CatalogueRevision.objects.filter(pk=1).values("number"))
    }
    if key is not None:
        earlier = SessionLog.objects.filter(patient_id=patient, idempotency_key=key)
        extra["earlier_id"] = Subquery(earlier.values("pk")[:1])
    return extra


def _context_query(*, keyed: bool) -> QuerySet[PrescriptionItem, Any]:
    patient = Param("patient", IntegerField())
    return (
        PrescriptionItem.objects.filter(
            assignment__patient_id=patient,
            assignment__status__in=OPEN_STATUSES,
            removed_at__isnull=True,
        )
        .order_by()
        .values(
            "exercise_id",
            "assignment_id",
            status=F("assignment__status"),
            start_date=F("assignment__start_date"),
            current_phase_id=F("assignment__current_phase_id"),
            **_context_extra(patient=patient, key=Param("key", CharField()) if keyed else None),
        )
    )


# Compiled once per process (compiled_sql): building the query cost more than running it.
_CONTEXT = CompiledQuery(lambda: _context_query(keyed=False))
_CONTEXT_WITH_KEY = CompiledQuery(lambda: _context_query(keyed=True))


def _session_context(*, patient: Patient, idempotency_key: str | None) -> SessionContext:
    """One query on the common path, rows of plain values and no model instance: the prescribed
    items with their programme's columns, the key's earlier session and the catalogue revision
    (uncorrelated subqueries, run once), so logging costs the same for one or fifty entries."""
    if idempotency_key:
        rows = _CONTEXT_WITH_KEY.rows(patient=patient.pk, key=idempotency_key)
    else:
        rows = _CONTEXT.rows(patient=patient.pk)
    if rows:
        first = rows[0]
        return SessionContext(
            assignment_id=first["assignment_id"],
            status=first["status"],
            start_date=first["start_date"],
            phase_id=first["current_phase_id"],
            prescribed=frozenset(row["exercise_id"] for row in rows),
            previous_id=first.get("earlier_id"),
            catalogue_revision=first["catalogue_revision"],
        )
    # No open programme, or an empty one: the request fails validation unless it is a retry
    # or a session stopped at the safety questions.
    earlier = SessionLog.objects.filter(patient=patient, idempotency_key=idempotency_key)
    extra = _context_extra(patient=patient.pk, key=idempotency_key or None)
    assignment = cast(
        dict[str, Any] | None,
        Assignment.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .order_by()
        .values("id", "status", "start_date", "current_phase_id", **extra)
        .first(),
    )
    if assignment is None:
        previous = earlier.values_list("pk", flat=True).first() if idempotency_key else None
        return SessionContext(previous_id=previous)
    return SessionContext(
        assignment_id=assignment["id"],
        status=assignment["status"],
        start_date=assignment["start_date"],
        phase_id=assignment["current_phase_id"],
        previous_id=assignment.get("earlier_id"),
        catalogue_revision=assignment["catalogue_revision"],
    )


def _validate_session(
    *,
    patient: Patient,
    context: SessionContext,
    performed_at: datetime,
    entries: Sequence[Mapping[str, Any]],
    stopped: bool,
    pain_after: int | None,
    rpe: int | None,
) -> dict[str, list[str]]:
    """Everything wrong with a session, reported together. A session stopped at the safety
    questions (``stopped``) is saved without exercises, "after" values or an active programme:
    a warning sign must never be lost to a form rule (docs/clinical-safety.md)."""
    errors: dict[str, list[str]] = {}
    has_programme = context.assignment_id is not None
    active = context.status == AssignmentStatus.ACTIVE
    if not has_programme:
        errors.setdefault("non_field_errors", []).append(
            _("There is no programme to log a session for.")
            if not stopped
            else _(
                "There is no programme to log a session for: report your symptoms with a "
                "symptom report instead."
            )
        )
    elif not active and not stopped:
        errors.setdefault("non_field_errors", []).append(
            _("Your programme is paused or stopped: there is nothing to train now.")
        )
    if timezone.is_naive(performed_at):
        errors.setdefault("performed_at", []).append(_("Give a time with a time zone."))
    elif performed_at > timezone.now() + CLOCK_SKEW:
        errors.setdefault("performed_at", []).append(_("A session cannot be in the future."))
    elif context.start_date is not None:
        day = rules.local_day(performed_at, patient.time_zone)
        today = rules.local_day(timezone.now(), patient.time_zone)
        if day < context.start_date:
            errors.setdefault("performed_at", []).append(
                _("A session cannot be before the programme started (%(day)s).")
                % {"day": formats.date_format(context.start_date)}
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
    elif has_programme and not active and entries:
        errors.setdefault("entries", []).append(
            _("Your programme is paused or stopped: log only the warning signs.")
        )
    if has_programme:
        seen: set[int] = set()
        for index, entry in enumerate(entries):
            exercise_id = getattr(entry["exercise"], "pk", entry["exercise"])
            if exercise_id not in context.prescribed:
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
    entries: Sequence[Mapping[str, Any]] = (),
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> tuple[SessionLog, bool]:
    """Store a session with its exercise entries, its flags and the therapist's alerts, all or
    nothing. The three safety answers are required: an unanswered question is never a "no". A
    yes stops the session there (entries, pain after and effort may be missing), stops the
    programme and tells the therapist at once (docs/clinical-safety.md).

    Returns ``(session, created)``: a retry with the same Idempotency-Key returns the first
    session; the same key with another body raises ``IdempotencyConflict``. A new session comes
    back with ``entry_list``, its entries, and ``catalogue_revision``, the revision of the
    catalogue snapshot that names its phase and exercises, so the caller can show it without
    another query."""
    context = _session_context(patient=patient, idempotency_key=idempotency_key)
    if context.previous_id is not None:
        previous = SessionLog.objects.get(pk=context.previous_id)
        if previous.request_hash != fingerprint:
            raise IdempotencyConflict
        return previous, False
    red_flags, signs = safety_answers(
        red_flag_saddle_numbness, red_flag_bladder_bowel, red_flag_leg_weakness
    )
    errors = _validate_session(
        patient=patient,
        context=context,
        performed_at=performed_at,
        entries=entries,
        stopped=bool(signs),
        pain_after=pain_after,
        rpe=rpe,
    )
    if errors:
        raise ValidationError(errors)
    assert context.assignment_id is not None  # without a programme the validation failed

    session = SessionLog(
        patient=patient,
        assignment_id=context.assignment_id,
        phase_id=cast(int, context.phase_id),  # set with the programme (validated above)
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
    session.entry_list = rows  # type: ignore[attr-defined]  # see the docstring
    session.catalogue_revision = context.catalogue_revision  # type: ignore[attr-defined]
    raise_alerts(patient=patient, reasons=reasons, signs=signs, session=session)
    return session, True


def _full_clean(session: SessionLog, rows: Sequence[ExerciseEntry]) -> None:
    """Field validation of the session and every entry, reported together, before anything is
    written. Relations were checked above; uniqueness is the database's job."""
    errors: dict[str, list[str]] = {}
    checks: list[tuple[str, SessionLog | ExerciseEntry, list[str]]] = [
        ("", session, ["patient", "assignment", "phase"])
    ]
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
