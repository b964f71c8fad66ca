"""Questionnaire scores as pure functions: no database, so every rule has plain unit tests.

A definition lists its items with their answer range, which items are reversed, how many answers
may be missing and how the answers become one score:

- ``sum``: the sum of the (reversed where marked) values. With missing answers the mean of the
  answered items stands in for the missing ones, so a score stays comparable with a complete one
  and inside the score range.
- ``percentage_of_max``: points reached over points reachable in the answered items, times 100
  (the ODI 2.1a rule: sum / (5 × sections answered) × 100 for sections scored 0–5).
- ``single_value``: the one item's value (an NRS).

Too many missing answers give no score (``None``) rather than a misleading one.
"""

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

SCORE_PLACES = Decimal("0.01")


class Method(StrEnum):
    SUM = "sum"
    PERCENTAGE_OF_MAX = "percentage_of_max"
    SINGLE_VALUE = "single_value"


@dataclass(frozen=True)
class ItemRule:
    link_id: str
    low: int
    high: int
    reversed: bool = False


@dataclass(frozen=True)
class Band:
    """An interpretation band; a score belongs to the band with the highest ``lower`` not above
    it, so a fractional score between two bands (20.5 between 0–20 and 21–40) counts to the band
    below."""

    code: str
    lower: Decimal
    upper: Decimal
    label_de: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class ScoringDefinition:
    method: str
    items: tuple[ItemRule, ...]
    max_missing: int = 0
    bands: tuple[Band, ...] = field(default=())

    @property
    def score_min(self) -> Decimal:
        return score_range(self)[0]

    @property
    def score_max(self) -> Decimal:
        return score_range(self)[1]

    def band_for(self, value: Decimal | None) -> str | None:
        return band_for(self.bands, value)


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal | None
    band: str | None
    answered: int
    missing: int


def reverse_value(value: int, low: int, high: int) -> int:
    """A reversed item counts the other way round: low ↔ high."""
    return low + high - value


def score_range(definition: ScoringDefinition) -> tuple[Decimal, Decimal]:
    """The lowest and highest score the definition can give."""
    if definition.method == Method.PERCENTAGE_OF_MAX:
        return Decimal(0), Decimal(100)
    if definition.method == Method.SINGLE_VALUE and definition.items:
        item = definition.items[0]
        return Decimal(item.low), Decimal(item.high)
    return (
        Decimal(sum(item.low for item in definition.items)),
        Decimal(sum(item.high for item in definition.items)),
    )


def score(definition: ScoringDefinition, answers: Mapping[str, int | None]) -> ScoreResult:
    """Score one set of answers (link_id → value, ``None`` or absent when not answered).

    Keys that are not items of the definition are ignored; a value outside an item's range is a
    programming error (services validate answers first) and raises ``ValueError``.
    """
    values: list[tuple[ItemRule, int]] = []
    for item in definition.items:
        value = answers.get(item.link_id)
        if value is None:
            continue
        if not item.low <= value <= item.high:
            raise ValueError(f"{item.link_id}: {value} is outside {item.low}–{item.high}")
        values.append((item, reverse_value(value, item.low, item.high) if item.reversed else value))
    answered = len(values)
    missing = len(definition.items) - answered
    if answered == 0 or missing > definition.max_missing:
        return ScoreResult(score=None, band=None, answered=answered, missing=missing)
    result = _quantize(_raw_score(definition, values))
    return ScoreResult(
        score=result, band=band_for(definition.bands, result), answered=answered, missing=missing
    )


def _raw_score(definition: ScoringDefinition, values: list[tuple[ItemRule, int]]) -> Decimal:
    if definition.method == Method.SINGLE_VALUE:
        return Decimal(values[0][1])
    reached = Decimal(sum(value - item.low for item, value in values))
    reachable = Decimal(sum(item.high - item.low for item, _value in values))
    if definition.method == Method.PERCENTAGE_OF_MAX:
        return reached / reachable * 100 if reachable else Decimal(0)
    if definition.method == Method.SUM:
        if len(values) == len(definition.items):
            return Decimal(sum(value for _item, value in values))
        low, _high = score_range(definition)
        reachable_all = sum(item.high - item.low for item in definition.items)
        return low + (reached / reachable * reachable_all if reachable else Decimal(0))
    raise ValueError(f"Unknown scoring method {definition.method!r}")


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def band_for(bands: Iterable[Band], value: Decimal | None) -> str | None:
    """The code of the band a score falls in, ``None`` without a score or a matching band."""
    if value is None:
        return None
    below = [band for band in bands if band.lower <= value]
    if not below:
        return None
    band = max(below, key=lambda band: band.lower)
    return band.code


def validate_definition(definition: ScoringDefinition) -> list[str]:
    """Problems that make a definition unusable, in plain words (empty when it is sound).

    Import rejects a definition with problems; the admin shows them next to the questionnaire.
    """
    problems: list[str] = []
    if definition.method not in set(Method):
        problems.append(_("Unknown scoring method %(method)r.") % {"method": definition.method})
        return problems
    if not definition.items:
        problems.append(_("The questionnaire has no items."))
        return problems
    if definition.method == Method.SINGLE_VALUE and len(definition.items) != 1:
        problems.append(_("Scoring by single value needs exactly one item."))
    problems.extend(
        _("Item %(item)s needs at least two different answer values.") % {"item": item.link_id}
        for item in definition.items
        if item.low >= item.high
    )
    if not 0 <= definition.max_missing < len(definition.items):
        problems.append(
            _("Allowed missing answers must be between 0 and %(most)d.")
            % {"most": len(definition.items) - 1}
        )
    low, high = score_range(definition)
    score_range_text = f"{low}–{high}"
    bands = sorted(definition.bands, key=lambda band: band.lower)
    codes = [band.code for band in bands]
    if len(set(codes)) != len(codes):
        problems.append(_("Band codes must be unique."))
    for band in bands:
        if band.lower > band.upper:
            problems.append(
                _("Band %(band)s: the lower end is above the upper end.") % {"band": band.code}
            )
        if band.lower < low or band.upper > high:
            problems.append(
                _("Band %(band)s lies outside the score range %(range)s.")
                % {"band": band.code, "range": score_range_text}
            )
    for previous, following in itertools.pairwise(bands):
        if following.lower <= previous.upper:
            problems.append(
                _("Bands %(first)s and %(second)s overlap.")
                % {"first": previous.code, "second": following.code}
            )
    if bands and (bands[0].lower != low or bands[-1].upper != high):
        problems.append(
            _("The bands must cover the whole score range %(range)s.") % {"range": score_range_text}
        )
    return problems
