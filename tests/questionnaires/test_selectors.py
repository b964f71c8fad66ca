"""Schedule: due at baseline (week 0), after 4 and after 12 weeks, each for 14 days from the
start of its week, until answered for that week."""

from datetime import date, timedelta

import pytest

from patients.models import Assignment, AssignmentStatus
from programs.models import Phase, Program
from questionnaires import selectors
from questionnaires.services import response_submit

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)
ALL = {"disability-index", "fear-of-movement", "nrs-pain-week"}


def _due(patient, today):
    return {
        (due.questionnaire.slug, due.due_week)
        for due in selectors.due_questionnaires(patient=patient, today=today, program_start=START)
    }


def _assign(patient, start, status=AssignmentStatus.ACTIVE):
    return Assignment.objects.create(
        patient=patient,
        program=Program.objects.get(slug="master"),
        current_phase=Phase.objects.get(number=1),
        phase_started_on=start,
        start_date=start,
        status=status,
    )


@pytest.mark.parametrize(
    ("day", "week"),
    [(0, 0), (13, 0), (28, 4), (41, 4), (84, 12), (97, 12)],
)
def test_all_questionnaires_are_due_inside_the_window_of_a_schedule_week(patient, day, week):
    due = _due(patient, START + timedelta(days=day))

    assert due == {(slug, week) for slug in ALL}


@pytest.mark.parametrize("day", [-1, 14, 27, 42, 83, 98, 200])
def test_nothing_is_due_outside_the_windows(patient, day):
    assert _due(patient, START + timedelta(days=day)) == set()


def test_an_answered_week_is_no_longer_due(patient, nrs, odi, django_assert_num_queries):
    response_submit(
        patient=patient, questionnaire=nrs, answers={"pain-average-week": 3}, due_week=0
    )

    with django_assert_num_queries(2):
        due = _due(patient, START + timedelta(days=1))

    assert due == {("disability-index", 0), ("fear-of-movement", 0)}
    assert _due(patient, START + timedelta(days=30)) == {(slug, 4) for slug in ALL}


def test_responses_from_before_the_programme_start_do_not_count(patient, nrs):
    response = response_submit(
        patient=patient, questionnaire=nrs, answers={"pain-average-week": 3}, due_week=0
    )
    response.submitted_at = response.submitted_at.replace(year=2025)
    response.save()

    assert ("nrs-pain-week", 0) in _due(patient, START)


def test_the_schedule_is_configurable_per_questionnaire(patient, tsk):
    tsk.schedule_weeks = [0, 6]
    tsk.due_window_days = 7
    tsk.save()

    assert ("fear-of-movement", 6) in _due(patient, START + timedelta(days=42))
    assert ("fear-of-movement", 6) not in _due(patient, START + timedelta(days=49))
    assert ("fear-of-movement", 4) not in _due(patient, START + timedelta(days=28))


def test_inactive_questionnaires_are_never_due(patient, tsk):
    tsk.is_active = False
    tsk.save()

    assert "fear-of-movement" not in {slug for slug, _week in _due(patient, START)}


def test_the_programme_start_is_the_open_assignment_else_the_latest(make_patient):
    open_one, finished, none = make_patient("open"), make_patient("done"), make_patient("none")
    _assign(open_one, date(2026, 1, 5), AssignmentStatus.COMPLETED)
    _assign(open_one, date(2025, 12, 1), AssignmentStatus.PAUSED)
    _assign(finished, date(2025, 6, 1), AssignmentStatus.COMPLETED)
    _assign(finished, date(2025, 9, 1), AssignmentStatus.COMPLETED)

    starts = selectors.program_starts([open_one.pk, finished.pk, none.pk])

    assert starts == {open_one.pk: date(2025, 12, 1), finished.pk: date(2025, 9, 1)}
    assert selectors.program_start(none) is None


def test_due_counts_for_many_patients_take_a_fixed_number_of_queries(
    make_patient, nrs, django_assert_num_queries
):
    patients = [make_patient(f"p{number}") for number in range(20)]
    for patient in patients:
        _assign(patient, START)
    response_submit(
        patient=patients[0], questionnaire=nrs, answers={"pain-average-week": 1}, due_week=0
    )
    without_programme = make_patient("idle")

    with django_assert_num_queries(4):
        counts = selectors.due_counts_for_patients(
            [*(patient.pk for patient in patients), without_programme.pk], START
        )

    assert counts[patients[0].pk] == 2
    assert all(counts[patient.pk] == 3 for patient in patients[1:])
    assert without_programme.pk not in counts
    single = selectors.due_questionnaires(patient=patients[0], today=START, program_start=START)
    assert len(single) == counts[patients[0].pk]


def test_due_counts_leave_out_patients_without_a_programme(make_patient, django_assert_num_queries):
    idle = make_patient("idle2")

    with django_assert_num_queries(1):
        assert selectors.due_counts_for_patients([idle.pk], date(2026, 3, 1)) == {}


def test_due_counts_ignore_an_answer_from_the_evening_before_the_programme_start(make_patient, nrs):
    from datetime import UTC, datetime

    patient = make_patient("early")
    _assign(patient, START)
    # The day before the start, at noon UTC: inside the query's margin of a day, but before
    # midnight of the start day in the patient's zone.
    before = datetime(START.year, START.month, START.day - 1, 12, tzinfo=UTC)
    response_submit(
        patient=patient,
        questionnaire=nrs,
        answers={"pain-average-week": 1},
        due_week=0,
        submitted_at=before,
    )

    assert selectors.due_counts_for_patients([patient.pk], START) == {patient.pk: 3}
