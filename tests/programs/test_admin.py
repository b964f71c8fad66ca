import pytest
from django.contrib import admin
from django.urls import reverse

from programs.models import DailyHabit, Exercise, Phase, Program, TrainingGoal

pytestmark = pytest.mark.django_db

CATALOGUE = [Phase, TrainingGoal, Exercise, DailyHabit, Program]


@pytest.mark.parametrize("model", CATALOGUE, ids=lambda model: model.__name__)
def test_changelist_add_and_change_pages_render_for_the_practice_admin(
    admin_client_logged_in, model
):
    info = model._meta.app_label, model._meta.model_name
    first = model.objects.order_by("pk").first()

    changelist = admin_client_logged_in.get(reverse("admin:{}_{}_changelist".format(*info)))
    add = admin_client_logged_in.get(reverse("admin:{}_{}_add".format(*info)))
    change = admin_client_logged_in.get(
        reverse("admin:{}_{}_change".format(*info), args=[first.pk])
    )

    assert changelist.status_code == 200
    assert add.status_code == 200
    assert change.status_code == 200
    assert str(first) in change.content.decode()


def test_changelist_search_and_filters(admin_client_logged_in):
    url = reverse("admin:programs_exercise_changelist")

    found = admin_client_logged_in.get(url, {"q": "Federn"})
    phase_two = admin_client_logged_in.get(
        url, {"phase__id__exact": Phase.objects.get(number=2).pk}
    )

    assert found.context["cl"].result_count == 1
    assert phase_two.context["cl"].result_count == 2


def test_master_programme_change_page_shows_its_contents(admin_client_logged_in):
    master = Program.objects.get(slug="master")

    response = admin_client_logged_in.get(
        reverse("admin:programs_program_change", args=[master.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('name="program_exercises-', 0) > 0
    assert response.context["inline_admin_formsets"][1].formset.total_form_count() == 7
    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 4


@pytest.mark.parametrize("model", [Exercise, Program], ids=lambda model: model.__name__)
def test_changelists_use_a_fixed_number_of_queries(
    admin_client_logged_in, django_assert_max_num_queries, model
):
    from programs.services import program_copy

    master = Program.objects.get(slug="master")
    for _ in range(30):
        program_copy(program=master)
    url = reverse(f"admin:programs_{model._meta.model_name}_changelist")

    with django_assert_max_num_queries(12):
        response = admin_client_logged_in.get(url)

    assert response.status_code == 200


def test_programme_change_page_query_count_does_not_grow_with_its_exercises(
    admin_client_logged_in, django_assert_max_num_queries
):
    master = Program.objects.get(slug="master")

    with django_assert_max_num_queries(25):
        response = admin_client_logged_in.get(
            reverse("admin:programs_program_change", args=[master.pk])
        )

    assert response.status_code == 200


def test_copy_action_creates_an_editable_copy(admin_client_logged_in):
    master = Program.objects.get(slug="master")

    response = admin_client_logged_in.post(
        reverse("admin:programs_program_changelist"),
        {"action": "copy_to_my_programs", admin.helpers.ACTION_CHECKBOX_NAME: [master.pk]},
        follow=True,
    )

    copy = Program.objects.get(copied_from=master)
    assert response.status_code == 200
    assert copy.owner.username == "admin" or copy.owner.is_superuser
    assert copy.program_exercises.count() == 7
    assert "Kopie" in copy.name_de
    assert [str(m) for m in response.context["messages"]] == [
        f"Copied 1 programme. Edit the copy to adapt it: {copy.name_en}"
    ]


def test_adding_an_exercise_to_a_programme_without_a_dose_takes_the_goal_default(
    admin_client_logged_in,
):
    goal = TrainingGoal.objects.get(slug="funktionelle-kraft")
    exercise = Exercise.objects.filter(goal=goal).first()
    phase = exercise.phase
    url = reverse("admin:programs_program_add")
    data = {
        "slug": "kurz",
        "name_de": "Kurzprogramm",
        "name_en": "Short programme",
        "is_active": "on",
        "description_de": "",
        "description_en": "",
        "program_phases-TOTAL_FORMS": "1",
        "program_phases-INITIAL_FORMS": "0",
        "program_phases-0-phase": phase.pk,
        "program_phases-0-min_days": "14",
        "program_exercises-TOTAL_FORMS": "1",
        "program_exercises-INITIAL_FORMS": "0",
        "program_exercises-0-phase": phase.pk,
        "program_exercises-0-exercise": exercise.pk,
        "program_exercises-0-order": "1",
    }

    response = admin_client_logged_in.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    item = Program.objects.get(slug="kurz").program_exercises.get()
    assert item.dosage() == goal.dosage()


def test_a_dose_with_both_repetitions_and_duration_is_refused(admin_client_logged_in):
    goal = TrainingGoal.objects.get(slug="tiefe-stabilisation")
    url = reverse("admin:programs_traininggoal_change", args=[goal.pk])
    data = {field: value if value is not None else "" for field, value in goal.dosage().items()} | {
        "slug": goal.slug,
        "order": goal.order,
        "name_de": goal.name_de,
        "name_en": goal.name_en,
        "duration_min_s": "30",
        "duration_max_s": "60",
    }

    response = admin_client_logged_in.post(url, data)

    assert response.status_code == 200
    assert "either repetitions or a duration" in response.content.decode()
    goal.refresh_from_db()
    assert goal.duration_min_s is None
