"""Questionnaire reminders against the questionnaires app's own rule, the weekly digest, the
command and the calendar feed."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation
from icalendar import Calendar

from patients.models import Alert, RedFlag, RedFlagSign, RedFlagSource
from questionnaires.models import Questionnaire, Response
from questionnaires.selectors import due_questionnaires
from reminders import digest, selectors, services
from reminders.models import Delivery, DeliveryStatus, Digest, ReminderKind

from .conftest import log_session, utc

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 1)  # a Monday
SIX_PM_BERLIN = utc(2026, 6, 1, 16)


def test_questionnaire_reminders_follow_the_questionnaire_schedule(make_patient):
    """Whatever the programme start, a reminder exactly when ``due_questionnaires`` says so."""
    patients = {
        offset: make_patient(reminder_time=time(18), start=DAY - timedelta(days=offset))
        for offset in range(0, 100, 3)
    }
    answered = make_patient(reminder_time=time(18), start=DAY - timedelta(days=30))
    for questionnaire in Questionnaire.objects.filter(is_active=True):
        Response.objects.create(
            patient=answered,
            questionnaire=questionnaire,
            due_week=4,
            submitted_at=utc(2026, 5, 31, 10),
        )
    reminded = {
        r.patient_id
        for r in selectors.due_reminders(
            start=SIX_PM_BERLIN - timedelta(minutes=15), end=SIX_PM_BERLIN
        )
        if r.kind == ReminderKind.QUESTIONNAIRE
    }
    for offset, patient in patients.items():
        expected = bool(
            due_questionnaires(
                patient=patient, today=DAY, program_start=DAY - timedelta(days=offset)
            )
        )
        assert (patient.pk in reminded) is expected, offset
    assert answered.pk not in reminded
    assert reminded  # some windows are open


def test_questionnaire_reminder_at_most_weekly_and_names_the_forms(
    make_patient, published, django_capture_on_commit_callbacks, settings
):
    settings.REMINDER_DIGEST_TIME = ""
    patient = make_patient(reminder_time=time(18), start=DAY, language="en")
    for day in range(3):
        now = SIX_PM_BERLIN + timedelta(days=day)
        with django_capture_on_commit_callbacks(execute=True):
            services.reminders_run(now=now, start=now - timedelta(minutes=15))
    questionnaire_mails = [m for m in mail.outbox if "questionnaire" in m.subject]
    assert len(questionnaire_mails) == 1
    assert "/questionnaires/" in questionnaire_mails[0].body
    assert Delivery.objects.filter(patient=patient, kind=ReminderKind.QUESTIONNAIRE).count() == 1


def test_digest_lists_what_needs_attention(make_patient, therapist):
    flagged = make_patient(reminder_time=time(18))
    session = log_session(flagged, timezone.now() - timedelta(hours=2), pain_after=6)
    Alert.objects.create(patient=flagged, session=session, kind="pain_rise")
    red = make_patient(reminder_time=time(18))
    RedFlag.objects.create(patient=red, sign=RedFlagSign.CAUDA_SADDLE, source=RedFlagSource.SESSION)
    idle = make_patient(reminder_time=time(18))
    with translation.override("en"):
        content = digest.digest_content(therapist=therapist)
    assert content.flagged == [(flagged, [("pain rose during the session", 1)])]
    assert [patient for patient, _sign in content.red_flags] == [red]
    low = {patient for patient, _value in content.low_adherence}
    assert idle in low and all(value < Decimal("0.5") for _p, value in content.low_adherence)
    assert content.ready == []  # nobody has been in phase 1 for 14 days


def test_weekly_digest_goes_out_once_on_monday_morning(
    make_patient, therapist, published, django_capture_on_commit_callbacks
):
    make_patient(reminder_time=time(23), quiet_hours_start=time(22), quiet_hours_end=time(8))
    before = utc(2026, 6, 1, 4, 45)  # 06:45 Berlin: not yet
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_run(now=before)
    assert Digest.objects.count() == 0
    for minutes in (15, 30, 45):  # 07:00, 07:15, 07:30
        with django_capture_on_commit_callbacks(execute=True):
            services.reminders_run(now=before + timedelta(minutes=minutes))
    digest_mails = [m for m in mail.outbox if m.to == [therapist.email]]
    assert len(digest_mails) == 1
    assert "Wochenübersicht" in digest_mails[0].subject  # the practice language (de)
    assert Digest.objects.get().status == DeliveryStatus.SENT


def test_send_reminders_command_dry_run_lists_and_writes_nothing(make_patient, capsys):
    patient = make_patient(reminder_time=time(18))
    call_command("send_reminders", "--now", "2026-06-01T18:00:00+02:00", "--dry-run")
    out = capsys.readouterr().out
    assert f"session\t2026-06-01\tpatient {patient.pk}" in out
    assert "1 reminder(s) due" in out
    assert patient.user.email not in out
    assert Delivery.objects.count() == 0


def test_send_reminders_command_enqueues(
    make_patient, published, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_DIGEST_TIME = ""
    make_patient(reminder_time=time(18))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", "--now", "2026-06-01T18:00")  # naive: TIME_ZONE
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_send_reminders_command_refuses_bad_instants():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_reminders", "--now", "tomorrow")


def test_calendar_feed_lists_the_coming_due_days(
    make_patient, client, django_assert_max_num_queries
):
    patient = make_patient(language="en")
    token = services.calendar_token_rotate(patient=patient)
    with django_assert_max_num_queries(5):
        response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    today = timezone.localdate()
    days = [event.decoded("dtstart") for event in events]
    assert days == [today + timedelta(days=n) for n in range(28)]  # daily rolling is due daily
    assert "double ball" in str(events[0]["summary"])
    assert len({str(event["uid"]) for event in events}) == len(events)


def test_calendar_feed_is_revocable_and_unguessable(make_patient, client):
    patient = make_patient()
    old = services.calendar_token_rotate(patient=patient)
    new = services.calendar_token_rotate(patient=patient)
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    services.calendar_token_revoke(patient=patient)
    assert client.get(f"/calendar/{new}.ics").status_code == 404
    assert client.get("/calendar/nothing.ics").status_code == 404


def test_questionnaire_answered_after_selection_is_not_reminded(make_patient):
    patient = make_patient(reminder_time=time(18), start=timezone.localdate())
    today = timezone.localdate()
    (pk,) = services.deliveries_create(
        due=[selectors.DueReminder(patient.pk, today, ReminderKind.QUESTIONNAIRE)],
        now=timezone.now(),
    )
    for questionnaire in Questionnaire.objects.filter(is_active=True):
        Response.objects.create(
            patient=patient, questionnaire=questionnaire, due_week=0, submitted_at=timezone.now()
        )
    assert services.delivery_send(delivery_id=pk) == DeliveryStatus.SKIPPED
    assert Delivery.objects.get().error == "no questionnaire due"
