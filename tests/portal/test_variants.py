"""The patient switches an exercise to the variant the therapist allows, and back
(docs/product.md, "Variants")."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from patients import rules, services
from patients.models import PhaseChange, PhaseChangeKind, PrescriptionItem, VariantAllowed
from patients.rules import VariantSwitch
from patients.selectors import open_assignment
from programs.models import Exercise
from tests.patients.conftest import THERAPIST_GROUP, english_client

pytestmark = pytest.mark.django_db

ASK = "Ask your therapist before you switch."


@pytest.fixture
def knee_variant(db):
    """An easier variant of the segmental stabilisation that is not part of the programme (in
    the MASTER catalogue its only variant, the plank, is prescribed already)."""
    segmental = Exercise.objects.get(slug="segmentale-stabilisation")
    knee = Exercise.objects.create(
        slug="segmentale-stabilisation-knie",
        name_de="Segmentale Stabilisation im Kniestand",
        name_en="Segmental stabilisation on all fours",
        phase=segmental.phase,
        goal=segmental.goal,
        instructions_de="Vierfüßlerstand.",
        instructions_en="On all fours.",
        harder_variant=segmental,
    )
    segmental.easier_variant = knee
    segmental.save(update_fields=["easier_variant"])
    return knee


def _item(patient, slug="segmentale-stabilisation") -> PrescriptionItem:
    return open_assignment(patient).items.get(exercise__slug=slug)


def _allow(item, allowed=VariantAllowed.EASIER):
    return services.prescription_item_allow_variant(item=item, allowed=allowed, changed_by=None)


def _switch(client, item, to):
    return client.post(reverse("portal:switch_variant", args=[item.pk]), {"to": to})


# --- the rule --------------------------------------------------------------------------------


def test_the_rule_offers_only_what_the_therapist_allows_and_always_the_way_back():
    ids = {"exercise_id": 1, "easier_id": 2, "harder_id": 3}
    assert rules.variant_options(allowed="none", prescribed_id=None, **ids) == {}
    assert rules.variant_options(allowed="easier", prescribed_id=None, **ids) == {
        VariantSwitch.EASIER: 2
    }
    assert rules.variant_options(allowed="harder", prescribed_id=1, **ids) == {
        VariantSwitch.HARDER: 3
    }
    assert rules.variant_options(allowed="both", prescribed_id=None, **ids) == {
        VariantSwitch.EASIER: 2,
        VariantSwitch.HARDER: 3,
    }
    # On a variant: only back, even with the permission taken away; never a variant's variant.
    on_variant = {"exercise_id": 2, "easier_id": 4, "harder_id": 1, "prescribed_id": 1}
    assert rules.variant_options(allowed="both", **on_variant) == {VariantSwitch.PRESCRIBED: 1}
    assert rules.variant_options(allowed="none", **on_variant) == {VariantSwitch.PRESCRIBED: 1}
    assert rules.variant_options(allowed="both", prescribed_id=None, exercise_id=1,
                                 easier_id=None, harder_id=None) == {}  # fmt: skip


# --- the portal ------------------------------------------------------------------------------


def test_without_permission_the_page_says_ask_your_therapist(patient_client, patient, knee_variant):
    page = patient_client.get(reverse("portal:today")).content.decode()
    assert "The easier variant is “Segmental stabilisation on all fours”. " + ASK in page
    assert reverse("portal:switch_variant", args=[_item(patient).pk]) not in page

    response = _switch(patient_client, _item(patient), "easier")

    assert response["Location"] == reverse("portal:today")
    (message,) = (str(message) for message in get_messages(response.wsgi_request))
    assert "has not allowed this switch" in message
    assert _item(patient).exercise == knee_variant.harder_variant
    assert not PhaseChange.objects.filter(kind__in=["easier", "harder", "prescribed"]).exists()


def test_the_patient_switches_to_the_allowed_variant_and_back(
    patient_client, patient, knee_variant
):
    segmental = _item(patient)
    services.prescription_item_update(item=segmental, changed_by=None, dosage={"sets": 2})
    _allow(segmental)
    url = reverse("portal:switch_variant", args=[segmental.pk])
    page = patient_client.get(reverse("portal:today")).content.decode()
    assert (
        "Your therapist allows the easier variant “Segmental stabilisation on all fours”." in page
    )
    assert f'action="{url}"' in page
    assert "Switch to “Segmental stabilisation on all fours”" in page
    assert 'name="csrfmiddlewaretoken"' in page

    response = _switch(patient_client, segmental, "easier")

    assert response["Location"] == reverse("portal:today")
    item = PrescriptionItem.objects.get(pk=segmental.pk)
    assert (item.exercise, item.prescribed_exercise) == (knee_variant, segmental.exercise)
    assert item.sets == 2  # both count repetitions: the patient's own dose stays
    change = PhaseChange.objects.get(kind=PhaseChangeKind.EASIER)
    assert (change.from_exercise, change.to_exercise, change.changed_by) == (
        segmental.exercise,
        knee_variant,
        patient.user,
    )
    assert "Segmentale Stabilisation → Segmentale Stabilisation im Kniestand" in change.reason
    page = patient_client.get(reverse("portal:today")).content.decode()
    assert "Switch back to “Segmental stabilisation”" in page
    assert "You do a variant of “Segmental stabilisation”" in page

    _switch(patient_client, item, "prescribed")

    item.refresh_from_db()
    assert (item.exercise, item.prescribed_exercise, item.sets) == (segmental.exercise, None, 2)
    back = PhaseChange.objects.get(kind=PhaseChangeKind.PRESCRIBED)
    assert (back.from_exercise, back.to_exercise) == (knee_variant, segmental.exercise)


def test_a_variant_counted_otherwise_takes_its_default_dose(patient, knee_variant):
    item = _item(patient)
    services.prescription_item_update(
        item=item,
        changed_by=None,
        dosage={"reps_min": None, "reps_max": None, "duration_min_s": 20, "duration_max_s": 30},
    )
    _allow(item, VariantAllowed.BOTH)

    item = services.prescription_item_switch_variant(
        item=item, to="easier", switched_by=patient.user
    )

    assert item.dosage() == knee_variant.goal.dosage()  # the goal's 3 × 15–20, not seconds


def test_a_variant_prescribed_already_is_neither_offered_nor_switched_to(patient_client, patient):
    # MASTER: the plank is the segmental stabilisation's harder variant and in the programme.
    item = _item(patient)
    _allow(item, VariantAllowed.HARDER)
    page = patient_client.get(reverse("portal:today")).content.decode()
    assert "The harder variant is “Plank variations (MTT style)”. " + ASK in page
    assert reverse("portal:switch_variant", args=[item.pk]) not in page
    with pytest.raises(ValidationError, match="already part of your programme"):
        services.prescription_item_switch_variant(item=item, to="harder", switched_by=None)


def test_no_switch_while_the_programme_is_paused(patient, knee_variant):
    item = _item(patient)
    _allow(item)
    services.assignment_pause(assignment=open_assignment(patient), changed_by=None)
    with pytest.raises(ValidationError, match="cannot be switched now"):
        services.prescription_item_switch_variant(item=item, to="easier", switched_by=None)


def test_another_patients_item_or_a_removed_one_is_404_and_get_is_405(
    patient_client, patient, other_patient, knee_variant
):
    others = _item(other_patient)
    _allow(others)
    removed = _item(patient, "plank-mtt")
    services.prescription_item_remove(item=removed, removed_by=None)

    assert _switch(patient_client, others, "easier").status_code == 404
    assert _switch(patient_client, removed, "easier").status_code == 404
    url = reverse("portal:switch_variant", args=[_item(patient).pk])
    assert patient_client.get(url).status_code == 405
    assert _item(other_patient).exercise.slug == "segmentale-stabilisation"


def test_the_session_links_to_the_switch_instead_of_nesting_a_form(
    patient_client, patient, knee_variant
):
    item = _item(patient)
    _allow(item)
    page = patient_client.get(reverse("portal:session"), {"all": "1"}).content.decode()
    assert f"{reverse('portal:today')}#item-{item.pk}" in page
    assert reverse("portal:switch_variant", args=[item.pk]) not in page


def test_the_cached_how_to_do_it_carries_no_other_patients_switch(
    client, patient, other_patient, knee_variant
):
    """ "How to do it" is cached per catalogue revision and language (patients/portal/
    fragments.py); the switch is each patient's own and rendered outside it, both ways round."""
    _allow(_item(patient))
    anna_item, bernd_item = _item(patient), _item(other_patient)

    client.force_login(patient.user)
    anna = client.get(reverse("portal:today")).content.decode()
    client.force_login(other_patient.user)
    bernd = client.get(reverse("portal:today")).content.decode()
    _allow(bernd_item, VariantAllowed.NONE)
    _allow(anna_item, VariantAllowed.NONE)
    _allow(bernd_item)
    bernd_allowed = client.get(reverse("portal:today")).content.decode()

    switch = "Switch to “Segmental stabilisation on all fours”"
    assert switch in anna
    assert reverse("portal:switch_variant", args=[anna_item.pk]) in anna
    assert switch not in bernd
    assert reverse("portal:switch_variant", args=[anna_item.pk]) not in bernd
    assert "The easier variant is “Segmental stabilisation on all fours”. " + ASK in bernd
    assert switch in bernd_allowed
    assert reverse("portal:switch_variant", args=[bernd_item.pk]) in bernd_allowed
    assert reverse("portal:switch_variant", args=[anna_item.pk]) not in bernd_allowed
    # Between the cached parts, in the order the session page shows them: equipment, variants,
    # safety.
    for page, item in ((anna, anna_item), (bernd, bernd_item), (bernd_allowed, bernd_item)):
        card = page[page.index(f'id="item-{item.pk}"') :]
        card = card[: card.index("</details>")]
        assert card.index('class="plain variants"') < card.index("<strong>Safety:</strong>")


