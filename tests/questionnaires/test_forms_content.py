"""The own-worded forms loaded by ``questionnaires.0002_load_own_worded_forms``: the structure
and scoring of NRS (one-week recall), ODI 2.1a and TSK-11, labelled as own wording."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from questionnaires import scoring, selectors
from questionnaires.models import Item, Questionnaire

pytestmark = pytest.mark.django_db

STRUCTURE = {
    # slug: (items, option values, method, allowed missing)
    "nrs-pain-week": (1, list(range(11)), "single_value", 0),
    "disability-index": (10, [0, 1, 2, 3, 4, 5], "percentage_of_max", 2),
    "fear-of-movement": (11, [1, 2, 3, 4], "sum", 1),
}


@pytest.mark.parametrize("slug", STRUCTURE)
def test_each_form_has_the_structure_and_scoring_of_its_instrument(slug):
    item_count, values, method, max_missing = STRUCTURE[slug]
    questionnaire = selectors.questionnaires_with_definition().get(slug=slug)
    items = list(questionnaire.items.all())

    assert len(items) == item_count
    for item in items:
        assert [option.value for option in item.options.all()] == values
        assert item.text_de and item.text_en
        assert all(option.text_de and option.text_en for option in item.options.all())
        assert not item.reversed
    assert questionnaire.scoring_method == method
    assert questionnaire.max_missing == max_missing
    assert questionnaire.schedule_weeks == [0, 4, 12]
    assert questionnaire.is_active
    assert scoring.validate_definition(selectors.scoring_definition(questionnaire)) == []


def test_the_score_ranges_are_those_of_the_instruments():
    ranges = {
        questionnaire.slug: scoring.score_range(selectors.scoring_definition(questionnaire))
        for questionnaire in selectors.questionnaires_with_definition()
    }

    assert ranges["nrs-pain-week"] == (0, 10)
    assert ranges["disability-index"] == (0, 100)
    assert ranges["fear-of-movement"] == (11, 44)


def test_the_disability_bands_cover_0_to_100_in_steps_of_20():
    odi = Questionnaire.objects.get(slug="disability-index")

    bands = [(band.code, band.lower, band.upper) for band in odi.bands.all()]

    assert bands == [
        ("minimal", 0, 20),
        ("moderate", 21, 40),
        ("severe", 41, 60),
        ("very-severe", 61, 80),
        ("extreme", 81, 100),
    ]
    assert all(isinstance(lower, Decimal) for _code, lower, _upper in bands)


def test_the_disability_index_covers_the_ten_odi_areas():
    odi = Questionnaire.objects.get(slug="disability-index")

    assert list(odi.items.values_list("link_id", flat=True)) == [
        "pain",
        "personal-care",
        "lifting",
        "walking",
        "sitting",
        "standing",
        "sleeping",
        "sex-life",
        "social-life",
        "travelling",
    ]


@pytest.mark.parametrize("slug", STRUCTURE)
def test_every_form_is_labelled_as_own_wording(slug):
    questionnaire = Questionnaire.objects.get(slug=slug)

    with translation.override("en"):
        note = questionnaire.own_wording_note

    assert questionnaire.own_wording
    assert "Own-worded form" in note
    assert "not the licensed original" in note
    assert questionnaire.structure_of in note
    assert "own wording" in questionnaire.description_en.lower()
    assert "Eigene Formulierung" in questionnaire.description_de


def test_the_nrs_asks_for_the_average_of_the_last_week():
    item = Questionnaire.objects.get(slug="nrs-pain-week").items.get()

    assert "7 days" in item.text_en
    assert "7 Tagen" in item.text_de
    assert item.required


def test_the_forms_migration_reverses_and_reapplies():
    call_command("migrate", "questionnaires", "0001_questionnaires", verbosity=0)
    assert not Questionnaire.objects.exists()

    call_command("migrate", "questionnaires", verbosity=0)

    assert set(Questionnaire.objects.values_list("slug", flat=True)) == set(STRUCTURE)
    assert Item.objects.filter(questionnaire__slug="disability-index").count() == 10
