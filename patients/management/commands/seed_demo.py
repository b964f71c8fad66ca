"""``manage.py seed_demo``: a demo practice or scale data (docs/product.md, "Demo and scale data").

Therapists ``therapist1…`` and patients ``patient1…`` with weeks of session logs, planned by
``patients.demo`` and written in batches of patients: one transaction and one bulk insert per
table and batch (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere), so ten thousand patients
load in minutes and a failed batch leaves no half-made patient. A patient whose ``Patient`` row
exists is never touched again: a second run adds only what is missing.

Passwords are hashed once per run and the hash is reused for every user: hashing is deliberately
slow, and ten thousand hashes would take longer than the rest of the run.
"""

import functools
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.db.models import JSONField
from django.utils import timezone
from psycopg.types.json import Jsonb

from patients import demo, services
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

PROGRAM_SLUG = "master"
THERAPIST_GROUP = "Therapeut"
DEMO_USERNAME = r"^(therapist|patient)[0-9]+$"
PATIENTS_PER_BATCH = 500
ROWS_PER_INSERT = 2000
# The demo's patient5 reported a warning sign yesterday, through the same service a patient
# uses, so the therapist sees a stopped programme, the urgent alert and its e-mail at once
# (docs/clinical-safety.md).
RED_FLAG_PATIENT = 5
PROGRESS_FROM = 100  # show the progress line when at least this many patients are new


