"""The URLs that name FHIR extensions and identifiers, shared by export and import."""

import re

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# Identifiers of this product's own extensions; they name, they need not resolve.
EXTENSION_BASE = "https://mtt-ruecken.example/fhir/StructureDefinition/"
OWN_WORDING = EXTENSION_BASE + "questionnaire-own-wording"
STRUCTURE_OF = EXTENSION_BASE + "questionnaire-structure-of"
SCORING = EXTENSION_BASE + "questionnaire-scoring"
SCHEDULE = EXTENSION_BASE + "questionnaire-schedule"
ITEM_REVERSED = EXTENSION_BASE + "item-reversed"
IDENTIFIER_SYSTEM = "urn:mtt-ruecken:questionnaire"

LANGUAGES = ("de", "en")
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
ACTIVE_STATUSES = {"active": True, "draft": False, "retired": False, "unknown": False}
