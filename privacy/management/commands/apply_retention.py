"""``manage.py apply_retention [--dry-run] [--days N]``: the nightly retention run by hand.

Erases (``privacy.services.patient_erase``) every patient without any activity for
``RETENTION_DAYS`` days and drops reminder delivery records, reminder runs and dead API tokens
older than ``RETENTION_DELIVERY_DAYS``. ``--dry-run`` lists what it would do and changes
nothing. Patients are named by id only: the output may end up in a log.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy import rules, selectors, services


class Command(BaseCommand):
    help = "Erase patients past the retention period and drop old housekeeping records."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be erased; change nothing."
        )
        parser.add_argument(
            "--days",
            type=int,
            help=f"Retention in days (default RETENTION_DAYS, now {settings.RETENTION_DAYS}; "
            "0: erase no patients).",
        )

    def handle(self, *args, dry_run=False, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        days = settings.RETENTION_DAYS if days is None else days
        now = timezone.now()
        cutoff = rules.retention_cutoff(now=now, days=days)
        if cutoff is None:
            self.stdout.write("Patient retention is switched off (0 days).")
        else:
            self.stdout.write(f"Erasing patients without activity since {cutoff:%Y-%m-%d}.")
        if dry_run:
            ids = (
                []
                if cutoff is None
                else list(
                    selectors.patients_past_retention(cutoff=cutoff).values_list("pk", flat=True)
                )
            )
            for patient_id in ids:
                self.stdout.write(f"would erase patient {patient_id}")
            counts = services.housekeeping(
                now=now, days=settings.RETENTION_DELIVERY_DAYS, dry_run=True
            )
            self.stdout.write(
                f"{len(ids)} patient(s) would be erased; would drop {self._counts(counts)} "
                "(dry run: nothing changed)"
            )
            return
        progress = _Progress(self.stderr, enabled=self.stderr.isatty() or options["verbosity"] > 1)
        result = services.retention_apply(now=now, days=days, progress=progress.update)
        progress.finish()
        counts = {
            "deliveries": result.deliveries,
            "digests": result.digests,
            "runs": result.runs,
            "tokens": result.tokens,
        }
        self.stdout.write(f"{result.erased} patient(s) erased; dropped {self._counts(counts)}")

    @staticmethod
    def _counts(counts: dict[str, int]) -> str:
        return (
            f"{counts['deliveries']} delivery record(s), {counts['digests']} digest(s), "
            f"{counts['runs']} reminder run(s), {counts['tokens']} dead token(s)"
        )


class _Progress:
    """``erased 120/4,000 patients`` on stderr, redrawn at most twice a second."""

    def __init__(self, stream, *, enabled: bool):
        self.stream, self.enabled, self.drawn = stream, enabled, 0.0

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.drawn < 0.5 and done < total):
            return
        self.drawn = now
        self.stream.write(f"\rerased {done:,}/{total:,} patients ", ending="")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("")
