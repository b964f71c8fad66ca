"""FHIR R4 ``Questionnaire`` JSON in and out, so a practice can load the licensed originals and
exchange definitions with other systems.

Mapping (German is the resource language; English travels as a translation):

- ``url``, ``identifier`` (slug), ``version``, ``name``, ``title``, ``description``, ``status``
  (active ↔ in use), ``language``;
- each item: ``linkId``, ``text``, ``type: "choice"``, ``required``; each answer option a
  ``valueCoding`` with ``code``, ``display`` and the points in the standard ``ordinalValue``
  extension;
- English texts in the standard ``translation`` extension on ``_title``, ``_text``, ``_display``…;
- what FHIR has no element for (scoring rule, bands, schedule, reversed items, the own-wording
  note) in extensions of this product, under ``EXTENSION_BASE``. Files without them import with
  plain-sum scoring that a therapist can then adjust in the admin.
"""

from questionnaires.fhir.export import bundle, canonical_url, questionnaire_to_fhir
from questionnaires.fhir.parse import (
    BandSpec,
    ItemSpec,
    OptionSpec,
    QuestionnaireSpec,
    ScheduleSpec,
    ScoringSpec,
    parse,
)

__all__ = [
    "BandSpec",
    "ItemSpec",
    "OptionSpec",
    "QuestionnaireSpec",
    "ScheduleSpec",
    "ScoringSpec",
    "bundle",
    "canonical_url",
    "parse",
    "questionnaire_to_fhir",
]