class Command(BaseCommand):
    help = (
        "Create demo therapists (therapist1…) and patients (patient1…) with weeks of realistic "
        "session logs. Repeatable: existing demo patients are kept, only missing ones are added."
    )

    def add_arguments(self, parser):
        parser.add_argument("--therapists", type=int, default=1, help="number of therapists")
        parser.add_argument("--patients", type=int, default=5, help="number of patients")
        parser.add_argument("--weeks", type=int, default=8, help="weeks of logs, up to today")
        parser.add_argument(
            "--password",
            help="set this password on every demo user, new or existing "
            "(default: a random one for new users only, printed at the end)",
        )
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    def handle(self, *args, therapists, patients, weeks, password, seed, verbosity, **options):
        if therapists < 1 or patients < 0 or not 1 <= weeks <= 520:
            raise CommandError("Give at least 1 therapist, 0 or more patients and 1–520 weeks.")
        program = Program.objects.filter(slug=PROGRAM_SLUG).first()
        if program is None:
            raise CommandError(f'The programme "{PROGRAM_SLUG}" is missing; run migrate first.')
        catalogue = _catalogue(program)
        if not catalogue.phases:
            raise CommandError(f'The programme "{PROGRAM_SLUG}" has no phases.')
        started = time.monotonic()
        now = timezone.now()
        user_model = get_user_model()
        demo_users = {
            username: (pk, is_staff)
            for username, pk, is_staff in user_model.objects.filter(
                username__regex=DEMO_USERNAME
            ).values_list("username", "pk", "is_staff")
        }
        with_profile = set(
            Patient.objects.filter(user__username__regex=r"^patient[0-9]+$").values_list(
                "user__username", flat=True
            )
        )
        numbers = []
        for number in range(1, patients + 1):
            username = f"patient{number}"
            if username in with_profile:
                continue
            if demo_users.get(username, (None, False))[1]:
                self.stderr.write(f"{username} is a staff user; not made a patient.")
                continue
            numbers.append(number)
        new_usernames = {f"therapist{number}" for number in range(1, therapists + 1)} | {
            f"patient{number}" for number in numbers
        }
        new_usernames -= demo_users.keys()
        new_password = password or secrets.token_urlsafe(9)
        # Hashed once for all users: hashing is slow on purpose, 10 000 hashes would take minutes.
        password_hash = make_password(new_password) if password or new_usernames else None

        therapist_ids, new_therapists = self._therapists(
            therapists, seed=seed, demo_users=demo_users, password_hash=password_hash
        )

        totals = self._load_patients(
            numbers,
            progress=_Progress(
                self.stderr,
                total=len(numbers),
                enabled=verbosity > 0 and len(numbers) >= PROGRESS_FROM,
            ),
            plan=functools.partial(
                demo.plan_patient,
                seed=seed,
                therapists=therapists,
                weeks=weeks,
                now=now,
                catalogue=catalogue,
            ),
            program=program,
            demo_users=demo_users,
            therapist_ids=therapist_ids,
            password_hash=password_hash,
        )
        if password:
            user_model.objects.filter(username__regex=DEMO_USERNAME).update(password=password_hash)
        if RED_FLAG_PATIENT in numbers:
            _report_red_flag(RED_FLAG_PATIENT, now=now)

        self._report(
            therapists=therapists,
            new_therapists=new_therapists,
            patients=patients,
            new_patients=len(numbers),
            totals=totals,
            password=password,
            new_password=new_password if new_usernames else None,
            new_usernames=new_usernames,
            seconds=time.monotonic() - started,
        )

    def _load_patients(self, numbers, *, progress, plan, **context) -> dict[str, int]:
        """Plan and write the patients in batches, each batch in one transaction.

        The next batch is planned in a thread while the current one is written: planning is pure
        Python and gets the processor while the database works through a COPY or a commit.
        """
        totals = dict.fromkeys(("sessions", "entries", "flagged", "alerts"), 0)
        batches = [
            numbers[first : first + PATIENTS_PER_BATCH]
            for first in range(0, len(numbers), PATIENTS_PER_BATCH)
        ]

        def plan_batch(batch):
            return [plan(number=number) for number in batch]

        done = 0
        with _given_timestamps(), ThreadPoolExecutor(max_workers=1) as planner:
            upcoming = planner.submit(plan_batch, batches[0]) if batches else None
            for index in range(len(batches)):
                plans = upcoming.result()  # type: ignore[union-attr]  # one per batch
                if index + 1 < len(batches):
                    upcoming = planner.submit(plan_batch, batches[index + 1])
                with transaction.atomic():
                    written = _write_patients(plans, **context)
                reset_queries()  # with DEBUG on, the logged bulk INSERTs would pile up in memory
                for key, value in written.items():
                    totals[key] += value
                done += len(plans)
                progress.update(done, totals["sessions"])
        progress.finish()
        return totals

    def _therapists(self, count, *, seed, demo_users, password_hash):
        """therapist1…N: staff in the therapists' group; existing ones are kept as they are."""
        user_model = get_user_model()
        plans = [demo.plan_therapist(seed=seed, number=k) for k in range(1, count + 1)]
        not_staff = [
            p.username for p in plans if p.username in demo_users and not demo_users[p.username][1]
        ]
        if not_staff:
            raise CommandError(f"These users exist but are not staff: {', '.join(not_staff[:5])}")
        new = [
            user_model(
                username=plan.username,
                email=plan.email,
                first_name=plan.first_name,
                last_name=plan.last_name,
                password=password_hash,
                is_staff=True,
            )
            for plan in plans
            if plan.username not in demo_users
        ]
        with transaction.atomic():
            user_model.objects.bulk_create(new, batch_size=ROWS_PER_INSERT)
            group, _created = Group.objects.get_or_create(name=THERAPIST_GROUP)
            membership = user_model.groups.through
            membership.objects.bulk_create(
                (membership(user_id=user.pk, group_id=group.pk) for user in new),
                batch_size=ROWS_PER_INSERT,
                ignore_conflicts=True,
            )
        for user in new:
            demo_users[user.username] = (user.pk, True)
        ids = {plan.number: demo_users[plan.username][0] for plan in plans}
        return ids, len(new)

    def _report(
        self,
        *,
        therapists,
        new_therapists,
        patients,
        new_patients,
        totals,
        password,
        new_password,
        new_usernames,
        seconds,
    ):
        write = self.stdout.write
        write(
            f"Demo data: {therapists} therapists ({new_therapists} new), {patients} patients "
            f"({new_patients} new); this run wrote {totals['sessions']:,} sessions "
            f"({totals['flagged']:,} flagged), {totals['entries']:,} exercise entries and "
            f"{totals['alerts']:,} alerts in {seconds:.1f} s."
        )
        if password:
            write("Every demo user now has the password given with --password.")
        elif new_password:
            write(f"Password of the {len(new_usernames)} new demo users: {new_password}")
            if new_therapists < therapists or new_patients < patients:
                write("Users that existed before keep their passwords.")
        else:
            write("No new users; existing passwords were kept (--password sets one).")
        logins = [("therapist1", "therapist, /admin/")]
        if patients:
            logins.append(("patient1", "patient, /"))
        write(self.style.SUCCESS("Demo logins:"))
        for username, where in logins:
            if password:
                shown = "(the --password given)"
            elif username in new_usernames:
                shown = new_password
            else:
                shown = "(password unchanged)"
            write(f"  {username} / {shown}   [{where}]")


def _report_red_flag(number: int, *, now) -> None:
    patient = Patient.objects.get(user__username=f"patient{number}")
    services.symptom_report_create(
        patient=patient,
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=True,
        pain=6,
        notes="Linkes Bein knickt seit gestern beim Treppensteigen weg.",
        reported_at=now - timedelta(days=1),
    )


def _catalogue(program: Program) -> demo.Catalogue:
    """The programme's phases, exercises with their dose, and habits: three queries per run."""
    phases = [
        (phase_id, number)
        for phase_id, number in program.program_phases.order_by("phase__number").values_list(
            "phase_id", "phase__number"
        )
    ]
    items = [
        demo.CatalogueItem(
            exercise_id=item.exercise_id,
            slug=item.exercise.slug,
            goal_id=item.exercise.goal_id,
            phase_id=item.phase_id,
            phase_number=item.phase.number,
            order=item.order,
            dosage=item.dosage(),
        )
        for item in program.program_exercises.select_related("exercise", "phase").order_by(
            "phase__number", "order", "id"
        )
    ]
    habits = list(program.habits.order_by("order", "slug").values_list("pk", "times_per_day"))
    return demo.Catalogue(phases=phases, items=items, habits=habits)


