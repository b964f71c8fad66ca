"""FHIR R4 Questionnaire export and import: a round trip keeps the definition, bad files are
refused with messages that say where the problem is, and nothing is written then."""

import copy
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires import fhir, selectors
from questionnaires.fhir.codes import ORDINAL_VALUE, TRANSLATION
from questionnaires.models import Item, Questionnaire, ScoreBand
from questionnaires.services import questionnaires_import_fhir, response_submit

pytestmark = pytest.mark.django_db

SLUGS = ["nrs-pain-week", "disability-index", "fear-of-movement"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def reference(django_db_setup, django_db_blocker):
    """The exported disability index, read once for the property test."""
    with django_db_blocker.unblock():
        return _export("disability-index")


def _export(slug):
    return fhir.questionnaire_to_fhir(selectors.questionnaires_with_definition().get(slug=slug))


def _definition(slug):
    """Everything that defines a questionnaire, without database ids and timestamps."""
    questionnaire = selectors.questionnaires_with_definition().get(slug=slug)
    fields = [
        "slug",
        "version",
        "title_de",
        "title_en",
        "description_de",
        "description_en",
        "own_wording",
        "structure_of",
        "scoring_method",
        "max_missing",
        "higher_is_worse",
        "schedule_weeks",
        "due_window_days",
        "is_active",
    ]
    return {
        **{name: getattr(questionnaire, name) for name in fields},
        "items": [
            (
                item.link_id,
                item.order,
                item.text_de,
                item.text_en,
                item.reversed,
                item.required,
                [
                    (option.value, option.code, option.system, option.text_de, option.text_en)
                    for option in item.options.all()
                ],
            )
            for item in questionnaire.items.all()
        ],
        "bands": [
            (band.code, band.lower, band.upper, band.label_de, band.label_en)
            for band in questionnaire.bands.all()
        ],
    }


def test_export_is_a_fhir_r4_questionnaire():
    resource = _export("disability-index")

    assert resource["resourceType"] == "Questionnaire"
    assert resource["status"] == "active"
    assert resource["language"] == "de"
    assert resource["url"].endswith("/fhir/Questionnaire/disability-index")
    assert resource["identifier"][0]["value"] == "disability-index"
    assert resource["name"] == "DisabilityIndex"
    assert resource["version"] == "1.0"
    assert len(resource["item"]) == 10
    item = resource["item"][0]
    assert item["type"] == "choice"
    assert item["required"] is False
    translation_extension = item["_text"]["extension"][0]
    assert translation_extension["url"] == TRANSLATION
    assert {"url": "lang", "valueCode": "en"} in translation_extension["extension"]
    coding = item["answerOption"][5]["valueCoding"]
    assert coding["code"] == "5"
    assert coding["display"] == "Unerträgliche Schmerzen"
    assert coding["extension"] == [{"url": ORDINAL_VALUE, "valueDecimal": 5}]
    json.dumps(resource)  # serialisable as it is


@pytest.mark.parametrize("slug", SLUGS)
def test_export_then_import_gives_the_identical_definition(slug):
    before = _definition(slug)
    exported = json.loads(json.dumps(_export(slug)), parse_float=Decimal)

    Questionnaire.objects.filter(slug=slug).delete()
    [result] = questionnaires_import_fhir(data=exported)

    assert result.created
    assert _definition(slug) == before
    assert _export(slug) == exported


def test_import_updates_in_place_and_keeps_answered_items(patient, nrs):
    response = response_submit(patient=patient, questionnaire=nrs, answers={"pain-average-week": 4})
    exported = _export("nrs-pain-week")
    exported["version"] = "1.1"
    exported["item"][0]["text"] = "Neue Formulierung"

    [result] = questionnaires_import_fhir(data=exported)

    assert not result.created
    assert result.questionnaire.pk == nrs.pk
    item = Item.objects.get(questionnaire=nrs)
    assert item.text_de == "Neue Formulierung"
    assert response.answers.get().item == item
    assert Questionnaire.objects.get(pk=nrs.pk).version == "1.1"


def test_an_item_with_answers_cannot_be_dropped(patient, nrs):
    response_submit(patient=patient, questionnaire=nrs, answers={"pain-average-week": 4})
    exported = _export("nrs-pain-week")
    exported["item"][0]["linkId"] = "renamed"

    with pytest.raises(ValidationError, match="pain-average-week"):
        questionnaires_import_fhir(data=exported)

    assert Item.objects.get(questionnaire=nrs).link_id == "pain-average-week"


def test_a_licensed_original_without_product_extensions_imports_as_a_plain_sum():
    data = {
        "resourceType": "Questionnaire",
        "url": "http://example.org/fhir/Questionnaire/licensed-scale",
        "name": "LicensedScale",
        "title": "Licensed scale",
        "status": "active",
        "language": "en",
        "item": [
            {
                "linkId": "1",
                "text": "Question one",
                "type": "choice",
                "answerOption": [
                    {
                        "valueCoding": {
                            "system": "http://loinc.org",
                            "code": "LA1-1",
                            "display": "No",
                            "extension": [{"url": ORDINAL_VALUE, "valueDecimal": 0}],
                        }
                    },
                    {
                        "valueCoding": {
                            "system": "http://loinc.org",
                            "code": "LA2-2",
                            "display": "Yes",
                            "extension": [{"url": ORDINAL_VALUE, "valueDecimal": 1}],
                        }
                    },
                ],
            }
        ],
    }

    [result] = questionnaires_import_fhir(data=data)

    questionnaire = result.questionnaire
    assert questionnaire.slug == "licensed-scale"
    assert not questionnaire.own_wording
    assert questionnaire.scoring_method == "sum"
    assert questionnaire.title_en == "Licensed scale"
    assert questionnaire.title_de == "Licensed scale"  # no German text: English for both
    assert result.warnings
    option = questionnaire.items.get().options.get(value=1)
    assert (option.code, option.system) == ("LA2-2", "http://loinc.org")
    assert _export("licensed-scale")["item"][0]["answerOption"][1]["valueCoding"]["code"] == "LA2-2"


def test_a_bundle_imports_all_or_nothing():
    data = fhir.bundle(selectors.questionnaires_with_definition().filter(slug__in=SLUGS))
    data = json.loads(json.dumps(data))
    for entry in data["entry"]:
        entry["resource"]["version"] = "2.0"
    data["entry"][2]["resource"]["extension"][2]["extension"][0]["valueCode"] = "median"

    with pytest.raises(ValidationError, match="median"):
        questionnaires_import_fhir(data=data)

    assert set(Questionnaire.objects.values_list("version", flat=True)) == {"1.0"}


def test_a_dry_run_checks_everything_and_writes_nothing():
    exported = _export("fear-of-movement")
    Questionnaire.objects.filter(slug="fear-of-movement").delete()

    [result] = questionnaires_import_fhir(data=exported, dry_run=True)

    assert result.created
    assert not Questionnaire.objects.filter(slug="fear-of-movement").exists()


def _broken():
    data = copy.deepcopy(_export("disability-index"))
    data["item"][1]["type"] = "string"
    data["item"][2]["linkId"] = data["item"][0]["linkId"]
    del data["item"][3]["answerOption"][0]["valueCoding"]["extension"]
    data["item"][3]["answerOption"][0]["valueCoding"]["code"] = "none"
    data["language"] = "fr"
    return data


def test_an_invalid_definition_lists_every_problem_with_its_place():
    with pytest.raises(ValidationError) as error:
        questionnaires_import_fhir(data=_broken())

    messages = "\n".join(error.value.messages)
    assert "language: only German (de) and English (en)" in messages
    assert "item[1]: type 'string' is not supported" in messages
    assert "item[2]: linkId 'pain' is used twice" in messages
    assert "item[3].answerOption[0]: needs its points as a whole number" in messages
    assert ScoreBand.objects.filter(questionnaire__slug="disability-index").count() == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must contain a JSON object"),
        ({"resourceType": "Patient"}, 'Expected resourceType "Questionnaire" or "Bundle"'),
        ({"resourceType": "Bundle", "entry": []}, "The Bundle has no entries"),
        ({"resourceType": "Questionnaire", "name": "x"}, "title is required"),
        ({"resourceType": "Questionnaire", "title": "T", "item": []}, "at least one item"),
    ],
)
def test_structurally_wrong_resources_are_refused_clearly(data, message):
    with pytest.raises(ValidationError, match=message):
        questionnaires_import_fhir(data=data)


