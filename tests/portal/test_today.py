import pytest
from django.urls import reverse

from patients import services
from patients.models import Alert, NextDayCheck
from patients.selectors import open_assignment
from programs.models import Exercise, ExerciseMedia
from tests.portal.conftest import log_session, make_patient

pytestmark = pytest.mark.django_db


def test_today_shows_the_phase_2_plan_with_the_dose_in_words(patient_client):
    response = patient_client.get(reverse("portal:today"))
    page = response.content.decode()
    assert "Activating inner stability" in page
    for name in (
        "Lower-back release with the double ball",
        "Segmental stabilisation",
        "Plank variations (MTT style)",
    ):
        assert name in page
    assert "3 × 15–20, slow, 30 s rest" in page
    assert [entry.item.exercise.slug for entry in response.context["due"]] == [
        "lws-release-doppelball",
        "passive-extension-faszienrolle",
        "segmentale-stabilisation",
        "plank-mtt",
    ]


def test_today_shows_what_is_done(patient_client, patient):
    log_session(patient, slugs=["plank-mtt"])
    response = patient_client.get(reverse("portal:today"))
    assert [entry.item.exercise.slug for entry in response.context["done_today"]] == ["plank-mtt"]
    assert "plank-mtt" not in [entry.item.exercise.slug for entry in response.context["due"]]


def test_today_without_programme(client, therapist):
    patient = make_patient(therapist, "fritz", phase=0)
    client.force_login(patient.user)
    response = client.get(reverse("portal:today"))
    assert "has not started a programme" in response.content.decode()


def _yesterday_session(patient, **values):
    return log_session(patient, days_ago=1, **values)


def test_next_day_check_is_asked_and_recorded(patient_client, patient):
    session = _yesterday_session(patient, pain_before=2, pain_after=2)
    page = patient_client.get(reverse("portal:today"))
    assert page.context["pending_check"] == session
    response = patient_client.post(
        reverse("portal:next_day_check"), {"session": session.pk, "pain": 3, "notes": "ok"}
    )
    assert response["Location"] == reverse("portal:today")
    check = NextDayCheck.objects.get(session=session)
    assert (check.pain, check.notes, check.flagged) == (3, "ok", False)
    assert patient_client.get(reverse("portal:today")).context["pending_check"] is None


def test_next_day_check_worse_by_two_flags_and_advises(patient_client, patient):
    session = _yesterday_session(patient, pain_before=2, pain_after=2)
    response = patient_client.post(
        reverse("portal:next_day_check"), {"session": session.pk, "pain": 4}, follow=True
    )
    page = response.content.decode()
    assert "less load or fewer repetitions next time" in page
    session.refresh_from_db()
    assert session.flagged and "next_day_worse" in session.flag_reasons
    assert Alert.objects.filter(session=session, kind="next_day_worse").exists()


@pytest.mark.parametrize("pain", ["11", "-1", "", "x"])
def test_next_day_check_rejects_bad_values(patient_client, patient, pain):
    session = _yesterday_session(patient)
    response = patient_client.post(
        reverse("portal:next_day_check"), {"session": session.pk, "pain": pain}
    )
    assert response.status_code == 400
    assert response.context["next_day_form"].errors["pain"]
    assert not NextDayCheck.objects.exists()


def test_next_day_check_for_another_patients_session_is_not_found(patient_client, other_patient):
    session = _yesterday_session(other_patient)
    response = patient_client.post(
        reverse("portal:next_day_check"), {"session": session.pk, "pain": 2}
    )
    assert response.status_code == 404
    assert not NextDayCheck.objects.exists()


def test_next_day_check_cannot_be_answered_twice(patient_client, patient):
    session = _yesterday_session(patient)
    patient_client.post(reverse("portal:next_day_check"), {"session": session.pk, "pain": 2})
    response = patient_client.post(
        reverse("portal:next_day_check"), {"session": session.pk, "pain": 5}
    )
    assert response.status_code == 400
    assert NextDayCheck.objects.get().pain == 2


def test_paused_programme_is_shown(patient_client, patient):
    services.assignment_pause(assignment=open_assignment(patient), changed_by=None)
    page = patient_client.get(reverse("portal:today")).content.decode()
    assert "programme is paused" in page
    assert "Start the guided session" not in page


def test_today_query_count_does_not_grow_with_history(
    patient_client, patient, django_assert_max_num_queries
):
    for day in range(1, 60):
        log_session(patient, days_ago=day % 14, slugs=["lws-release-doppelball", "plank-mtt"])
    _yesterday_session(patient)
    patient_client.get(reverse("portal:today"))  # "How to do it" rendered for this revision
    # The safety banner's query on every portal page brings the catalogue revision and the
    # habit ticks along; exercise texts, pictures, habits and "How to do it" come from the
    # catalogue snapshot.
    with django_assert_max_num_queries(8):
        response = patient_client.get(reverse("portal:today"))
    assert response.status_code == 200
    assert response.context["pending_check"] is not None


def test_how_to_do_it_follows_catalogue_changes_on_the_next_request(patient_client):
    """The cards' "How to do it" is rendered once per catalogue revision and language
    (patients/portal/fragments.py); a change to the catalogue shows on the next request."""
    first = patient_client.get(reverse("portal:today")).content.decode()
    assert "Keep the lower back long" not in first
    exercise = Exercise.objects.get(slug="plank-mtt")
    Exercise.objects.filter(pk=exercise.pk).update(
        instructions_en="Keep the lower back long.", safety_notes_en="Stop if it hurts."
    )
    ExerciseMedia.objects.filter(exercise=exercise, role="start_position").update(
        alt_en="Forearms under the shoulders"
    )

    page = patient_client.get(reverse("portal:today")).content.decode()

    assert "<p>Keep the lower back long.</p>" in page
    assert "<strong>Safety:</strong> Stop if it hurts." in page
    assert 'alt="Forearms under the shoulders"' in page  # the cover and the picture
    assert page.count('alt="Forearms under the shoulders"') == 2
