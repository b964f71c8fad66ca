"""Who edits the catalogue (programs/rules.py, docs/security.md "The catalogue"): the practice
admin the practice-wide part, a therapist their own programmes ("my programmes") only."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from patients import services as patient_services
from patients.models import Assignment
from programs import rules
from programs.models import DailyHabit, Exercise, Phase, Program, TrainingGoal
from programs.services import program_copy
from tests.factories import PatientFactory, TherapistFactory, UserFactory, master
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def therapist():
    return TherapistFactory(username="tina", first_name="Tina", last_name="Thera")


@pytest.fixture
def other_therapist():
    return TherapistFactory(username="otto")


@pytest.fixture
def therapist_client(therapist):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    return login_verified(client, therapist)


def change_url(program):
    return reverse("admin:programs_program_change", args=[program.pk])


def program_form(program, **changes):
    """The change form as the browser posts it, with the programme's inline rows unchanged."""
    data = {
        "slug": program.slug,
        "name_de": program.name_de,
        "name_en": program.name_en,
        "description_de": program.description_de,
        "description_en": program.description_en,
        "is_active": "on",
        "habits": [habit.pk for habit in program.habits.all()],
    }
    for prefix, rows, fields in (
        ("program_phases", program.program_phases.all(), ["phase", "min_days"]),
        ("program_exercises", program.program_exercises.all(), None),
    ):
        rows = list(rows)
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-program"] = program.pk
            values = (
                {name: getattr(row, f"{name}_id", None) or getattr(row, name) for name in fields}
                if fields
                else {
                    "phase": row.phase_id,
                    "exercise": row.exercise_id,
                    "order": row.order,
                    **{k: "" if v is None else v for k, v in row.dosage().items()},
                }
            )
            for name, value in values.items():
                data[f"{prefix}-{index}-{name}"] = value
    return data | changes


# --- the rules --------------------------------------------------------------------------------


def test_the_rules_for_each_role(superuser, therapist, other_therapist):
    own = program_copy(program=master(), owner=therapist)
    patient_user = UserFactory()

    assert rules.can_edit_catalogue(superuser)
    assert not rules.can_edit_catalogue(therapist)
    assert not rules.can_edit_catalogue(patient_user)
    assert not rules.can_edit_catalogue(AnonymousUser())
    assert rules.can_edit_program(superuser, master())
    assert rules.can_edit_program(superuser, own)
    assert rules.can_edit_program(therapist, own)
    assert not rules.can_edit_program(therapist, master())
    assert not rules.can_edit_program(other_therapist, own)
    assert not rules.can_edit_program(patient_user, master())
    therapist.is_active = False
    assert not rules.can_edit_program(therapist, own)


def test_each_user_sees_the_practice_wide_programmes_and_their_own(
    superuser, therapist, other_therapist
):
    own = program_copy(program=master(), owner=therapist)
    others = program_copy(program=master(), owner=other_therapist)
    practice = program_copy(program=master())

    assert set(Program.objects.for_user(superuser)) == {master(), own, others, practice}
    assert set(Program.objects.for_user(therapist)) == {master(), own, practice}
    assert set(Program.objects.for_user(other_therapist)) == {master(), others, practice}
    assert set(Program.objects.for_user(UserFactory())) == {master(), practice}
    assert set(Program.objects.for_user(AnonymousUser())) == {master(), practice}


def test_a_copy_keeps_everything_and_belongs_to_its_owner(therapist):
    original = master()

    copy = program_copy(program=original, owner=therapist)

    assert copy.owner == therapist
    assert copy.copied_from == original
    assert copy.program_phases.count() == original.program_phases.count()
    assert sorted(copy.program_exercises.values_list("exercise_id", "order")) == sorted(
        original.program_exercises.values_list("exercise_id", "order")
    )
    assert set(copy.habits.all()) == set(original.habits.all())


# --- the admin: the practice-wide catalogue is read-only for therapists -----------------------


def test_a_therapist_reads_the_master_programme_without_a_save_button(therapist_client):
    response = therapist_client.get(change_url(master()))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in page
    assert 'name="program_exercises-0-exercise"' not in page
    assert "Only the practice admin changes this programme" in page
    assert reverse("admin:programs_program_copy", args=[master().pk]) in page
    assert reverse("admin:programs_program_delete", args=[master().pk]) not in page


def test_a_forced_post_to_the_master_programme_is_refused(therapist_client):
    program = master()

    response = therapist_client.post(change_url(program), program_form(program, name_de="Meins"))

    assert response.status_code == 403
    program.refresh_from_db()
    assert program.name_de != "Meins"


