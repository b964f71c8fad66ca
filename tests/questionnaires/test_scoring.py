"""The scoring rules as pure functions: worked examples and properties that must hold for any
definition and any answers."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from questionnaires.scoring import (
    Band,
    ItemRule,
    Method,
    ScoringDefinition,
    band_for,
    reverse_value,
    score,
    score_range,
    validate_definition,
)

ODI = ScoringDefinition(
    method=Method.PERCENTAGE_OF_MAX,
    items=tuple(ItemRule(f"s{number}", 0, 5) for number in range(1, 11)),
    max_missing=2,
    bands=(
        Band("minimal", Decimal(0), Decimal(20)),
        Band("moderate", Decimal(21), Decimal(40)),
        Band("severe", Decimal(41), Decimal(60)),
        Band("very-severe", Decimal(61), Decimal(80)),
        Band("extreme", Decimal(81), Decimal(100)),
    ),
)
TSK = ScoringDefinition(
    method=Method.SUM,
    items=tuple(ItemRule(f"t{number}", 1, 4) for number in range(1, 12)),
    max_missing=1,
)
NRS = ScoringDefinition(
    method=Method.SINGLE_VALUE,
    items=(ItemRule("pain", 0, 10),),
    bands=(
        Band("none", Decimal(0), Decimal(0)),
        Band("mild", Decimal(1), Decimal(3)),
        Band("moderate", Decimal(4), Decimal(6)),
        Band("severe", Decimal(7), Decimal(10)),
    ),
)


def _all(definition, value):
    return {item.link_id: value for item in definition.items}


def test_odi_is_the_percentage_of_the_answered_sections():
    answers = _all(ODI, 2)

    result = score(ODI, answers)

    assert result.score == Decimal("40.00")
    assert result.band == "moderate"
    assert (result.answered, result.missing) == (10, 0)


def test_odi_scores_from_the_answered_sections_when_some_are_skipped():
    answers = _all(ODI, 3) | {"s8": None}
    del answers["s9"]

    result = score(ODI, answers)

    # 8 sections × 3 points = 24 of 40 reachable points
    assert result.score == Decimal("60.00")
    assert result.band == "severe"
    assert (result.answered, result.missing) == (8, 2)


def test_odi_gives_no_score_with_too_many_missing_sections():
    answers = _all(ODI, 1) | {"s1": None, "s2": None, "s3": None}

    result = score(ODI, answers)

    assert result.score is None
    assert result.band is None
    assert result.missing == 3


def test_a_fractional_percentage_is_rounded_to_two_places():
    answers = {"s1": 5, "s2": 5} | {f"s{number}": 0 for number in range(3, 10)}

    result = score(ODI, answers)

    # 10 of 45 reachable points (s10 skipped)
    assert result.score == Decimal("22.22")
    assert result.band == "moderate"


def test_a_score_between_two_bands_counts_to_the_band_below():
    assert band_for(ODI.bands, Decimal("20.5")) == "minimal"
    assert band_for(ODI.bands, Decimal(21)) == "moderate"
    assert band_for(ODI.bands, None) is None
    assert band_for(ODI.bands, Decimal(-1)) is None


def test_tsk_sums_and_fills_one_missing_item_with_the_mean():
    complete = _all(TSK, 3)
    one_missing = complete | {"t5": None}

    assert score(TSK, complete).score == Decimal(33)
    assert score(TSK, one_missing).score == Decimal(33)
    assert score(TSK, one_missing | {"t6": None}).score is None
    assert score_range(TSK) == (Decimal(11), Decimal(44))


def test_reversed_items_count_the_other_way_round():
    definition = ScoringDefinition(
        method=Method.SUM, items=(ItemRule("a", 1, 4), ItemRule("b", 1, 4, reversed=True))
    )

    assert score(definition, {"a": 4, "b": 1}).score == Decimal(8)
    assert score(definition, {"a": 1, "b": 4}).score == Decimal(2)


def test_nrs_is_the_single_value_and_its_band():
    assert score(NRS, {"pain": 0}).band == "none"
    assert score(NRS, {"pain": 5}) == score(NRS, {"pain": 5, "unknown": 3})
    assert score(NRS, {"pain": 5}).score == Decimal(5)
    assert score(NRS, {"pain": 8}).band == "severe"
    assert score(NRS, {}).score is None


def test_a_value_outside_the_item_range_is_a_programming_error():
    with pytest.raises(ValueError, match="pain"):
        score(NRS, {"pain": 11})


@pytest.mark.parametrize("definition", [ODI, TSK, NRS], ids=["odi", "tsk", "nrs"])
def test_the_reference_definitions_are_sound(definition):
    assert validate_definition(definition) == []


def test_validation_names_the_problems():
    definition = ScoringDefinition(
        method=Method.SINGLE_VALUE,
        items=(ItemRule("a", 0, 0), ItemRule("b", 0, 3)),
        max_missing=2,
        bands=(Band("x", Decimal(0), Decimal(5)), Band("x", Decimal(4), Decimal(9))),
    )

    with translation.override("en"):
        problems = " ".join(validate_definition(definition))

    assert "exactly one item" in problems
    assert "Item a needs at least two" in problems
    assert "missing answers" in problems
    assert "unique" in problems
    assert "overlap" in problems


# --- Properties ---------------------------------------------------------------------------------


@st.composite
def definitions(draw):
    method = draw(st.sampled_from(list(Method)))
    count = 1 if method == Method.SINGLE_VALUE else draw(st.integers(1, 12))
    items = []
    for number in range(count):
        low = draw(st.integers(-3, 3))
        high = draw(st.integers(low + 1, low + 10))
        items.append(ItemRule(f"i{number}", low, high, reversed=draw(st.booleans())))
    max_missing = draw(st.integers(0, count - 1))
    return ScoringDefinition(method=method, items=tuple(items), max_missing=max_missing)


@st.composite
def definitions_with_answers(draw):
    definition = draw(definitions())
    answers = {
        item.link_id: draw(st.none() | st.integers(item.low, item.high))
        for item in definition.items
    }
    return definition, answers


@given(definitions_with_answers())
def test_a_score_is_always_within_the_score_range(case):
    definition, answers = case

    result = score(definition, answers)

    assert result.answered + result.missing == len(definition.items)
    if result.score is not None:
        low, high = score_range(definition)
        assert low <= result.score <= high
        assert result.missing <= definition.max_missing


@given(st.integers(-100, 100), st.integers(0, 50), st.data())
def test_reversing_twice_is_the_identity(low, width, data):
    high = low + width
    value = data.draw(st.integers(low, high))

    assert reverse_value(reverse_value(value, low, high), low, high) == value
    assert low <= reverse_value(value, low, high) <= high


@given(st.integers(0, 2), st.data())
def test_odi_all_zero_is_0_and_all_max_is_100_whatever_is_skipped(skipped, data):
    skip = data.draw(st.sets(st.sampled_from([item.link_id for item in ODI.items]), max_size=2))
    skip = set(list(skip)[:skipped])

    zeros = {link_id: None if link_id in skip else 0 for link_id in _all(ODI, 0)}
    fives = {link_id: None if link_id in skip else 5 for link_id in _all(ODI, 5)}

    assert score(ODI, zeros).score == 0
    assert score(ODI, zeros).band == "minimal"
    assert score(ODI, fives).score == 100
    assert score(ODI, fives).band == "extreme"


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_every_odi_score_has_a_band(value):
    assert band_for(ODI.bands, value) is not None
