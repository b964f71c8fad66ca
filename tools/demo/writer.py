"""Writes planned demo patients in bulk: one insert per table and batch (``COPY`` on PostgreSQL,
``bulk_create`` elsewhere), then ``ANALYZE`` so the planner knows the new sizes.

Each step below writes one part of a batch and hands the new ids to the next: the logins, the
patient records (profile, intake consent, screening), the programmes, their history
(prescription and phase changes), the sessions with what hangs on them, the habit ticks.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import JSONField, Model
from psycopg.types.json import Jsonb

from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    ExerciseEntry,
    HabitCheck,
    NextDayCheck,
    Patient,
    PhaseChange,
    PrescriptionItem,
    Screening,
    SessionLog,
)
from privacy.models import ConsentAction, ConsentRecord, ConsentSource
from programs.models import Dosage, Program
from tools.demo.plans import PatientPlan, SessionPlan

ROWS_PER_INSERT = 2000
# Every table seed_demo fills, for ANALYZE after the load.
FILLED_MODELS: tuple[type[Model], ...] = (
    Patient,
    ConsentRecord,
    Screening,
    Assignment,
    PrescriptionItem,
    PhaseChange,
    SessionLog,
    ExerciseEntry,
    NextDayCheck,
    Alert,
    HabitCheck,
)

# Demo usernames with their (user id, is staff); filled in as users are written.
DemoUsers = dict[str, tuple[int, bool]]


@dataclass(frozen=True, slots=True)
class _Owner:
    """One planned patient with the ids its rows point at."""

    plan: PatientPlan
    patient_id: int
    therapist_id: int


@dataclass(frozen=True, slots=True)
class _WrittenSession:
    plan: SessionPlan
    session_id: int
    patient_id: int
    therapist_id: int


def write_patients(
    plans: Sequence[PatientPlan],
    *,
    program: Program,
    demo_users: DemoUsers,
    therapist_ids: dict[int, int],
    password_hash: str | None,
) -> dict[str, int]:
    """Write one batch of planned patients (the caller holds the transaction) and return what
    it wrote: sessions, entries, flagged sessions and alerts."""
    _write_logins(plans, demo_users=demo_users, password_hash=password_hash)
    owners = _write_patient_records(plans, demo_users=demo_users, therapist_ids=therapist_ids)
    assignment_ids = _write_assignments(owners, program=program)
    _write_programme_history(owners, assignment_ids)
    sessions = _write_sessions(owners, assignment_ids)
    entries, alerts = _write_session_details(sessions)
    _insert(
        HabitCheck,
        "patient_id habit_id day count",
        [(owner.patient_id, *check) for owner in owners for check in owner.plan.habit_checks],
    )
    return {
        "sessions": len(sessions),
        "entries": entries,
        "flagged": sum(1 for session in sessions if session.plan.flag_reasons),
        "alerts": alerts,
    }


def _write_logins(
    plans: Sequence[PatientPlan], *, demo_users: DemoUsers, password_hash: str | None
) -> None:
    """The patients' logins, except those that exist already."""
    user_model = get_user_model()
    new_users = [
        user_model(
            username=plan.person.username,
            email=plan.person.email,
            first_name=plan.person.first_name,
            last_name=plan.person.last_name,
            password=password_hash,
            date_joined=plan.joined_at,
        )
        for plan in plans
        if plan.person.username not in demo_users
    ]
    user_model.objects.bulk_create(new_users, batch_size=ROWS_PER_INSERT)
    for user in new_users:
        demo_users[user.get_username()] = (user.pk, False)