def test_bands_that_do_not_fit_the_score_range_are_refused():
    data = _export("nrs-pain-week")
    scoring_extension = data["extension"][2]
    band = scoring_extension["extension"][-1]
    band["extension"][2]["valueDecimal"] = 12

    with pytest.raises(ValidationError, match="outside the score range"):
        questionnaires_import_fhir(data=data)


# --- Management commands ------------------------------------------------------------------------


def test_export_command_writes_a_resource_or_a_bundle(tmp_path, capsys):
    target = tmp_path / "odi.json"

    call_command("export_questionnaire", "disability-index", output=str(target))
    call_command("export_questionnaire", "nrs-pain-week", "fear-of-movement")

    assert json.loads(target.read_text())["resourceType"] == "Questionnaire"
    bundle = json.loads(capsys.readouterr().out)
    assert bundle["resourceType"] == "Bundle"
    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [
        "nrs-pain-week",
        "fear-of-movement",
    ]


def test_export_command_names_unknown_slugs():
    with pytest.raises(CommandError, match="No questionnaire odi"):
        call_command("export_questionnaire", "odi")


def test_import_command_round_trip_and_dry_run(tmp_path, capsys):
    target = tmp_path / "tsk.json"
    call_command("export_questionnaire", "fear-of-movement", output=str(target))
    before = _definition("fear-of-movement")
    Questionnaire.objects.filter(slug="fear-of-movement").delete()

    call_command("import_questionnaire", str(target), dry_run=True)
    assert not Questionnaire.objects.filter(slug="fear-of-movement").exists()
    call_command("import_questionnaire", str(target))

    output = capsys.readouterr().out
    assert "Would create fear-of-movement (11 items)" in output
    assert "Created fear-of-movement (11 items)" in output
    assert _definition("fear-of-movement") == before


def test_import_command_reports_invalid_json_and_invalid_definitions(tmp_path):
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"resourceType": "Questionnaire",')
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps(_broken()))

    with pytest.raises(CommandError, match="is not valid JSON"):
        call_command("import_questionnaire", str(broken_json))
    with pytest.raises(CommandError, match=r"Nothing imported:(.|\n)*item\[1\]: type"):
        call_command("import_questionnaire", str(invalid))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_questionnaire", str(tmp_path / "missing.json"))


# --- Robustness ---------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _paths(child, (*path, index))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parse_refuses_any_malformed_resource_with_a_validation_error_only(data, reference):
    resource = copy.deepcopy(reference)
    path = data.draw(st.sampled_from(list(_paths(resource))[1:]))
    parent = resource
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(JSON_VALUES)

    try:
        specs = fhir.parse(resource)
    except ValidationError as error:
        assert error.messages  # refused with a message, not another exception
    else:
        assert isinstance(specs, list)  # some mutations leave a valid resource
