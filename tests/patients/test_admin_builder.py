"""The programme builder on the patient page: assigning with a starting phase, adding,
changing, moving and removing one patient's exercises through plain POST forms, errors shown
at the exercise with nothing written, every change audited and in the history; advance and go
back offered only where possible (docs/product.md, "Programme builder")."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from patients.models import Assignment, PhaseChange, PhaseChangeKind, PrescriptionItem
from programs.models import Exercise
from tests import factories
from tests.patients.conftest import english_client
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db


def page(patient):
    return reverse("admin:patients_patient_change", args=[patient.pk])


def builder_url(patient, name, item=None):
    args = [patient.pk] if item is None else [patient.pk, item.pk]
    return reverse(f"admin:patients_patient_prescription_{name}", args=args)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def dose_data(item, **changes):
    values = {
        "sets": item.sets,
        "reps_min": item.reps_min or "",
        "reps_max": item.reps_max or "",
        "duration_min_s": item.duration_min_s or "",
        "duration_max_s": item.duration_max_s or "",
        "hold_s": item.hold_s or "",
        "load_kg": item.load_kg or "",
        "band": item.band,
        "side": item.side,
        "rest_s": item.rest_s,
        "tempo": item.tempo,
        "frequency": item.frequency,
        "variant_allowed": item.variant_allowed,
        **changes,
    }
    return {f"item-{item.pk}-{name}": value for name, value in values.items()}


def audited(item, action=AuditAction.CHANGE):
    return AuditEntry.objects.filter(
        action=action, object_type="patients.prescriptionitem", object_id=str(item.pk)
    )


# --- assign with a starting phase ----------------------------------------------------------------


def test_assigning_in_phase_two_with_a_reason(therapist_client, patient, master):
    factories.screen(patient)
    form = therapist_client.get(page(patient)).content.decode()
    assert 'name="start_phase"' in form and 'name="reason"' in form

    refused = therapist_client.post(
        reverse("admin:patients_patient_assign", args=[patient.pk]),
        {"program": master.pk, "start_phase": 2, "reason": ""},
        follow=True,
    )
    assert any("reason for starting after the first phase" in m for m in messages_of(refused))
    assert not Assignment.objects.filter(patient=patient).exists()

    done = therapist_client.post(
        reverse("admin:patients_patient_assign", args=[patient.pk]),
        {"program": master.pk, "start_phase": 2, "reason": "Seit Wochen stabil"},
        follow=True,
    )

    assignment = Assignment.objects.get(patient=patient)
    assert assignment.current_phase.number == 2
    start = assignment.phase_changes.get()
    assert (start.from_phase.number, start.to_phase.number) == (1, 2)
    assert start.reason == "Seit Wochen stabil"
    assert any("starting in phase 2" in m for m in messages_of(done))


# --- advance and go back only where possible -----------------------------------------------------


def test_phase_one_offers_no_go_back_and_the_last_phase_no_advance(therapist_client, patient):
    assignment = factories.assign(patient)
    first = therapist_client.get(page(patient)).content.decode()
    assert 'id="advance-form"' in first and 'id="regress-form"' not in first

    for _ in range(3):
        therapist_client.post(
            reverse("admin:patients_patient_advance", args=[patient.pk]), {"reason": "gut"}
        )
    assignment.refresh_from_db()
    last = therapist_client.get(page(patient)).content.decode()

    assert assignment.current_phase.number == 4
    assert 'id="advance-form"' not in last and 'id="regress-form"' in last
    assert "This is the last phase of the programme." in last


# --- the cards -----------------------------------------------------------------------------------


def test_the_page_shows_a_card_per_exercise_with_its_forms(therapist_client, assignment):
    response = therapist_client.get(page(assignment.patient))
    body = response.content.decode()
    items = list(assignment.items.filter(removed_at__isnull=True))

    for item in items:
        assert f'id="item-{item.pk}"' in body
        assert builder_url(assignment.patient, "change", item) in body
        assert builder_url(assignment.patient, "remove", item) in body
    assert builder_url(assignment.patient, "add") in body
    add_form = response.context["builder"]["add_form"]
    offered = {
        value for _group, options in add_form.fields["exercise"].choices[1:] for value, _ in options
    }
    assert offered == set(
        Exercise.objects.exclude(pk__in=[item.exercise_id for item in items]).values_list(
            "pk", flat=True
        )
    )
    # Only phases reached: the patient is in phase 1.
    assert [number for number, _label in add_form.fields["phase"].choices] == [1]


def test_adding_an_exercise_with_load_and_hold(therapist_client, assignment, therapist):
    patient = assignment.patient
    plank = Exercise.objects.get(slug="plank-mtt")

    response = therapist_client.post(
        builder_url(patient, "add"),
        {
            "add-exercise": plank.pk,
            "add-phase": 1,
            "add-load_kg": "2.5",
            "add-band": "",
            "add-hold_s": "15",
            "add-side": "left",
        },
        follow=True,
    )

    item = assignment.items.get(exercise=plank)
    assert (item.load_kg, item.hold_s, item.side) == (Decimal("2.5"), 15, "left")
    assert response.redirect_chain[-1][0] == f"{page(patient)}#item-{item.pk}"
    card = response.content.decode()
    assert "with 2.5 kg, hold each repetition for 15 s, left side only" in card
    assert PhaseChange.objects.filter(kind=PhaseChangeKind.ADDED, to_exercise=plank).exists()
    assert audited(item, AuditAction.ADD).get().user == therapist


def test_a_refused_add_shows_the_error_and_writes_nothing(therapist_client, assignment):
    patient = assignment.patient
    plank = Exercise.objects.get(slug="plank-mtt")
    before = PrescriptionItem.objects.count()

    response = therapist_client.post(
        builder_url(patient, "add"),
        {"add-exercise": plank.pk, "add-phase": 1, "add-hold_s": "999", "add-side": "both"},
        follow=True,
    )

    assert PrescriptionItem.objects.count() == before
    assert response.redirect_chain[-1][0].endswith("#prescription-add")
    form = response.context["builder"]["add_form"]
    assert "hold_s" in form.errors and response.context["builder"]["add_open"]
    assert "Nothing was changed: see the message at the exercise." in messages_of(response)
    assert "less than or equal to 300" in response.content.decode()


def test_changing_the_dose_on_a_card(therapist_client, assignment, therapist):
    patient = assignment.patient
    item = assignment.items.first()
    sets = item.sets + 1

    response = therapist_client.post(
        builder_url(patient, "change", item),
        dose_data(item, sets=sets, load_kg="4", band="Theraband rot", hold_s=10, side="right"),
        follow=True,
    )

    item.refresh_from_db()
    assert (item.sets, item.load_kg, item.band) == (sets, Decimal(4), "Theraband rot")
    assert item.hold_s == 10
    change = assignment.phase_changes.get(kind=PhaseChangeKind.DOSE)
    assert change.changed_by == therapist and "Theraband rot" in change.reason
    assert set(audited(item).get().fields) == {"sets", "load_kg", "band", "hold_s", "side"}
    assert f"Dose of “{item.exercise}” changed." in messages_of(response)


def test_a_refused_dose_shows_the_errors_at_the_exercise(therapist_client, assignment):
    patient = assignment.patient
    item = assignment.items.first()
    sets = item.sets

    response = therapist_client.post(
        builder_url(patient, "change", item),
        dose_data(item, sets=50, load_kg="-1"),
        follow=True,
    )

    item.refresh_from_db()
    assert item.sets == sets and item.load_kg is None
    assert not audited(item).exists()
    assert not assignment.phase_changes.filter(kind=PhaseChangeKind.DOSE).exists()
    card = next(
        card
        for group in response.context["builder"]["groups"]
        for card in group["cards"]
        if card["item"].pk == item.pk
    )
    assert set(card["form"].errors) == {"sets", "load_kg"}
    body = response.content.decode()
    assert f'class="builder-card has-errors" id="item-{item.pk}"' in body
    # The card shows the stored dose, not the refused one.
    assert card["item"].sets == sets


def test_moving_and_removing(therapist_client, assignment, therapist):
    patient = assignment.patient
    first, second = assignment.items.order_by("order", "id")

    therapist_client.post(builder_url(patient, "move", first), {"direction": "down"})
    refused = therapist_client.post(
        builder_url(patient, "move", first), {"direction": "down"}, follow=True
    )
    removed = therapist_client.post(builder_url(patient, "remove", second), follow=True)

    assert any("last exercise of its phase" in m for m in messages_of(refused))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.order > second.order and second.removed_at is not None
    assert audited(first).get().fields == ["order"]
    assert audited(second).get().fields == ["removed_at"]
    assert f"“{second.exercise}” removed from the prescription." in messages_of(removed)
    history = removed.content.decode()
    assert "exercise removed" in history and "order changed" in history


def test_another_therapist_s_patient_answers_404(assignment, other_therapist):
    client = english_client(other_therapist)
    patient = assignment.patient
    item = assignment.items.first()
    for url, data in (
        (builder_url(patient, "add"), {"add-exercise": 1, "add-phase": 1}),
        (builder_url(patient, "change", item), dose_data(item, sets=1)),
        (builder_url(patient, "remove", item), {}),
        (builder_url(patient, "move", item), {"direction": "down"}),
    ):
        assert client.post(url, data).status_code == 404
    item.refresh_from_db()
    assert item.removed_at is None and item.sets != 1


def test_an_item_of_another_patient_answers_404(therapist_client, assignment, make_patient):
    other = factories.assign(make_patient())
    item = other.items.first()
    response = therapist_client.post(builder_url(assignment.patient, "remove", item))
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.removed_at is None


def test_the_builder_needs_post(therapist_client, assignment):
    item = assignment.items.first()
    assert therapist_client.get(builder_url(assignment.patient, "remove", item)).status_code == 405


def test_the_patient_page_costs_the_same_queries_with_more_exercises(
    therapist_client, assignment, therapist, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    patient = assignment.patient
    with CaptureQueriesContext(connection) as few:
        therapist_client.get(page(patient))
    for slug in ("plank-mtt", "segmentale-stabilisation", "rumaenisches-kreuzheben"):
        from patients import services

        services.prescription_item_add(
            assignment=assignment,
            exercise=Exercise.objects.get(slug=slug),
            phase_number=1,
            changed_by=therapist,
        )
    with CaptureQueriesContext(connection) as more:
        therapist_client.get(page(patient))
    assert len(more) == len(few)


def test_the_builder_renders_in_german(assignment, therapist):
    client = login_verified(Client(HTTP_ACCEPT_LANGUAGE="de"), therapist)
    plank = Exercise.objects.get(slug="plank-mtt")
    client.post(
        builder_url(assignment.patient, "add"),
        {"add-exercise": plank.pk, "add-phase": 1, "add-load_kg": "2.5", "add-side": "both"},
    )

    response = client.get(page(assignment.patient))

    assert response.status_code == 200
    item = assignment.items.get(exercise=plank)
    assert item.load_kg == Decimal("2.5")
    assert 'id="prescription"' in response.content.decode()
    assert "2,5 kg" in response.content.decode()
