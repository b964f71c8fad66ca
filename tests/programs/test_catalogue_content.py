"""The MASTER programme loaded by ``programs.0002_load_master_programme`` matches the article:
phases of section III, the dosage table of section IV, the daily habits of section V."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from programs.models import (
    DailyHabit,
    Dosage,
    Exercise,
    Phase,
    Program,
    ProgramExercise,
    ProgramPhase,
    TrainingGoal,
)

pytestmark = pytest.mark.django_db

PHASES = {
    1: "Akut-Entlastung und Gewebehydratation",
    2: "Aktivierung der inneren Stabilität",
    3: "Funktionelle Kraftentwicklung",
    4: "Elastizität und Belastungsspitzen",
}

# Table IV: reps, duration, tempo, sets and unit, rest, frequency, plus the scheduling numbers
# (interval days, weekly target, weekly maximum) that docs/product.md derives from the frequency.
GOALS = {
    "faszien-hydratation": {
        "name_de": "Faszien-Hydratation",
        "reps_min": None,
        "reps_max": None,
        "duration_min_s": None,
        "duration_max_s": None,
        "tempo": "very_slow",
        "sets": 2,
        "set_unit": "passes",
        "rest_s": 0,
        "frequency": "daily",
        "interval_days": 1,
        "weekly_target": Decimal(7),
        "weekly_max": 7,
    },
    "tiefe-stabilisation": {
        "name_de": "Tiefe Stabilisation",
        "reps_min": 15,
        "reps_max": 20,
        "duration_min_s": None,
        "duration_max_s": None,
        "tempo": "slow",
        "sets": 3,
        "set_unit": "sets",
        "rest_s": 30,
        "frequency": "3_4_per_week",
        "interval_days": 1,
        "weekly_target": Decimal(3),
        "weekly_max": 4,
    },
    "funktionelle-kraft": {
        "name_de": "Funktionelle Kraft",
        "reps_min": 8,
        "reps_max": 12,
        "duration_min_s": None,
        "duration_max_s": None,
        "tempo": "controlled",
        "sets": 3,
        "set_unit": "sets",
        "rest_s": 90,
        "frequency": "2_3_per_week",
        "interval_days": 2,
        "weekly_target": Decimal(2),
        "weekly_max": 3,
    },
    "fasziale-elastizitaet": {
        "name_de": "Fasziale Elastizität",
        "reps_min": None,
        "reps_max": None,
        "duration_min_s": 30,
        "duration_max_s": 60,
        "tempo": "reactive",
        "sets": 2,
        "set_unit": "sets",
        "rest_s": 15,
        "frequency": "every_2_days",
        "interval_days": 2,
        "weekly_target": Decimal("3.5"),
        "weekly_max": 4,
    },
}

# slug: (German name, phase number, goal slug, order in phase)
EXERCISES = {
    "lws-release-doppelball": (
        "LWS-Release mit dem Doppelball",
        1,
        "faszien-hydratation",
        1,
    ),
    "passive-extension-faszienrolle": (
        "Passive Extension über die Faszienrolle",
        1,
        "faszien-hydratation",
        2,
    ),
    "segmentale-stabilisation": ("Segmentale Stabilisation", 2, "tiefe-stabilisation", 1),
    "plank-mtt": ("Plank-Variationen (MTT-Style)", 2, "tiefe-stabilisation", 2),
    "rumaenisches-kreuzheben": (
        "Rumänisches Kreuzheben (ohne/leichte Last)",
        3,
        "funktionelle-kraft",
        1,
    ),
    "einbeinstand-rotation": ("Einbeinstand mit Rotation", 3, "funktionelle-kraft", 2),
    "reaktives-federn": ("Reaktives Federn", 4, "fasziale-elastizitaet", 1),
}

HABITS = {"sitzposition-wechseln": 8, "hueftbeuger-dehnen": 3, "stress-atmung": 1}

CATALOGUE_MODELS = [Phase, TrainingGoal, Exercise, DailyHabit, Program]


def test_four_phases_with_the_article_names():
    phases = {phase.number: phase.name_de for phase in Phase.objects.all()}

    assert phases == PHASES


@pytest.mark.parametrize("slug", GOALS)
def test_goal_dosage_matches_table_iv(slug):
    goal = TrainingGoal.objects.get(slug=slug)
    expected = dict(GOALS[slug])

    assert goal.name_de == expected.pop("name_de")
    assert goal.dosage() == expected


def test_exactly_the_four_goals_in_table_order():
    assert list(TrainingGoal.objects.values_list("slug", flat=True)) == list(GOALS)


def test_goal_dosage_follows_the_frequency_rules():
    rules = {
        "daily": (1, Decimal(7), 7),
        "every_2_days": (2, Decimal("3.5"), 4),
        "3_4_per_week": (1, Decimal(3), 4),
        "2_3_per_week": (2, Decimal(2), 3),
    }
    for goal in TrainingGoal.objects.all():
        scheduling = (goal.interval_days, goal.weekly_target, goal.weekly_max)
        assert scheduling == rules[goal.frequency], goal.slug


def test_seven_exercises_each_in_its_phase_and_goal():
    exercises = {
        exercise.slug: (exercise.name_de, exercise.phase.number, exercise.goal.slug, exercise.order)
        for exercise in Exercise.objects.select_related("phase", "goal")
    }

    assert exercises == EXERCISES


def test_plank_and_segmental_stabilisation_are_variants_of_each_other():
    plank = Exercise.objects.get(slug="plank-mtt")
    segmental = Exercise.objects.get(slug="segmentale-stabilisation")

    assert plank.easier_variant == segmental
    assert segmental.harder_variant == plank
    assert plank.harder_variant is None
    assert segmental.easier_variant is None
    assert Exercise.objects.get(slug="einbeinstand-rotation").easier_variant is None


def test_three_daily_habits():
    habits = dict(DailyHabit.objects.values_list("slug", "times_per_day"))

    assert habits == HABITS


def test_master_programme_has_four_phases_of_at_least_two_weeks():
    program = Program.objects.get(slug="master")
    phases = ProgramPhase.objects.filter(program=program).select_related("phase")

    assert program.name_de == "MASTER-Programm Rücken"
    assert program.name_en == "MASTER back programme"
    assert program.is_active
    assert [(item.phase.number, item.min_days) for item in phases] == [
        (1, 14),
        (2, 14),
        (3, 14),
        (4, 14),
    ]


def test_master_programme_prescribes_every_exercise_with_its_goal_dosage():
    program = Program.objects.get(slug="master")
    items = ProgramExercise.objects.filter(program=program).select_related(
        "phase", "exercise__phase", "exercise__goal"
    )

    assert {item.exercise.slug for item in items} == set(EXERCISES)
    for item in items:
        assert item.phase == item.exercise.phase, item.exercise.slug
        assert item.order == item.exercise.order, item.exercise.slug
        assert item.dosage() == item.exercise.goal.dosage(), item.exercise.slug


def test_master_programme_offers_the_three_habits():
    program = Program.objects.get(slug="master")

    assert set(program.habits.values_list("slug", flat=True)) == set(HABITS)


@pytest.mark.parametrize("model", CATALOGUE_MODELS, ids=lambda model: model.__name__)
def test_every_text_exists_in_german_and_english(model):
    bases = [field.name[:-3] for field in model._meta.fields if field.name.endswith("_de")]
    assert bases, model
    for row in model.objects.all():
        for base in bases:
            for language in ("de", "en"):
                value = getattr(row, f"{base}_{language}")
                assert value.strip(), f"{model.__name__} {row.slug}: {base}_{language} is empty"


@pytest.mark.parametrize(
    "model",
    [*CATALOGUE_MODELS, ProgramPhase, ProgramExercise],
    ids=lambda model: model.__name__,
)
def test_every_row_passes_model_validation(model):
    rows = model.objects.all()

    assert rows
    for row in rows:
        row.full_clean()


def test_dosage_fields_are_the_ones_the_tests_check():
    expected_fields = set(GOALS["tiefe-stabilisation"]) - {"name_de"}

    assert set(Dosage.DOSAGE_FIELDS) == expected_fields


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_master_programme_migration_reverses_and_reapplies():
    call_command("migrate", "programs", "0001_catalogue", verbosity=0)

    for model in [*CATALOGUE_MODELS, ProgramPhase, ProgramExercise]:
        assert not model.objects.exists(), model.__name__

    call_command("migrate", verbosity=0)

    assert Phase.objects.count() == 4
    assert TrainingGoal.objects.count() == 4
    assert Exercise.objects.count() == 7
    assert DailyHabit.objects.count() == 3
    program = Program.objects.get(slug="master")
    assert program.program_phases.count() == 4
    assert program.program_exercises.count() == 7
    assert program.habits.count() == 3
