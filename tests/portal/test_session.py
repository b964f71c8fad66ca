"""The guided session as a plain form post: exactly what was entered is stored, or nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients import services
from patients.models import Alert, ExerciseEntry, SessionLog
from patients.selectors import open_assignment
from programs.models import Exercise
from tests.portal.conftest import PHASE_2_EXERCISES, log_session

pytestmark = pytest.mark.django_db


def _ids():
    return dict(Exercise.objects.filter(slug__in=PHASE_2_EXERCISES).values_list("slug", "pk"))


def _post_data(entries, **session):
    data = {
        "idempotency_key": "k" * 32,
        "pain_before": "2",
        "pain_after": "3",
        "rpe": "5",
        "red_flag_saddle_numbness": "no",
        "red_flag_bladder_bowel": "no",
        "red_flag_leg_weakness": "no",
        "notes": "",
        "entry-TOTAL_FORMS": str(len(entries)),
        "entry-INITIAL_FORMS": str(len(entries)),
        "entry-MIN_NUM_FORMS": "1",
        "entry-MAX_NUM_FORMS": "30",
    }
    for index, entry in enumerate(entries):
        for key, value in entry.items():
            data[f"entry-{index}-{key}"] = "" if value is None else str(value)
    data.update({key: str(value) for key, value in session.items()})
    return data


def _entries(**overrides):
    ids = _ids()
    rows = [
        {"exercise": ids["lws-release-doppelball"], "sets_done": 2, "pain": 1},
        {"exercise": ids["segmentale-stabilisation"], "sets_done": 3, "reps": 15, "pain": 2},
        {"exercise": ids["plank-mtt"], "sets_done": 3, "reps": 12, "load_kg": "2.5", "pain": 3},
    ]
    for key, value in overrides.items():
        index, field = key.split("__")
        rows[int(index)][field] = value
    return rows


def test_the_form_lists_the_due_exercises(patient_client):
    response = patient_client.get(reverse("portal:session"))
    steps = response.context["steps"]
    assert [step["planned"].item.exercise.slug for step in steps] == PHASE_2_EXERCISES
    page = response.content.decode()
    assert 'name="entry-3-reps"' in page
    assert 'placeholder="15–20"' in page
    assert 'name="pain_before"' in page and 'name="red_flag_leg_weakness"' in page


def test_a_session_stores_exactly_what_was_entered(patient_client, patient):
    data = _post_data(_entries(), notes="Went well")
    response = patient_client.post(reverse("portal:session"), data)
    session = SessionLog.objects.get()
    assert response["Location"] == reverse("portal:session_feedback", args=[session.pk])
    assert (session.patient, session.pain_before, session.pain_after, session.rpe) == (
        patient,
        2,
        3,
        5,
    )
    assert session.notes == "Went well"
    assert not session.flagged
    assert not (
        session.red_flag_saddle_numbness
        or session.red_flag_bladder_bowel
        or session.red_flag_leg_weakness
    )
    stored = [
        (e.exercise.slug, e.sets_done, e.reps, e.duration_s, e.load_kg, e.pain, e.skipped)
        for e in session.entries.select_related("exercise").order_by("id")
    ]
    assert stored == [
        ("lws-release-doppelball", 2, None, None, None, 1, False),
        ("segmentale-stabilisation", 3, 15, None, None, 2, False),
        ("plank-mtt", 3, 12, None, pytest.approx(2.5), 3, False),
    ]
    page = patient_client.get(response["Location"]).content.decode()
    assert "stayed below your pain limit" in page


def test_a_skipped_exercise_is_stored_as_skipped(patient_client):
    data = _post_data(_entries(**{"1__skipped": "on", "1__skip_reason": "No time", "1__pain": ""}))
    patient_client.post(reverse("portal:session"), data)
    entry = ExerciseEntry.objects.get(exercise__slug="segmentale-stabilisation")
    assert (entry.skipped, entry.skip_reason, entry.sets_done, entry.reps, entry.pain) == (
        True,
        "No time",
        0,
        None,
        None,
    )


def test_pain_above_the_limit_flags_and_shows_the_advice(patient_client, patient):
    response = patient_client.post(
        reverse("portal:session"), _post_data(_entries(**{"2__pain": 5})), follow=True
    )
    page = response.content.decode()
    session = SessionLog.objects.get()
    assert session.flagged and session.flag_reasons == ["pain_above_limit"]
    assert "This session needs attention" in page
    assert "Pain was above your pain limit" in page
    assert "Make the movement smaller or use less load." in page
    assert "contact your therapist" in page
    assert "stayed below" not in page
    assert Alert.objects.filter(session=session, kind="pain_above_limit").exists()


@pytest.mark.parametrize(
    ("changes", "entry_changes", "field"),
    [
        ({"pain_before": "11"}, {}, "pain_before"),
        ({"pain_after": ""}, {}, "pain_after"),
        ({"rpe": "-1"}, {}, "rpe"),
        ({"red_flag_leg_weakness": ""}, {}, "red_flag_leg_weakness"),
        ({"notes": "x" * 2001}, {}, "notes"),
        ({}, {"0__sets_done": "21"}, "entry-0-sets_done"),
        ({}, {"0__sets_done": "0"}, "entry-0-sets_done"),
        ({}, {"1__reps": "201"}, "entry-1-reps"),
        ({}, {"1__reps": "-3"}, "entry-1-reps"),
        ({}, {"2__load_kg": "301"}, "entry-2-load_kg"),
        ({}, {"2__pain": "12"}, "entry-2-pain"),
        ({}, {"2__pain": ""}, "entry-2-pain"),
    ],
)
def test_bad_values_show_errors_and_write_nothing(patient_client, changes, entry_changes, field):
    data = _post_data(_entries(**entry_changes), **changes)
    response = patient_client.post(reverse("portal:session"), data)
    assert response.status_code == 400
    assert f'name="{field}"' in response.content.decode()
    errors = response.context["form"].errors
    formset = response.context["formset"]
    assert errors or formset.total_error_count()
    assert not SessionLog.objects.exists()
    assert not ExerciseEntry.objects.exists()


def test_an_exercise_outside_the_prescription_is_refused(patient_client):
    foreign = Exercise.objects.get(slug="reaktives-federn")
    data = _post_data(_entries(**{"0__exercise": foreign.pk}))
    response = patient_client.post(reverse("portal:session"), data)
    assert response.status_code == 400
    assert "no longer in your prescription" in response.content.decode()
    assert not SessionLog.objects.exists()


def test_all_exercises_skipped_is_refused(patient_client):
    rows = [{"exercise": _ids()["plank-mtt"], "sets_done": 0, "skipped": "on"}]
    response = patient_client.post(reverse("portal:session"), _post_data(rows))
    assert response.status_code == 400
    assert not SessionLog.objects.exists()


def test_sending_the_form_twice_stores_one_session(patient_client):
    data = _post_data(_entries())
    first = patient_client.post(reverse("portal:session"), data)
    second = patient_client.post(reverse("portal:session"), data)
    assert SessionLog.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_paused_programme_cannot_be_logged(patient_client, patient):
    services.assignment_pause(assignment=open_assignment(patient), changed_by=None)
    response = patient_client.get(reverse("portal:session"))
    assert "programme is paused" in response.content.decode()
    assert patient_client.post(reverse("portal:session"), _post_data(_entries())).status_code == 200
    assert not SessionLog.objects.exists()


def test_nothing_due_offers_to_train_anyway(patient_client, patient):
    log_session(patient, slugs=PHASE_2_EXERCISES)
    response = patient_client.get(reverse("portal:session"))
    assert response.context["nothing_due"]
    response = patient_client.get(reverse("portal:session") + "?all=1")
    assert len(response.context["steps"]) == 4


def test_session_page_query_counts(patient_client, patient, django_assert_max_num_queries):
    for day in range(1, 40):
        log_session(patient, days_ago=day % 14, slugs=PHASE_2_EXERCISES)
    # Includes the one query of the safety banner on every portal page, and two for the steps'
    # pictures and the variants named under "How to do it" (programs.selectors.attach_display).
    with django_assert_max_num_queries(8):
        assert patient_client.get(reverse("portal:session") + "?all=1").status_code == 200
    with django_assert_max_num_queries(25):
        response = patient_client.post(reverse("portal:session") + "?all=1", _post_data(_entries()))
    assert response.status_code == 302
    with django_assert_max_num_queries(6):
        assert patient_client.get(response["Location"]).status_code == 200


def test_each_step_shows_the_dose_once(patient_client):
    """docs/product.md, "Web pages": the dose names the tempo; no second line repeats it."""
    page = patient_client.get(reverse("portal:session")).content.decode()  # in English
    step = page[page.index('id="step-1"') : page.index('id="step-2"')]
    assert step.count("2 sets per region, very slow, about 1 cm per second") == 1
    assert "very slowly, about 1 cm per second" not in step
    assert "Pass done" not in page and "passes done" not in page


def test_a_session_saved_offline_counts_for_the_time_it_was_done(patient_client, patient):
    """docs/product.md, "Installable app and offline use": sent the next morning, it still
    counts for yesterday evening."""
    done = (timezone.now() - timedelta(hours=14)).replace(microsecond=0)
    data = _post_data(_entries(), performed_at=done.isoformat())
    response = patient_client.post(reverse("portal:session"), data)
    assert response.status_code == 302
    assert SessionLog.objects.get().performed_at == done
