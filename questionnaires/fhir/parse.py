"""FHIR R4 JSON → questionnaire definitions, checking the structure and collecting every problem
with where it is, so one upload shows all of them. Writing is ``services.questionnaire_import``."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.text import slugify
from django.utils.translation import gettext as _

from questionnaires.fhir.codes import (
    ACTIVE_STATUSES,
    FHIR_ID,
    IDENTIFIER_SYSTEM,
    ITEM_REVERSED,
    LANGUAGES,
    ORDINAL_VALUE,
    OWN_WORDING,
    SCHEDULE,
    SCORING,
    STRUCTURE_OF,
    TRANSLATION,
)
from questionnaires.scoring import Method


@dataclass
class OptionSpec:
    value: int
    code: str
    system: str
    text_de: str
    text_en: str


@dataclass
class ItemSpec:
    link_id: str
    text_de: str
    text_en: str
    required: bool
    reversed: bool
    options: list[OptionSpec]


@dataclass
class BandSpec:
    code: str
    lower: Decimal
    upper: Decimal
    label_de: str
    label_en: str


@dataclass
class ScoringSpec:
    method: str
    max_missing: int
    higher_is_worse: bool
    bands: list[BandSpec]


@dataclass
class ScheduleSpec:
    weeks: list[int]
    window_days: int


@dataclass
class QuestionnaireSpec:
    """A parsed definition, ready for ``services.questionnaire_import``."""

    slug: str
    url: str
    version: str
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    is_active: bool
    own_wording: bool
    structure_of: str
    items: list[ItemSpec]
    scoring: ScoringSpec | None = None
    schedule: ScheduleSpec | None = None
    warnings: list[str] = field(default_factory=list)


class _Errors:
    """Collects every problem of a file with where it is, so one upload shows all of them."""

    def __init__(self):
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where}: {message}" if where else message)


def parse(data: Any) -> list[QuestionnaireSpec]:
    """The questionnaires of a FHIR R4 ``Questionnaire`` or ``Bundle`` of them.

    Raises ``ValidationError`` listing every problem found.
    """
    errors = _Errors()
    if not isinstance(data, dict):
        raise ValidationError(_("The file must contain a JSON object (a FHIR resource)."))
    resource_type = data.get("resourceType")
    if resource_type == "Bundle":
        entries = data.get("entry")
        if not isinstance(entries, list) or not entries:
            raise ValidationError(_("The Bundle has no entries."))
        resources = []
        for index, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict) or resource.get("resourceType") != "Questionnaire":
                errors.add(f"entry[{index}]", _("is not a Questionnaire resource."))
            else:
                resources.append((f"entry[{index}]", resource))
    elif resource_type == "Questionnaire":
        resources = [("", data)]
    else:
        raise ValidationError(
            _('Expected resourceType "Questionnaire" or "Bundle", got %(type)r.')
            % {"type": resource_type}
        )
    specs = [_parse_questionnaire(resource, where, errors) for where, resource in resources]
    if errors.messages:
        raise ValidationError(errors.messages)
    return specs


def _parse_questionnaire(resource: dict, where: str, errors: _Errors) -> QuestionnaireSpec:
    def at(path: str) -> str:
        return f"{where}.{path}" if where else path

    warnings: list[str] = []
    language = _string(resource.get("language")) or "de"
    language = language[:2].lower()
    if language not in LANGUAGES:
        errors.add(at("language"), _("only German (de) and English (en) are supported."))
        language = "de"

    title = _texts(resource, "title", language)
    if not any(title.values()):
        errors.add(at("title"), _("a title is required."))
    description = _texts(resource, "description", language)
    slug = _slug_of(resource)
    if not slug:
        errors.add(
            where or "Questionnaire",
            _("cannot tell the slug: give an identifier, id, name or title."),
        )
    else:
        try:
            validate_slug(slug)
        except ValidationError:
            errors.add(at("identifier"), _("%(slug)r is not a valid slug.") % {"slug": slug})

    status = _string(resource.get("status")) or "active"
    if status not in ACTIVE_STATUSES:
        errors.add(at("status"), _("unknown status %(status)r.") % {"status": status})

    extensions = _extensions(resource)
    items = _parse_items(resource.get("item"), at("item"), language, errors, warnings)
    spec = QuestionnaireSpec(
        slug=slug,
        url=_string(resource.get("url")),
        version=_string(resource.get("version")),
        title_de=title["de"] or title["en"],
        title_en=title["en"],
        description_de=description["de"] or description["en"],
        description_en=description["en"],
        is_active=ACTIVE_STATUSES.get(status, False),
        own_wording=_boolean(extensions.get(OWN_WORDING, {}).get("valueBoolean", False)),
        structure_of=_string(extensions.get(STRUCTURE_OF, {}).get("valueString")),
        items=items,
        warnings=warnings,
    )
    if not title["de"] and title["en"]:
        warnings.append(_("No German title: the English one is used for both."))
    if SCORING in extensions:
        spec.scoring = _parse_scoring(
            extensions[SCORING], at("extension[scoring]"), language, errors
        )
    if SCHEDULE in extensions:
        spec.schedule = _parse_schedule(extensions[SCHEDULE], at("extension[schedule]"), errors)
    return spec


def _parse_items(
    elements: Any, where: str, language: str, errors: _Errors, warnings: list[str]
) -> list[ItemSpec]:
    if not isinstance(elements, list) or not elements:
        errors.add(where, _("the questionnaire needs at least one item."))
        return []
    items: list[ItemSpec] = []
    seen: set[str] = set()
    for index, element in enumerate(elements):
        at = f"{where}[{index}]"
        if not isinstance(element, dict):
            errors.add(at, _("must be an object."))
            continue
        link_id = _string(element.get("linkId"))
        if not link_id:
            errors.add(at, _("linkId is required."))
        elif link_id in seen:
            errors.add(at, _("linkId %(link_id)r is used twice.") % {"link_id": link_id})
        seen.add(link_id)
        if element.get("type") != "choice":
            errors.add(
                at,
                _('type %(type)r is not supported; items must be of type "choice".')
                % {"type": element.get("type")},
            )
        text = _texts(element, "text", language)
        if not any(text.values()):
            errors.add(at, _("text is required."))
        elif not text["de"]:
            warnings.append(
                _("Item %(link_id)s has no German text: the English one is used for both.")
                % {"link_id": link_id}
            )
        item_extensions = _extensions(element)
        items.append(
            ItemSpec(
                link_id=link_id,
                text_de=text["de"] or text["en"],
                text_en=text["en"],
                required=_boolean(element.get("required", False)),
                reversed=_boolean(item_extensions.get(ITEM_REVERSED, {}).get("valueBoolean")),
                options=_parse_options(element.get("answerOption"), at, language, errors),
            )
        )
    return items


def _parse_options(elements: Any, where: str, language: str, errors: _Errors) -> list[OptionSpec]:
    if not isinstance(elements, list) or not elements:
        errors.add(where, _("answerOption must list the possible answers."))
        return []
    options: list[OptionSpec] = []
    for index, element in enumerate(elements):
        at = f"{where}.answerOption[{index}]"
        coding = element.get("valueCoding") if isinstance(element, dict) else None
        if not isinstance(coding, dict):
            errors.add(at, _("only valueCoding answer options are supported."))
            continue
        code = _string(coding.get("code"))
        ordinal = _extensions(coding).get(ORDINAL_VALUE) or _extensions(element).get(ORDINAL_VALUE)
        raw = ordinal.get("valueDecimal") if ordinal else code
        value = _whole_number(raw)
        if value is None:
            errors.add(
                at,
                _(
                    "needs its points as a whole number in the ordinalValue extension "
                    "(or a whole-number code)."
                ),
            )
            continue
        if value in {option.value for option in options}:
            errors.add(at, _("the value %(value)d is used twice.") % {"value": value})
        text = _texts(coding, "display", language)
        options.append(
            OptionSpec(
                value=value,
                code="" if code == str(value) else code,
                system=_string(coding.get("system")),
                text_de=text["de"] or text["en"] or str(value),
                text_en=text["en"],
            )
        )
    return options


def _parse_scoring(
    extension: dict, where: str, language: str, errors: _Errors
) -> ScoringSpec | None:
    parts = _extension_list(extension)
    if not parts:
        errors.add(where, _("must contain sub-extensions."))
        return None
    method = _string(_first(parts, "method").get("valueCode"))
    if method not in set(Method):
        errors.add(where, _("unknown scoring method %(method)r.") % {"method": method})
        method = Method.SUM
    max_missing = _whole_number(_first(parts, "maxMissing").get("valueInteger", 0))
    if max_missing is None or max_missing < 0:
        errors.add(where, _("maxMissing must be a whole number ≥ 0."))
        max_missing = 0
    bands: list[BandSpec] = []
    for index, band in enumerate(part for part in parts if part.get("url") == "band"):
        band_parts = _extension_list(band)
        lower = _decimal(_first(band_parts, "lower").get("valueDecimal"))
        upper = _decimal(_first(band_parts, "upper").get("valueDecimal"))
        code = _string(_first(band_parts, "code").get("valueCode"))
        if not code or lower is None or upper is None:
            errors.add(f"{where}.band[{index}]", _("needs code, lower and upper."))
            continue
        label = _texts(_first(band_parts, "label"), "valueString", language)
        bands.append(
            BandSpec(
                code=code,
                lower=lower,
                upper=upper,
                label_de=label["de"] or label["en"] or code,
                label_en=label["en"],
            )
        )
    return ScoringSpec(
        method=str(method),
        max_missing=max_missing,
        higher_is_worse=_boolean(_first(parts, "higherIsWorse").get("valueBoolean", True)),
        bands=bands,
    )


def _parse_schedule(extension: dict, where: str, errors: _Errors) -> ScheduleSpec | None:
    parts = _extension_list(extension)
    if not parts:
        errors.add(where, _("must contain sub-extensions."))
        return None
    weeks = [_whole_number(part.get("valueInteger")) for part in parts if part.get("url") == "week"]
    window = _whole_number(_first(parts, "windowDays").get("valueInteger", 14))
    if any(week is None for week in weeks) or window is None:
        errors.add(where, _("weeks and windowDays must be whole numbers."))
        return None
    return ScheduleSpec(weeks=[week for week in weeks if week is not None], window_days=window)


def _slug_of(resource: dict) -> str:
    for identifier in resource.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("system") == IDENTIFIER_SYSTEM:
            return _string(identifier.get("value"))
    resource_id = _string(resource.get("id"))
    if resource_id and FHIR_ID.match(resource_id):
        return slugify(resource_id)
    name = _string(resource.get("name"))
    if name:
        return slugify(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name))
    return slugify(_string(resource.get("title")))[:50]


def _texts(element: dict, key: str, language: str) -> dict[str, str]:
    """German and English text of an element: the primary text in the resource language plus
    translations from the ``translation`` extension on ``_key``."""
    texts = {"de": "", "en": ""}
    if not isinstance(element, dict):
        return texts
    texts[language] = _string(element.get(key))
    primitive = element.get(f"_{key}")
    for extension in _extension_list(primitive):
        if extension.get("url") != TRANSLATION:
            continue
        parts = _extension_list(extension)
        lang = _string(_first(parts, "lang").get("valueCode"))[:2].lower()
        content = _string(_first(parts, "content").get("valueString"))
        if lang in texts and lang != language and content:
            texts[lang] = content
    return texts


def _extension_list(element: Any) -> list[dict]:
    if not isinstance(element, dict) or not isinstance(element.get("extension"), list):
        return []
    return [extension for extension in element["extension"] if isinstance(extension, dict)]


def _extensions(element: Any) -> dict[str, dict]:
    return {
        extension["url"]: extension
        for extension in _extension_list(element)
        if isinstance(extension.get("url"), str)
    }


def _first(parts: list, url: str) -> dict:
    for part in parts:
        if isinstance(part, dict) and part.get("url") == url:
            return part
    return {}


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _boolean(value: Any) -> bool:
    return value is True


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _whole_number(value: Any) -> int | None:
    number = _decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)
