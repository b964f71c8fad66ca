"""``manage.py seed_demo``: a demo practice or scale data (docs/product.md, "Demo and scale data").

Therapists ``therapist1…`` and patients ``patient1…`` with weeks of session logs, planned by
``tools.demo.plans`` and written in batches of patients by ``tools.demo.writer``: one
transaction and one bulk insert per table and batch (``COPY`` on PostgreSQL, ``bulk_create``
elsewhere), so ten thousand patients load in minutes and a failed batch leaves no half-made
patient; ``ANALYZE`` afterwards gives the planner the new table sizes. A patient whose
``Patient`` row exists is never touched again: a second run adds only what is missing.

Passwords are hashed once per run and the hash is reused for every user: hashing is deliberately
slow, and ten thousand hashes would take longer than the rest of the run.
"""

import functools
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from django.utils import timezone

from patients import services
from patients.models import Patient
from programs.models import Program
from tools.demo import plans as demo
from tools.demo.writer import (
    FILLED_MODELS,
    ROWS_PER_INSERT,
    analyze,
    given_timestamps,
    write_patients,
)

PROGRAM_SLUG = "master"
THERAPIST_GROUP = "Therapeut"
DEMO_USERNAME = r"^(therapist|patient)[0-9]+$"
PATIENTS_PER_BATCH = 500
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
        if numbers or new_therapists:
            analyze([user_model, *FILLED_MODELS])

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
        with given_timestamps(), ThreadPoolExecutor(max_workers=1) as planner:
            upcoming = planner.submit(plan_batch, batches[0]) if batches else None
            for index in range(len(batches)):
                plans = upcoming.result()
                if index + 1 < len(batches):
                    upcoming = planner.submit(plan_batch, batches[index + 1])
                with transaction.atomic():
                    written = write_patients(plans, **context)
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