def _write_patient_records(
    plans: Sequence[PatientPlan], *, demo_users: DemoUsers, therapist_ids: dict[int, int]
) -> list[_Owner]:
    """The patient profiles with the consent taken at intake and the first screening."""
    therapist_of = [therapist_ids[plan.therapist_number] for plan in plans]
    patient_ids = _insert(
        Patient,
        "user_id therapist_id date_of_birth language time_zone reminder_time reminder_opt_out "
        "habit_reminders pain_limit diagnosis chronic_inflammatory_disease consent_at "
        "consent_version created_at",
        [
            (
                demo_users[plan.person.username][0],
                therapist_id,
                plan.date_of_birth,
                plan.language,
                plan.time_zone,
                plan.reminder_time,
                plan.reminder_opt_out,
                plan.habit_reminders,
                plan.pain_limit,
                plan.diagnosis,
                plan.chronic_inflammatory_disease,
                plan.joined_at,
                settings.CONSENT_VERSION,
                plan.joined_at,
            )
            for plan, therapist_id in zip(plans, therapist_of, strict=True)
        ],
        ids=True,
    )
    owners = [
        _Owner(plan=plan, patient_id=patient_id, therapist_id=therapist_id)
        for plan, patient_id, therapist_id in zip(plans, patient_ids, therapist_of, strict=True)
    ]
    _insert(
        ConsentRecord,
        "patient_id action version source recorded_at recorded_by_id",
        [
            (
                owner.patient_id,
                ConsentAction.GIVEN,
                settings.CONSENT_VERSION,
                ConsentSource.INTAKE,
                owner.plan.joined_at,
                owner.therapist_id,
            )
            for owner in owners
        ],
    )
    _insert(
        Screening,
        "patient_id screened_at screened_by_id notes",
        [
            (
                owner.patient_id,
                owner.plan.joined_at + timedelta(minutes=20),
                owner.therapist_id,
                owner.plan.screening_notes,
            )
            for owner in owners
        ],
    )
    return owners


def _write_assignments(owners: Sequence[_Owner], *, program: Program) -> list[int]:
    """Each patient's running programme, in the phase the plan reached."""
    return _insert(
        Assignment,
        "patient_id program_id current_phase_id phase_started_on status start_date created_at "
        "created_by_id",
        [
            (
                owner.patient_id,
                program.pk,
                owner.plan.current_phase.phase_id,
                owner.plan.current_phase.started_on,
                AssignmentStatus.ACTIVE,
                owner.plan.start_date,
                owner.plan.phases[0].changed_at,
                owner.therapist_id,
            )
            for owner in owners
        ],
        ids=True,
    )


def _write_programme_history(owners: Sequence[_Owner], assignment_ids: Sequence[int]) -> None:
    """The prescription as it grew and every phase change with its reason."""
    items: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for owner, assignment_id in zip(owners, assignment_ids, strict=True):
        items.extend(
            (
                assignment_id,
                item.exercise_id,
                item.phase_id,
                item.order,
                added_at,
                *item.dosage.values(),
            )
            for item, added_at in owner.plan.items
        )
        previous = None
        for phase in owner.plan.phases:
            changes.append(
                (
                    assignment_id,
                    phase.kind,
                    previous,
                    phase.phase_id,
                    phase.changed_at,
                    owner.therapist_id,
                    phase.reason,
                )
            )
            previous = phase.phase_id
    _insert(
        PrescriptionItem,
        " ".join(("assignment_id exercise_id phase_id order added_at", *Dosage.DOSAGE_FIELDS)),
        items,
    )
    _insert(
        PhaseChange,
        "assignment_id kind from_phase_id to_phase_id changed_at changed_by_id reason",
        changes,
    )


def _write_sessions(
    owners: Sequence[_Owner], assignment_ids: Sequence[int]
) -> list[_WrittenSession]:
    """The session logs (no safety answer is yes in the demo's history)."""
    planned = [
        (session, owner, assignment_id)
        for owner, assignment_id in zip(owners, assignment_ids, strict=True)
        for session in owner.plan.sessions
    ]
    session_ids = _insert(
        SessionLog,
        "patient_id assignment_id phase_id performed_at local_date pain_before pain_after rpe "
        "notes red_flag_saddle_numbness red_flag_bladder_bowel red_flag_leg_weakness flagged "
        "flag_reasons created_at",
        [
            (
                owner.patient_id,
                assignment_id,
                session.phase_id,
                session.performed_at,
                session.local_date,
                session.pain_before,
                session.pain_after,
                session.rpe,
                session.notes,
                False,
                False,
                False,
                bool(session.flag_reasons),
                session.flag_reasons,
                session.logged_at,
            )
            for session, owner, assignment_id in planned
        ],
        ids=True,
    )
    return [
        _WrittenSession(
            plan=session,
            session_id=session_id,
            patient_id=owner.patient_id,
            therapist_id=owner.therapist_id,
        )
        for (session, owner, _assignment_id), session_id in zip(planned, session_ids, strict=True)
    ]


