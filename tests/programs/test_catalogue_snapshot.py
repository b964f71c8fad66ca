"""The catalogue snapshot (programs/catalogue.py): every catalogue write gives the revision a new
number in its own transaction, whichever way it is made, and the snapshot follows the revision
and the request's language."""

import pytest
from django.db import transaction
from django.urls import reverse

from programs import catalogue, services
from programs.models import DailyHabit, Exercise, ExerciseMedia, Program
from tests.api.conftest import assign, bearer_client, make_patient, make_therapist

pytestmark = pytest.mark.django_db


def changeform_data(response) -> dict:
    """What the admin's change page would post back unchanged: the form and its inlines."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None or hasattr(value, "url") or value is False:
                continue
            data[bound.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        data[f"{formset.prefix}-TOTAL_FORMS"] = formset.initial_form_count()
        for form in formset.initial_forms:
            add(form)
    return data


def test_service_writes_bump_the_revision_and_a_rollback_never_reuses_a_number():
    before = catalogue.current_revision()
    with transaction.atomic():
        services.program_copy(program=Program.objects.get(slug="master"))
        copied = catalogue.current_revision()
        transaction.set_rollback(True)
    assert catalogue.current_revision() == before

    Exercise.objects.filter(slug="plank-mtt").update(name_en="Plank, changed")

    assert len({before, copied, catalogue.current_revision()}) == 3


@pytest.mark.parametrize(
    "write",
    [
        lambda: DailyHabit.objects.update(times_per_day=2),
        lambda: Program.objects.get(slug="master").habits.clear(),
        lambda: ExerciseMedia.objects.filter(exercise__slug="plank-mtt").delete(),
        lambda: Program.objects.get(slug="master").program_exercises.update(sets=4),
    ],
    ids=["habit", "programme habits", "media", "programme exercise"],
)
def test_bulk_writes_and_relations_bump_the_revision_too(write):
    before = catalogue.current_revision()
    write()
    assert catalogue.current_revision() != before


def test_texts_come_in_both_languages_with_the_german_fallback():
    exercise = Exercise.objects.get(slug="plank-mtt")
    german, english = catalogue.catalogue("de"), catalogue.catalogue("en")

    assert german.exercises[exercise.pk].name == exercise.name_de
    assert english.exercises[exercise.pk].name == exercise.name_en != exercise.name_de
    assert english.exercises[exercise.pk].goal_name == exercise.goal.name_en
    assert [item.alt for item in english.exercises[exercise.pk].media] == list(
        exercise.media.order_by("order", "id").values_list("alt_en", flat=True)
    )
    assert english.phases[exercise.phase_id].name == exercise.phase.name_en

    Exercise.objects.filter(pk=exercise.pk).update(name_en="")

    assert catalogue.catalogue("en").exercises[exercise.pk].name == exercise.name_de


def test_an_admin_edit_with_its_inline_shows_on_the_next_request(admin_client_logged_in):
    patient = make_patient(make_therapist("therapist1"))
    assignment = assign(patient)
    exercise = assignment.items.order_by("order").first().exercise  # phase 1: no exercise yet
    assert exercise.media.exists()
    api = bearer_client(patient.user)
    assert api.get("/api/v1/me/today/").status_code == 200  # the snapshot is built
    url = reverse("admin:programs_exercise_change", args=[exercise.pk])
    data = changeform_data(admin_client_logged_in.get(url))
    data["name_en"] = "Release, edited"
    data["media-0-alt_en"] = "Start: lying on the balls"
    before = catalogue.current_revision()

    response = admin_client_logged_in.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert catalogue.current_revision() != before
    english = api.get("/api/v1/me/today/", HTTP_ACCEPT_LANGUAGE="en").json()
    german = api.get("/api/v1/me/today/", HTTP_ACCEPT_LANGUAGE="de").json()
    row = {item["slug"]: item for item in english["exercises"]}[exercise.slug]
    assert row["name"] == "Release, edited"
    assert row["media"][0]["alt"] == "Start: lying on the balls"
    german_row = {item["slug"]: item for item in german["exercises"]}[exercise.slug]
    assert german_row["name"] == exercise.name_de