def test_today_with_a_variant_costs_no_query_more(
    patient_client, patient, knee_variant, django_assert_max_num_queries
):
    for slug in ("segmentale-stabilisation", "lws-release-doppelball"):
        _allow(_item(patient, slug), VariantAllowed.BOTH)
    services.prescription_item_switch_variant(
        item=_item(patient), to="easier", switched_by=patient.user
    )
    patient_client.get(reverse("portal:today"))  # "How to do it" rendered for this revision
    # As tests/portal/test_today.py without a variant: the variants' names, the prescribed one's
    # included, come from the catalogue snapshot; the switch itself is outside the cached
    # fragment (patients/portal/fragments.py).
    with django_assert_max_num_queries(8):
        response = patient_client.get(reverse("portal:today"))
    assert "Switch back to “Segmental stabilisation”" in response.content.decode()


# --- what the therapist sees ---------------------------------------------------------------


def test_the_patient_page_shows_the_switch_in_the_readers_language(
    therapist, patient, knee_variant
):
    item = _item(patient)
    _allow(item)
    services.prescription_item_switch_variant(item=item, to="easier", switched_by=patient.user)
    therapist.groups.add(Group.objects.get(name=THERAPIST_GROUP))
    page = english_client(therapist).get(
        reverse("admin:patients_patient_change", args=[patient.pk])
    )
    history = page.content.decode().split('id="phase-history"')[1]
    with translation.override("en"):
        assert (
            '<span data-kind="easier">patient switched to the easier variant: Segmental '
            "stabilisation → Segmental stabilisation on all fours</span>" in history
        )