@pytest.mark.parametrize(
    "model", [Phase, TrainingGoal, Exercise, DailyHabit], ids=lambda m: m.__name__
)
def test_a_therapist_reads_but_does_not_change_the_practice_catalogue(therapist_client, model):
    obj = model.objects.order_by("pk").first()
    name = model._meta.model_name
    change = reverse(f"admin:programs_{name}_change", args=[obj.pk])

    page = therapist_client.get(change)
    post = therapist_client.post(change, {"name_de": "Geändert"})
    add = therapist_client.post(reverse(f"admin:programs_{name}_add"), {"name_de": "Neu"})
    delete = therapist_client.post(
        reverse(f"admin:programs_{name}_delete", args=[obj.pk]), {"post": "yes"}
    )
    changelist = therapist_client.get(reverse(f"admin:programs_{name}_changelist"))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (post.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    assert model.objects.filter(pk=obj.pk).exists()
    assert not model.objects.filter(name_de__in=["Geändert", "Neu"]).exists()
    assert changelist.status_code == 200
    assert f"Add {model._meta.verbose_name}" not in changelist.content.decode()


def test_the_practice_admin_changes_the_master_programme(admin_client_logged_in):
    program = master()

    response = admin_client_logged_in.post(
        change_url(program), program_form(program, name_en="MASTER (revised)")
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    program.refresh_from_db()
    assert program.name_en == "MASTER (revised)"
    assert program.owner is None


# --- my programmes ----------------------------------------------------------------------------


def test_copy_to_my_programmes_opens_an_editable_copy(therapist_client, therapist):
    response = therapist_client.post(reverse("admin:programs_program_copy", args=[master().pk]))

    copy = Program.objects.get(copied_from=master())
    assert response.status_code == 302
    assert response["Location"] == change_url(copy)
    assert copy.owner == therapist
    page = therapist_client.get(change_url(copy)).content.decode()
    assert 'name="_save"' in page
    assert 'name="program_exercises-0-exercise"' in page
    assert "Only the practice admin" not in page


def test_a_therapist_changes_and_deletes_their_own_copy(therapist_client, therapist):
    copy = program_copy(program=master(), owner=therapist)
    first = copy.program_exercises.order_by("order").first()
    data = program_form(copy, name_de="Meine Variante")
    data["program_exercises-0-DELETE"] = "on"
    data["program_exercises-0-id"] = first.pk

    changed = therapist_client.post(change_url(copy), data)

    assert changed.status_code == 302, changed.context and changed.context["errors"]
    copy.refresh_from_db()
    assert copy.name_de == "Meine Variante"
    assert copy.owner == therapist  # not changeable by a therapist, not lost either
    deleted = therapist_client.post(
        reverse("admin:programs_program_delete", args=[copy.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not Program.objects.filter(pk=copy.pk).exists()
    assert Program.objects.filter(slug="master").exists()


def test_another_therapists_programme_is_not_there(therapist_client, other_therapist):
    others = program_copy(program=master(), owner=other_therapist)

    page = therapist_client.get(change_url(others))
    copy = therapist_client.post(reverse("admin:programs_program_copy", args=[others.pk]))
    changelist = therapist_client.get(reverse("admin:programs_program_changelist"))

    assert page.status_code == 302 and page["Location"] == reverse("admin:index")
    assert copy.status_code == 404
    assert others not in changelist.context["cl"].result_list
    assert Program.objects.filter(copied_from=others).count() == 0


def test_a_programme_a_therapist_adds_is_their_own(therapist_client, therapist):
    response = therapist_client.post(
        reverse("admin:programs_program_add"),
        {
            "slug": "tinas-programm",
            "name_de": "Tinas Programm",
            "name_en": "",
            "owner": "",  # read-only for a therapist: ignored
            "is_active": "on",
            "program_phases-TOTAL_FORMS": "0",
            "program_phases-INITIAL_FORMS": "0",
            "program_exercises-TOTAL_FORMS": "0",
            "program_exercises-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert Program.objects.get(slug="tinas-programm").owner == therapist


def test_the_practice_admin_hands_a_programme_to_the_practice(admin_client_logged_in, therapist):
    copy = program_copy(program=master(), owner=therapist)

    response = admin_client_logged_in.post(change_url(copy), program_form(copy, owner=""))

    assert response.status_code == 302, response.context and response.context["errors"]
    copy.refresh_from_db()
    assert copy.owner is None


def test_the_changelist_filters_my_programmes(
    therapist_client, therapist, other_therapist, django_assert_max_num_queries
):
    own = [program_copy(program=master(), owner=therapist) for _ in range(5)]
    for _ in range(5):
        program_copy(program=master(), owner=other_therapist)
    url = reverse("admin:programs_program_changelist")

    with django_assert_max_num_queries(14):
        everything = therapist_client.get(url)
    mine = therapist_client.get(url, {"owner": "mine"})
    practice = therapist_client.get(url, {"owner": "practice"})

    assert set(everything.context["cl"].result_list) == {master(), *own}
    assert set(mine.context["cl"].result_list) == set(own)
    assert list(practice.context["cl"].result_list) == [master()]
    assert "Tina Thera" in everything.content.decode()
    assert "Practice-wide" in everything.content.decode()


def test_the_copy_actions_by_role(therapist_client, admin_client_logged_in, therapist):
    url = reverse("admin:programs_program_changelist")
    selected = {admin.helpers.ACTION_CHECKBOX_NAME: [master().pk]}

    therapist_client.post(url, {"action": "copy_to_my_programs", **selected})
    refused = therapist_client.post(url, {"action": "copy_for_practice", **selected})
    admin_client_logged_in.post(url, {"action": "copy_for_practice", **selected})

    copies = Program.objects.filter(copied_from=master())
    assert sorted(str(copy.owner) for copy in copies) == ["None", "tina"]
    assert refused.status_code == 302  # the action is not offered: nothing happens
    actions = dict(therapist_client.get(url).context["action_form"].fields["action"].choices)
    assert "copy_for_practice" not in actions
    assert "delete_selected" not in actions


# --- assigning: practice-wide programmes and one's own ----------------------------------------


def test_the_assign_form_offers_practice_wide_and_own_programmes(
    therapist_client, therapist, other_therapist
):
    own = program_copy(program=master(), owner=therapist)
    others = program_copy(program=master(), owner=other_therapist)
    patient = PatientFactory(therapist=therapist)
    patient_services.screening_record(patient=patient, screened_by=therapist, signs=[])

    page = therapist_client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    form = page.context["assign_form"]
    refused = therapist_client.post(
        reverse("admin:patients_patient_assign", args=[patient.pk]), {"program": others.pk}
    )

    assert set(form.fields["program"].queryset) == {master(), own}
    assert refused.status_code == 302
    assert not Assignment.objects.filter(patient=patient).exists()
    therapist_client.post(
        reverse("admin:patients_patient_assign", args=[patient.pk]), {"program": own.pk}
    )
    assert Assignment.objects.get(patient=patient).program == own


def test_the_api_refuses_another_therapists_programme(therapist_client, therapist, other_therapist):
    own = program_copy(program=master(), owner=therapist)
    others = program_copy(program=master(), owner=other_therapist)
    patient = PatientFactory(therapist=therapist)
    patient_services.screening_record(patient=patient, screened_by=therapist, signs=[])

    refused = therapist_client.post(
        "/api/v1/assignments/",
        {"patient": patient.pk, "program": others.pk},
        content_type="application/json",
    )
    assigned = therapist_client.post(
        "/api/v1/assignments/",
        {"patient": patient.pk, "program": own.pk},
        content_type="application/json",
    )

    assert refused.status_code == 400
    assert "does not exist" in refused.json()["program"][0]
    assert assigned.status_code == 201, assigned.content
    assert Assignment.objects.get(patient=patient).program == own


def test_the_api_lists_own_programmes_to_their_owner_only(
    therapist_client, therapist, other_therapist
):
    own = program_copy(program=master(), owner=therapist)
    others = program_copy(program=master(), owner=other_therapist)

    listed = {row["id"] for row in therapist_client.get("/api/v1/programs/").json()["results"]}
    public = {row["id"] for row in Client().get("/api/v1/programs/").json()["results"]}

    assert listed == {master().pk, own.pk}
    assert public == {master().pk}
    assert Client().get(f"/api/v1/programs/{own.pk}/").status_code == 404
    assert others.pk not in listed


def test_the_catalogue_has_no_api_write_route(therapist_client):
    for url in ("/api/v1/programs/", f"/api/v1/programs/{master().pk}/", "/api/v1/exercises/"):
        response = therapist_client.post(url, {}, content_type="application/json")
        assert response.status_code == 405, url
    assert master().name_de == Program.objects.get(slug="master").name_de


def test_the_assignment_list_filter_names_no_other_therapists_programme(
    therapist_client, therapist, other_therapist
):
    others = program_copy(program=master(), owner=other_therapist)
    PatientFactory(therapist=therapist)
    foreign = PatientFactory(therapist=other_therapist)
    patient_services.screening_record(patient=foreign, screened_by=other_therapist, signs=[])
    patient_services.assignment_create(patient=foreign, program=others, created_by=other_therapist)

    page = therapist_client.get(reverse("admin:patients_assignment_changelist"))

    assert page.status_code == 200
    assert others.name not in page.content.decode()


def test_the_catalogue_snapshot_knows_a_therapists_copy(therapist):
    from programs.catalogue import catalogue

    before = catalogue("de")
    copy = program_copy(program=master(), owner=therapist)

    after = catalogue("de")

    assert after is not before  # the copy bumped the catalogue revision
    assert [habit.id for habit in after.habits_of(copy.pk)] == [
        habit.id for habit in after.habits_of(master().pk)
    ]
