"""The selection against the database: who gets which reminder in a window, in several time
zones and across daylight-saving changes, with the query budget pinned."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.models import HabitCheck, NextDayCheck, PrescriptionItem
from reminders.models import ReminderKind
from reminders.selectors import due_reminders

from .conftest import log_session, utc

pytestmark = pytest.mark.django_db

# 2026-06-01 is a Monday; Berlin is UTC+2 (CEST), New York UTC-4 (EDT), Kolkata UTC+5:30.
QUARTER = timedelta(minutes=15)


def select(end, start=None):
    return {
        (r.patient_id, r.day, r.kind) for r in due_reminders(start=start or end - QUARTER, end=end)
    }


def kinds_for(patient, end, start=None):
    return sorted(kind for pid, _day, kind in select(end, start) if pid == patient.pk)


def test_session_reminder_at_the_local_reminder_time_in_each_zone(make_patient):
    berlin = make_patient(time_zone="Europe/Berlin", reminder_time=time(18))
    new_york = make_patient(time_zone="America/New_York", reminder_time=time(18))
    kolkata = make_patient(time_zone="Asia/Kolkata", reminder_time=time(18))
    assert select(utc(2026, 6, 1, 16)) == {(berlin.pk, date(2026, 6, 1), ReminderKind.SESSION)}
    assert select(utc(2026, 6, 1, 22)) == {(new_york.pk, date(2026, 6, 1), ReminderKind.SESSION)}
    assert select(utc(2026, 6, 1, 12, 30)) == {(kolkata.pk, date(2026, 6, 1), ReminderKind.SESSION)}
    assert select(utc(2026, 6, 1, 16, 15)) == set()  # 18:15 in Berlin: the window has passed


def test_opted_out_patients_get_nothing(make_patient):
    patient = make_patient(reminder_time=time(18), reminder_opt_out=True, habit_reminders=True)
    log_session(patient, utc(2026, 5, 31, 10))
    for hour in range(24):
        assert select(utc(2026, 6, 1, hour), utc(2026, 6, 1, hour) - timedelta(hours=1)) == set()


def test_quiet_hours_suppress_the_reminder(make_patient):
    make_patient(reminder_time=time(22), quiet_hours_start=time(21), quiet_hours_end=time(7))
    late = make_patient(reminder_time=time(22), quiet_hours_start=time(23), quiet_hours_end=time(6))
    assert select(utc(2026, 6, 1, 20)) == {(late.pk, date(2026, 6, 1), ReminderKind.SESSION)}


def test_nothing_when_a_session_is_logged_today(make_patient):
    patient = make_patient(reminder_time=time(18))
    log_session(patient, utc(2026, 6, 1, 6))  # 08:00 Berlin, same day
    assert select(utc(2026, 6, 1, 16)) == set()


def test_a_session_late_yesterday_evening_does_not_count_for_today(make_patient):
    patient = make_patient(reminder_time=time(18))
    log_session(patient, utc(2026, 5, 31, 21, 30))  # 23:30 Berlin on 31 May, 21:30 UTC
    assert kinds_for(patient, utc(2026, 6, 1, 16)) == [ReminderKind.SESSION]


def test_local_day_not_utc_day_decides_logged_today(make_patient):
    # 00:30 Berlin on 2 June is still 1 June in UTC: it is a session of 2 June for the patient.
    patient = make_patient(reminder_time=time(18))
    log_session(patient, utc(2026, 6, 1, 22, 30))
    assert kinds_for(patient, utc(2026, 6, 2, 16)) == []
    assert kinds_for(patient, utc(2026, 6, 1, 16)) == [ReminderKind.SESSION]


def test_evening_nudge_once_if_still_nothing_logged(make_patient):
    waiting = make_patient(reminder_time=time(8))
    trained = make_patient(reminder_time=time(8))
    late_reminder = make_patient(reminder_time=time(19))  # no nudge 30 minutes after it
    log_session(trained, utc(2026, 6, 1, 12))
    evening = [
        select(utc(2026, 6, 1, 17) + QUARTER * i, utc(2026, 6, 1, 17) + QUARTER * (i - 1))
        for i in range(8)
    ]
    nudges = [r for run in evening for r in run if r[2] == ReminderKind.EVENING]
    assert nudges == [(waiting.pk, date(2026, 6, 1), ReminderKind.EVENING)]
    assert late_reminder.pk not in {pid for pid, _day, _kind in nudges}


def test_evening_nudge_can_be_switched_off(make_patient, settings):
    settings.REMINDER_EVENING_NUDGE_TIME = ""
    make_patient(reminder_time=time(8))
    assert select(utc(2026, 6, 1, 17, 30)) == set()


@pytest.mark.parametrize(
    ("zone", "day", "night_start"),
    [
        ("Europe/Berlin", date(2026, 3, 29), utc(2026, 3, 28, 22)),  # clocks go forward
        ("Europe/Berlin", date(2026, 10, 25), utc(2026, 10, 24, 21)),  # clocks go back
        ("America/New_York", date(2026, 3, 8), utc(2026, 3, 8, 3)),
        ("America/New_York", date(2026, 11, 1), utc(2026, 11, 1, 2)),
    ],
)
def test_dst_nights_send_each_reminder_exactly_once(make_patient, zone, day, night_start):
    times = [time(1, 30), time(2), time(2, 30), time(2, 59), time(3), time(3, 30)]
    patients = {make_patient(time_zone=zone, reminder_time=at).pk: at for at in times}
    hits = []
    for i in range(1, 8 * 4 + 1):
        end = night_start + QUARTER * i
        hits.extend((pid, d) for pid, d, kind in select(end) if kind == ReminderKind.SESSION)
    assert sorted(hits) == sorted((pid, day) for pid in patients)


def test_dst_day_evening_reminder_comes_at_local_time(make_patient):
    patient = make_patient(reminder_time=time(18))
    # 29 March 2026 is CEST from 03:00: 18:00 local is 16:00 UTC, not 17:00.
    assert kinds_for(patient, utc(2026, 3, 29, 16)) == [ReminderKind.SESSION]
    assert kinds_for(patient, utc(2026, 3, 28, 17)) == [ReminderKind.SESSION]  # CET the day before


def test_next_day_check_after_a_session(make_patient):
    patient = make_patient(reminder_time=time(18))
    session = log_session(patient, utc(2026, 5, 31, 15))
    reminders = due_reminders(start=utc(2026, 6, 1, 6, 45), end=utc(2026, 6, 1, 7))  # 09:00
    assert [(r.kind, r.day, r.details) for r in reminders] == [
        (ReminderKind.NEXT_DAY, date(2026, 6, 1), {"session": session.pk})
    ]
    NextDayCheck.objects.create(session=session, answered_at=utc(2026, 6, 1, 6), pain=2)
    assert select(utc(2026, 6, 1, 7)) == set()


def test_no_next_day_check_after_a_session_stopped_at_the_safety_questions(make_patient):
    patient = make_patient(reminder_time=time(18))
    log_session(patient, utc(2026, 5, 31, 15), slugs=[], pain_after=None)
    assert select(utc(2026, 6, 1, 7)) == set()


def test_habit_reminder_when_enabled_and_not_all_ticked(make_patient):
    patient = make_patient(reminder_time=time(18), habit_reminders=True)
    make_patient(reminder_time=time(18))  # habits off
    assert select(utc(2026, 6, 1, 9)) == {(patient.pk, date(2026, 6, 1), ReminderKind.HABITS)}
    program = patient.assignments.get().program
    for habit in program.habits.all():
        HabitCheck.objects.create(patient=patient, habit=habit, day=date(2026, 6, 1))
    assert select(utc(2026, 6, 1, 9)) == set()


def _only_strength(patient):
    """Drop the every-day items: only 2–3×/week work (interval 2, at most 3 a week) is left."""
    items = PrescriptionItem.objects.filter(assignment__patient=patient)
    items.update(interval_days=2, weekly_target=2, weekly_max=3)


def test_due_ness_follows_the_scheduling_rule_without_every_day_exercises(make_patient):
    rested = make_patient(reminder_time=time(18))
    trained_yesterday = make_patient(reminder_time=time(18))
    week_full = make_patient(reminder_time=time(18))
    for patient in (rested, trained_yesterday, week_full):
        _only_strength(patient)
    log_session(rested, utc(2026, 6, 1, 8))  # Monday
    log_session(trained_yesterday, utc(2026, 6, 3, 8))  # Wednesday
    for day in (1, 3, 5):  # Monday, Wednesday, Friday: the weekly maximum of 3
        log_session(week_full, utc(2026, 6, day, 8))
    due = {pid for pid, _day, _kind in select(utc(2026, 6, 4, 16))}  # Thursday 18:00
    assert due == {rested.pk}
    due = {pid for pid, _day, _kind in select(utc(2026, 6, 7, 16))}  # Sunday
    assert due == {rested.pk, trained_yesterday.pk}


def test_nothing_due_without_exercises(make_patient):
    empty = make_patient(reminder_time=time(18))
    PrescriptionItem.objects.filter(assignment__patient=empty).delete()
    assert select(utc(2026, 6, 1, 16)) == set()


def test_selection_query_budget(make_patient, django_assert_max_num_queries):
    """Set-based: the same few queries for 3 or 300 patients, with every kind in play."""
    zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Europe/Lisbon"]
    patients = [
        make_patient(time_zone=zones[i % 4], reminder_time=time(18), habit_reminders=True)
        for i in range(24)
    ]
    for patient in patients[::3]:
        _only_strength(patient)
    for patient in patients[::2]:
        log_session(patient, utc(2026, 5, 31, 8))
    with CaptureQueriesContext(connection) as small:
        due_reminders(start=utc(2026, 5, 31, 12), end=utc(2026, 6, 1, 12))
    for patient in patients:
        for _ in range(4):
            make_patient(time_zone=patient.time_zone, reminder_time=time(18), habit_reminders=True)
    with django_assert_max_num_queries(len(small)):
        reminders = due_reminders(start=utc(2026, 5, 31, 12), end=utc(2026, 6, 1, 12))
    assert len(small) <= 4
    assert {r.kind for r in reminders} >= {
        ReminderKind.SESSION,
        ReminderKind.NEXT_DAY,
        ReminderKind.HABITS,
    }


def test_a_nudge_before_one_in_the_morning_follows_no_reminder_of_that_day():
    from django.db.models import Q

    from reminders.selectors import _evening_branch

    assert _evening_branch(date(2026, 6, 1), Q(), time(0, 30)) is None


def test_without_active_questionnaires_the_session_reminder_still_comes(make_patient):
    from questionnaires.models import Questionnaire

    Questionnaire.objects.update(is_active=False)
    berlin = make_patient(time_zone="Europe/Berlin", reminder_time=time(18))

    assert select(utc(2026, 6, 1, 16)) == {(berlin.pk, date(2026, 6, 1), ReminderKind.SESSION)}