def _write_session_details(sessions: Sequence[_WrittenSession]) -> tuple[int, int]:
    """What hangs on each session: its exercise entries, the next-day check and the therapist's
    alerts. Returns the numbers of entries and alerts written."""
    entries: list[tuple[Any, ...]] = []
    checks: list[tuple[Any, ...]] = []
    alerts: list[tuple[Any, ...]] = []
    for written in sessions:
        session = written.plan
        entries.extend(
            (
                written.session_id,
                entry.exercise_id,
                entry.sets_done,
                entry.reps,
                entry.duration_s,
                entry.load_kg,
                entry.pain,
                entry.skipped,
                entry.skip_reason,
            )
            for entry in session.entries
        )
        if session.next_day is not None:
            check = session.next_day
            checks.append(
                (written.session_id, check.answered_at, check.pain, check.notes, check.flagged)
            )
        alerts.extend(
            (
                written.patient_id,
                written.session_id,
                alert.kind,
                [],
                alert.created_at,
                alert.acknowledged_at,
                written.therapist_id if alert.acknowledged_at else None,
            )
            for alert in session.alerts
        )
    _insert(
        ExerciseEntry,
        "session_id exercise_id sets_done reps duration_s load_kg pain skipped skip_reason",
        entries,
    )
    _insert(NextDayCheck, "session_id answered_at pain notes flagged", checks)
    _insert(
        Alert,
        "patient_id session_id kind details created_at acknowledged_at acknowledged_by_id",
        alerts,
    )
    return len(entries), len(alerts)


def _insert(
    model: type[Model], columns: str, rows: list[tuple[Any, ...]], *, ids: bool = False
) -> list[int]:
    """Insert rows of plain values for the fields named in ``columns`` (attribute names) and
    return the new ids when asked.

    On PostgreSQL this is ``COPY``: building a model instance and an INSERT parameter per value
    costs several times more than the database's work, which would make the scale data (about a
    million sessions and several million entries) take the better part of an hour; ids are
    reserved from the table's sequence first. Elsewhere (SQLite) it is ``bulk_create``, which
    returns the ids with ``RETURNING``. Fields not named get their model default either way.
    """
    if not rows:
        return []
    names = columns.split()
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=ROWS_PER_INSERT)
        return [obj.pk for obj in objs]
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    omitted = [
        field
        for field in meta.concrete_fields
        if not field.primary_key and field.attname not in names
    ]
    fields += omitted
    defaults = tuple(field.get_default() for field in omitted)
    json_columns = [index for index, field in enumerate(fields) if isinstance(field, JSONField)]
    column_names = [field.column for field in fields]
    quote = connection.ops.quote_name
    new_ids = []
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            new_ids = [row[0] for row in cursor.fetchall()]
            column_names.insert(0, meta.pk.column)
        sql = "COPY {} ({}) FROM STDIN".format(
            quote(meta.db_table), ", ".join(quote(name) for name in column_names)
        )
        with cursor.cursor.copy(sql) as copy:
            for index, given in enumerate(rows):
                row = given + defaults
                if json_columns:
                    row = list(row)
                    for column in json_columns:
                        row[column] = Jsonb(row[column])
                copy.write_row((new_ids[index], *row) if ids else row)
    return new_ids


def analyze(models: Sequence[type[Model]]) -> None:
    """Statistics for the tables just filled: autovacuum may be off or late, and a planner that
    still thinks a table of a million sessions is empty picks nested loops over it."""
    quote = connection.ops.quote_name
    tables = [quote(model._meta.db_table) for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        else:
            for table in tables:  # SQLite analyses one table per statement
                cursor.execute(f"ANALYZE {table}")


@contextmanager
def given_timestamps() -> Iterator[None]:
    """Let the history keep its own times: creation times are set to when the planned event
    happened (a session logged weeks ago, a phase change last month), not to the time of the run.
    ``auto_now_add`` would overwrite them, so it is switched off while this command writes."""
    fields = [
        Patient._meta.get_field("created_at"),
        Assignment._meta.get_field("created_at"),
        PrescriptionItem._meta.get_field("added_at"),
        PhaseChange._meta.get_field("changed_at"),
        SessionLog._meta.get_field("created_at"),
        Alert._meta.get_field("created_at"),
    ]
    try:
        for field in fields:
            field.auto_now_add = False  # type: ignore[union-attr]
        yield
    finally:
        for field in fields:
            field.auto_now_add = True  # type: ignore[union-attr]
