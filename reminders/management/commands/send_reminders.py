"""`manage.py send_reminders [--now ISO-8601] [--dry-run]` (docs/product.md, "Commands";
docs/operations.md).

Runs the beat task's selection at an instant and enqueues what it selects, or lists it. Without
``--now`` it is exactly the beat run (window from the previous run until now), for cron-style
deployments without ``celery beat``; with ``--now`` the window is the
``REMINDER_WINDOW_MINUTES`` before that instant. The listing shows record ids and patient ids,
never names or addresses.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from reminders import selectors, services


class Command(BaseCommand):
    help = "Select the reminders due at an instant and enqueue them (or list them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="ISO-8601 instant, e.g. 2026-03-30T18:00+02:00 (no offset: TIME_ZONE).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; change nothing."
        )

    def handle(self, *args, now=None, dry_run=False, **options):
        instant = self._instant(now) if now else timezone.now()
        if now:
            start = instant - timedelta(minutes=settings.REMINDER_WINDOW_MINUTES)
        else:
            start, instant = services.run_window(now=instant)
        if dry_run:
            due = selectors.due_reminders(start=start, end=instant)
            self.stdout.write(f"window {start.isoformat()} – {instant.isoformat()}")
            for reminder in sorted(due, key=lambda r: (r.kind, r.day, r.patient_id)):
                self.stdout.write(f"{reminder.kind}\t{reminder.day}\tpatient {reminder.patient_id}")
            self.stdout.write(f"{len(due)} reminder(s) due (dry run: nothing written or sent)")
            return
        with transaction.atomic():
            result = services.reminders_run(now=instant, start=start, record=not now)
        self.stdout.write(
            f"window {result.window_start.isoformat()} – {result.window_end.isoformat()}: "
            f"{result.selected} due, {result.created} new, {result.requeued} re-enqueued, "
            f"{result.digests} digest(s)"
        )

    def _instant(self, value: str):
        instant = parse_datetime(value)
        if instant is None:
            raise CommandError(f"--now: not an ISO-8601 date and time: {value!r}")
        if timezone.is_naive(instant):
            instant = instant.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
        return instant
