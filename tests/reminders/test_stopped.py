"""A programme stopped by a red flag (or paused) gets no training, evening, habit or next-day
reminder, not even one whose record was written before it stopped, and its calendar feed shows
nothing due; the weekly digest names the new alert kinds and e-mails with an unknown outcome."""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from icalendar import Calendar

from patients import services as patient_services
from patients.models import Alert, AssignmentStatus, FlagKind
from reminders import digest, emails, services
from reminders.models import Delivery, DeliveryStatus, Digest, ReminderKind
from reminders.selectors import DueReminder, due_reminders

from .conftest import log_session, utc

pytestmark = pytest.mark.django_db

TRAINING_KINDS = {
    ReminderKind.SESSION,
    ReminderKind.EVENING,
    ReminderKind.HABITS,
    ReminderKind.NEXT_DAY,
}


def _report_red_flag(patient):
    patient_services.symptom_report_create(
        patient=patient,
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=True,
        pain=3,
    )


def _whole_day_kinds(patient) -> set[str]:
    """Every reminder kind due for the patient on 1 June 2026 (Berlin), one window for the day."""
    return {
        reminder.kind
        for reminder in due_reminders(start=utc(2026, 5, 31, 22), end=utc(2026, 6, 1, 21, 59))
        if reminder.patient_id == patient.pk
    }


@pytest.mark.parametrize("how", ["stopped", "paused"])
def test_a_stopped_or_paused_programme_gets_no_training_reminders(make_patient, therapist, how):
    running = make_patient(reminder_time=time(18), habit_reminders=True)
    halted = make_patient(reminder_time=time(18), habit_reminders=True)
    for patient in (running, halted):
        log_session(patient, utc(2026, 5, 31, 15))  # yesterday: a next-day check is due today
    assert _whole_day_kinds(running) == TRAINING_KINDS
    assert _whole_day_kinds(halted) == TRAINING_KINDS
    if how == "stopped":
        _report_red_flag(halted)
    else:
        patient_services.assignment_pause(assignment=halted.assignments.get(), changed_by=therapist)
    assert halted.assignments.get().status == how
    assert _whole_day_kinds(halted) == set()
    assert _whole_day_kinds(running) == TRAINING_KINDS


def test_a_reminder_written_before_the_stop_is_not_sent(make_patient, therapist):
    patient = make_patient(reminder_time=time(18), habit_reminders=True)
    today = timezone.localdate()
    ids = services.deliveries_create(
        due=[DueReminder(patient.pk, today, kind) for kind in TRAINING_KINDS],
        now=timezone.now(),
    )
    _report_red_flag(patient)
    mail.outbox.clear()  # the therapist's red-flag e-mail is not the subject here
    assert {services.delivery_send(delivery_id=pk) for pk in ids} == {DeliveryStatus.SKIPPED}
    assert mail.outbox == []
    errors = set(Delivery.objects.filter(pk__in=ids).values_list("error", flat=True))
    assert errors == {
        "the programme is not active (paused, stopped after a red flag, or completed)"
    }


def test_the_calendar_feed_of_a_stopped_programme_shows_nothing_due(make_patient, client):
    patient = make_patient(language="en")
    token = services.calendar_token_rotate(patient=patient)
    before = Calendar.from_ical(client.get(f"/calendar/{token}.ics").content)
    assert before.walk("VEVENT")
    _report_red_flag(patient)
    assert patient.assignments.get().status == AssignmentStatus.STOPPED
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert Calendar.from_ical(response.content).walk("VEVENT") == []


def test_digest_names_alert_kinds_red_flags_and_unknown_outcomes_in_words(
    make_patient, therapist, settings, django_assert_max_num_queries
):
    settings.LANGUAGE_CODE = "en"
    pain = make_patient()
    red = make_patient()
    for kind in (FlagKind.PAIN_HIGH, FlagKind.PAIN_HIGH, FlagKind.NEXT_DAY_PAIN_HIGH):
        Alert.objects.create(patient=pain, kind=kind)
    Alert.objects.create(patient=pain, kind=FlagKind.NEXT_DAY_WORSE, acknowledged_at=timezone.now())
    _report_red_flag(red)
    (unknown,) = services.deliveries_create(
        due=[DueReminder(red.pk, timezone.localdate(), ReminderKind.SESSION)],
        now=timezone.now(),
    )
    Delivery.objects.filter(pk=unknown).update(status=DeliveryStatus.UNKNOWN)
    Delivery.objects.filter(kind=ReminderKind.RED_FLAG).update(
        status=DeliveryStatus.UNKNOWN, day=timezone.localdate() - timedelta(days=8)
    )  # older than a week: not listed
    with translation.override("en"), django_assert_max_num_queries(12):
        content = digest.digest_content(therapist=therapist)
    assert content.flagged == [
        (pain, [("high pain the next day", 1), ("pain above 5 (high-risk zone)", 2)])
    ]
    assert content.red_flags == [(red, "new or worsening leg weakness")] or (
        [patient for patient, _sign in content.red_flags] == [red]
    )
    assert [(patient, kind) for patient, kind, _day in content.uncertain] == [
        (red, "session reminder")
    ]
    record = Digest.objects.create(
        therapist=therapist,
        week=date(2026, 6, 1),
        batch=Delivery.objects.get(pk=unknown).batch,
        updated_at=timezone.now(),
    )
    body = emails.digest_message(record).body
    assert "Alerts not yet acknowledged:" in body
    assert f"- {pain}: high pain the next day, pain above 5 (high-risk zone) (2)" in body
    assert "Red flags not yet cleared:" in body
    assert "E-mails whose delivery is unknown" in body
    assert f"- {red}: session reminder, " in body