def _write_patients(plans, *, program, demo_users, therapist_ids, password_hash) -> dict[str, int]:
    """Write one batch of planned patients: one bulk insert per table."""
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
        demo_users[user.username] = (user.pk, False)

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
    _insert(
        ConsentRecord,
        "patient_id action version source recorded_at recorded_by_id",
        [
            (
                patient_id,
                ConsentAction.GIVEN,
                settings.CONSENT_VERSION,
                ConsentSource.INTAKE,
                plan.joined_at,
                therapist_id,
            )
            for plan, patient_id, therapist_id in zip(plans, patient_ids, therapist_of, strict=True)
        ],
    )
    _insert(
        Screening,
        "patient_id screened_at screened_by_id notes",
        [
            (patient_id, plan.joined_at + timedelta(minutes=20), therapist_id, plan.screening_notes)
            for plan, patient_id, therapist_id in zip(plans, patient_ids, therapist_of, strict=True)
        ],
    )
    assignment_ids = _insert(
        Assignment,
        "patient_id program_id current_phase_id phase_started_on status start_date created_at "
        "created_by_id",
        [
            (
                patient_id,
                program.pk,
                plan.current_phase.phase_id,
                plan.current_phase.started_on,
                AssignmentStatus.ACTIVE,
                plan.start_date,
                plan.phases[0].changed_at,
                therapist_id,
            )
            for plan, patient_id, therapist_id in zip(plans, patient_ids, therapist_of, strict=True)
        ],
        ids=True,
    )
    items: list[Any]
    habits: list[Any]
    items, changes, sessions, session_rows, habits = [], [], [], [], []
    for plan, patient_id, assignment_id, therapist_id in zip(
        plans, patient_ids, assignment_ids, therapist_of, strict=True
    ):
        items.extend(
            (
                assignment_id,
                item.exercise_id,
                item.phase_id,
                item.order,
                added_at,
                *item.dosage.values(),
            )
            for item, added_at in plan.items
        )
        previous = None
        for phase in plan.phases:
            changes.append(
                (
                    assignment_id,
                    phase.kind,
                    previous,
                    phase.phase_id,
                    phase.changed_at,
                    therapist_id,
                    phase.reason,
                )
            )
            previous = phase.phase_id
        for session in plan.sessions:
            sessions.append((session, patient_id, therapist_id))
            session_rows.append(
                (
                    patient_id,
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
            )
        habits.extend((patient_id, *check) for check in plan.habit_checks)
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
    session_ids = _insert(
        SessionLog,
        "patient_id assignment_id phase_id performed_at local_date pain_before pain_after rpe "
        "notes red_flag_saddle_numbness red_flag_bladder_bowel red_flag_leg_weakness flagged "
        "flag_reasons created_at",
        session_rows,
        ids=True,
    )
    entries: list[Any]
    alerts: list[Any]
    entries, checks, alerts = [], [], []
    for (session, patient_id, therapist_id), session_id in zip(sessions, session_ids, strict=True):
        entries.extend(
            (
                session_id,
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
            checks.append((session_id, check.answered_at, check.pain, check.notes, check.flagged))
        alerts.extend(
            (
                patient_id,
                session_id,
                alert.kind,
                [],
                alert.created_at,
                alert.acknowledged_at,
                therapist_id if alert.acknowledged_at else None,
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
    _insert(HabitCheck, "patient_id habit_id day count", habits)
    return {
        "sessions": len(sessions),
        "entries": len(entries),
        "flagged": sum(1 for session, _p, _t in sessions if session.flag_reasons),
        "alerts": len(alerts),
    }


def _insert(model, columns: str, rows: list[tuple], *, ids: bool = False) -> list[int]:
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
        model.objects.bulk_create(objs, batch_size=ROWS_PER_INSERT)
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
                row: Sequence[Any] = given + defaults
                if json_columns:
                    values = list(row)
                    for column in json_columns:
                        values[column] = Jsonb(values[column])
                    row = values
                copy.write_row((new_ids[index], *row) if ids else row)
    return new_ids


@contextmanager
def _given_timestamps():
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
            field.auto_now_add = False
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


class _Progress:
    """A one-line progress bar on the command's stderr, redrawn in place with a carriage return
    at most twice a second (tqdm is not a dependency)."""

    WIDTH = 30

    def __init__(self, stream, *, total: int, enabled: bool):
        self.stream, self.total, self.enabled = stream, total, enabled
        self.started = self.drawn = time.monotonic()

    def update(self, done: int, sessions: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.drawn < 0.5 and done < self.total):
            return
        self.drawn = now
        share = done / self.total if self.total else 1
        bar = "#" * round(self.WIDTH * share)
        elapsed = now - self.started
        eta = elapsed / share - elapsed if share else 0
        self.stream.write(
            f"\rseed_demo [{bar:<{self.WIDTH}}] {done:,}/{self.total:,} patients, "
            f"{sessions:,} sessions, {elapsed:.0f} s, about {eta:.0f} s left ",
            style_func=str,
            ending="",
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("", style_func=str)  # ends the line
            self.stream.flush()
