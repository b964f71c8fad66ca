"""Load questionnaire definitions from FHIR R4 JSON (a ``Questionnaire`` or a ``Bundle``),
creating or updating them by canonical URL or slug — for instance a licensed original."""

import json
import sys
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from questionnaires import services


class Command(BaseCommand):
    help = "Import FHIR R4 Questionnaire JSON (a Questionnaire or a Bundle of them)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON file; - reads standard input.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything, then write nothing."
        )

    def handle(self, *args, file, dry_run=False, **options):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from error
        try:
            results = services.questionnaires_import_fhir(data=data, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(
                "Nothing imported:\n" + "\n".join(f"  - {message}" for message in error.messages)
            ) from error
        for result in results:
            verb = "create" if result.created else "update"
            verb = f"Would {verb}" if dry_run else f"{verb.capitalize()}d"
            self.stdout.write(f"{verb} {result.questionnaire.slug} ({result.item_count} items)")
            for warning in result.warnings:
                self.stdout.write(self.style.WARNING(f"  {warning}"))
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
