"""Questionnaire definitions → FHIR R4 JSON (see the package docstring for the mapping)."""

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings

from questionnaires.fhir.codes import (
    IDENTIFIER_SYSTEM,
    ITEM_REVERSED,
    ORDINAL_VALUE,
    OWN_WORDING,
    SCHEDULE,
    SCORING,
    STRUCTURE_OF,
    TRANSLATION,
)
from questionnaires.models import Item, Questionnaire


def canonical_url(questionnaire: Questionnaire) -> str:
    return questionnaire.url or f"{settings.SITE_URL}/fhir/Questionnaire/{questionnaire.slug}"


def questionnaire_to_fhir(questionnaire: Questionnaire) -> dict[str, Any]:
    """One questionnaire as a FHIR R4 resource (prefetch items, options and bands with
    ``selectors.questionnaires_with_definition``)."""
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": questionnaire.slug.replace("_", "-")[:64],
        "url": canonical_url(questionnaire),
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": questionnaire.slug}],
    }
    if questionnaire.version:
        resource["version"] = questionnaire.version
    resource["name"] = "".join(part.capitalize() for part in re.split(r"[-_]", questionnaire.slug))
    _put_text(resource, "title", questionnaire.title_de, questionnaire.title_en)
    resource["status"] = "active" if questionnaire.is_active else "retired"
    resource["language"] = "de"
    _put_text(resource, "description", questionnaire.description_de, questionnaire.description_en)
    resource["extension"] = _questionnaire_extensions(questionnaire)
    resource["item"] = [_item_to_fhir(item) for item in questionnaire.items.all()]
    return resource


def bundle(questionnaires: Iterable[Questionnaire]) -> dict[str, Any]:
    """Several questionnaires as one FHIR ``Bundle`` of type collection."""
    entries = []
    for questionnaire in questionnaires:
        resource = questionnaire_to_fhir(questionnaire)
        entries.append({"fullUrl": resource["url"], "resource": resource})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _questionnaire_extensions(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    extensions: list[dict[str, Any]] = [
        {"url": OWN_WORDING, "valueBoolean": questionnaire.own_wording}
    ]
    if questionnaire.structure_of:
        extensions.append({"url": STRUCTURE_OF, "valueString": questionnaire.structure_of})
    scoring = [
        {"url": "method", "valueCode": questionnaire.scoring_method},
        {"url": "maxMissing", "valueInteger": questionnaire.max_missing},
        {"url": "higherIsWorse", "valueBoolean": questionnaire.higher_is_worse},
    ]
    for band in questionnaire.bands.all():
        parts = [
            {"url": "code", "valueCode": band.code},
            {"url": "lower", "valueDecimal": _json_number(band.lower)},
            {"url": "upper", "valueDecimal": _json_number(band.upper)},
        ]
        label: dict[str, Any] = {"url": "label"}
        _put_text(label, "valueString", band.label_de, band.label_en)
        parts.append(label)
        scoring.append({"url": "band", "extension": parts})
    extensions.append({"url": SCORING, "extension": scoring})
    schedule = [{"url": "week", "valueInteger": week} for week in questionnaire.schedule_weeks]
    schedule.append({"url": "windowDays", "valueInteger": questionnaire.due_window_days})
    extensions.append({"url": SCHEDULE, "extension": schedule})
    return extensions


def _item_to_fhir(item: Item) -> dict[str, Any]:
    element: dict[str, Any] = {"linkId": item.link_id}
    _put_text(element, "text", item.text_de, item.text_en)
    element["type"] = "choice"
    element["required"] = item.required
    if item.reversed:
        element["extension"] = [{"url": ITEM_REVERSED, "valueBoolean": True}]
    options = []
    for option in item.options.all():
        coding: dict[str, Any] = {}
        if option.system:
            coding["system"] = option.system
        coding["code"] = option.code or str(option.value)
        _put_text(coding, "display", option.text_de, option.text_en)
        coding["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.value}]
        options.append({"valueCoding": coding})
    element["answerOption"] = options
    return element


def _put_text(element: dict[str, Any], key: str, german: str, english: str) -> None:
    """Write a German text and its English translation; FHIR forbids empty strings."""
    if german:
        element[key] = german
    if english:
        element[f"_{key}"] = {
            "extension": [
                {
                    "url": TRANSLATION,
                    "extension": [
                        {"url": "lang", "valueCode": "en"},
                        {"url": "content", "valueString": english},
                    ],
                }
            ]
        }


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
