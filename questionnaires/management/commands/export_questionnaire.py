"""Write questionnaire definitions as FHIR R4 JSON: one slug gives a ``Questionnaire``, several
give a ``Bundle``."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from questionnaires import fhir, selectors
from questionnaires.models import Questionnaire


class Command(BaseCommand):
    help = "Export questionnaires as FHIR R4 Questionnaire JSON (several: a Bundle)."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="+", metavar="slug")
        parser.add_argument("--output", "-o", help="File to write; standard output if omitted.")

    def handle(self, *args, slugs, output=None, **options):
        questionnaires = {
            questionnaire.slug: questionnaire
            for questionnaire in selectors.questionnaires_with_definition(
                Questionnaire.objects.filter(slug__in=slugs)
            )
        }
        unknown = [slug for slug in slugs if slug not in questionnaires]
        if unknown:
            known = ", ".join(Questionnaire.objects.values_list("slug", flat=True)) or "–"
            raise CommandError(f"No questionnaire {', '.join(unknown)}. Known: {known}")
        if len(slugs) == 1:
            data = fhir.questionnaire_to_fhir(questionnaires[slugs[0]])
        else:
            data = fhir.bundle(questionnaires[slug] for slug in slugs)
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(self.style.SUCCESS(f"Wrote {output}"))
        else:
            self.stdout.write(text, ending="")
