"""Records, sending and the state machine, with the sends run in-process (``published``)."""

import logging
from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from patients.selectors import today_plan
from programs.models import MediaRole
from reminders import services
from reminders.models import Delivery, DeliveryStatus, ReminderKind, ReminderRun
from reminders.selectors import DueReminder

from .conftest import log_session, utc

pytestmark = pytest.mark.django_db

SIX_PM_BERLIN = utc(2026, 6, 1, 16)


def test_run_sends_one_email_per_due_patient_in_their_language(
    make_patient, published, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://mtt.example.org"
    settings.REMINDER_DIGEST_TIME = ""  # 1 June 2026 is a Monday: no digest in this test
    german = make_patient(reminder_time=time(18), language="de")
    english = make_patient(reminder_time=time(18), language="en")
    make_patient(reminder_time=time(18), reminder_opt_out=True)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.reminders_run(now=SIX_PM_BERLIN, start=SIX_PM_BERLIN - timedelta(minutes=15))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([german.user.email, english.user.email])
    by_recipient = {m.to[0]: m for m in mail.outbox}
    de, en = by_recipient[german.user.email], by_recipient[english.user.email]
    assert de.subject == "Ihr Training für heute"
    assert en.subject == "Your training for today"
    for message in (de, en):
        assert "https://mtt.example.org/today/" in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert 'href="https://mtt.example.org/today/"' in html
    assert "double ball" in en.body  # the exercises due today, in the patient's language
    assert "Doppelball" in de.body
    assert "ersetzt keine ärztliche beratung" in de.body.lower()  # the medical note, in German
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_records_are_unique_per_patient_day_and_kind(make_patient):
    patient = make_patient(reminder_time=time(18))
    due = [DueReminder(patient.pk, date(2026, 6, 1), ReminderKind.SESSION)]
    first = services.deliveries_create(due=due, now=SIX_PM_BERLIN)
    second = services.deliveries_create(due=due, now=SIX_PM_BERLIN)
    assert len(first) == 1
    assert second == []
    assert Delivery.objects.count() == 1


def test_a_record_is_sent_by_one_sender_only(make_patient):
    patient = make_patient(reminder_time=time(18))
    (pk,) = services.deliveries_create(
        due=[DueReminder(patient.pk, date(2026, 6, 1), ReminderKind.SESSION)], now=timezone.now()
    )
    assert services.delivery_send(delivery_id=pk) == DeliveryStatus.SENT
    assert services.delivery_send(delivery_id=pk) == ""  # redelivered message, retried task
    assert len(mail.outbox) == 1
    delivery = Delivery.objects.get()
    assert delivery.attempts == 1
    assert delivery.sent_at is not None


def test_failures_are_retried_with_back_off_then_recorded(make_patient, settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": "tests.reminders.backends.RefusingBackend"}}
    settings.REMINDER_MAX_ATTEMPTS = 3
    patient = make_patient(reminder_time=time(18))
    (pk,) = services.deliveries_create(
        due=[DueReminder(patient.pk, date(2026, 6, 1), ReminderKind.SESSION)], now=timezone.now()
    )
    with caplog.at_level(logging.WARNING):
        for attempt in (1, 2):
            with pytest.raises(services.SendFailed) as failure:
                services.delivery_send(delivery_id=pk)
            assert failure.value.attempts == attempt
            delivery = Delivery.objects.get()
            assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, attempt)
            assert "SMTPServerDisconnected" in delivery.error
        assert services.delivery_send(delivery_id=pk) == DeliveryStatus.FAILED
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert patient.user.email not in caplog.text
    assert patient.user.first_name not in caplog.text


def test_batch_send_hands_failures_to_a_delayed_retry(make_patient, settings, published):
    settings.MAILERS = {"default": {"BACKEND": "tests.reminders.backends.RefusingBackend"}}
    patient = make_patient(reminder_time=time(18))
    ids = services.deliveries_create(
        due=[DueReminder(patient.pk, date(2026, 6, 1), ReminderKind.SESSION)], now=timezone.now()
    )
    services.enqueue_deliveries(ids)
    assert published == [
        ("reminders.tasks.send_deliveries", ids),
        ("reminders.tasks.send_delivery", ids),
    ]


def test_stale_records_are_recovered(make_patient):
    now = timezone.now()
    patient = make_patient(reminder_time=time(18))
    due = [
        DueReminder(patient.pk, date(2026, 6, day), ReminderKind.SESSION) for day in (1, 2, 3, 4)
    ]
    ids = services.deliveries_create(due=due, now=now)
    waiting, stuck, expired, fresh = ids
    Delivery.objects.filter(pk=waiting).update(updated_at=now - timedelta(minutes=30))
    Delivery.objects.filter(pk=stuck).update(
        status=DeliveryStatus.SENDING, updated_at=now - timedelta(hours=1)
    )
    Delivery.objects.filter(pk=expired).update(created_at=now - timedelta(days=1))
    recovered = services.deliveries_recover(now=now)
    assert recovered["deliveries"] == [waiting]
    status = dict(Delivery.objects.values_list("pk", "status"))
    assert status == {
        waiting: DeliveryStatus.PENDING,
        stuck: DeliveryStatus.UNKNOWN,  # may have been sent: never sent again
        expired: DeliveryStatus.SKIPPED,
        fresh: DeliveryStatus.PENDING,
    }
    assert services.deliveries_recover(now=now)["deliveries"] == []  # not twice in a row


def test_changes_since_selection_and_missing_addresses_skip_the_send(make_patient):
    logged = make_patient(reminder_time=time(18))
    opted_out = make_patient(reminder_time=time(18))
    no_email = make_patient(reminder_time=time(18), email="")
    now = timezone.now()
    ids = services.deliveries_create(
        due=[
            DueReminder(p.pk, timezone.localdate(now), ReminderKind.SESSION)
            for p in (logged, opted_out, no_email)
        ],
        now=now,
    )
    log_session(logged, now)
    opted_out.reminder_opt_out = True
    opted_out.save()
    assert [services.delivery_send(delivery_id=pk) for pk in ids] == [DeliveryStatus.SKIPPED] * 3
    assert mail.outbox == []
    errors = list(Delivery.objects.order_by("pk").values_list("error", flat=True))
    assert errors == [
        "the session was logged meanwhile",
        "reminders switched off",
        "no e-mail address",
    ]


def test_enqueue_failure_is_logged_not_raised(make_patient, monkeypatch, caplog):
    from reminders import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(tasks.send_deliveries, "apply_async", broker_down)
    with caplog.at_level(logging.WARNING, logger="reminders.services"):
        assert services.enqueue_deliveries([1, 2, 3]) == 0
    assert "could not enqueue 3 of 3 deliveries (ConnectionRefusedError)" in caplog.text


def test_runs_catch_up_the_time_the_worker_was_away(make_patient, settings):
    patient = make_patient(reminder_time=time(14))
    services.reminders_run(now=utc(2026, 6, 1, 11))
    # No run from 11:00 to 16:00 UTC (worker down): the next run covers the gap, once.
    result = services.reminders_run(now=SIX_PM_BERLIN)
    assert (result.window_start, result.window_end) == (utc(2026, 6, 1, 11), SIX_PM_BERLIN)
    assert list(Delivery.objects.values_list("patient_id", "kind")) == [
        (patient.pk, ReminderKind.SESSION)
    ]
    # Never further back than REMINDER_CATCH_UP_HOURS.
    start, _end = services.run_window(now=utc(2026, 6, 3, 16))
    assert start == utc(2026, 6, 3, 16) - timedelta(hours=settings.REMINDER_CATCH_UP_HOURS)
    assert ReminderRun.objects.count() == 2


def test_admin_retry_requeues_failed_records_only(make_patient, published):
    patient = make_patient(reminder_time=time(18))
    ids = services.deliveries_create(
        due=[DueReminder(patient.pk, date(2026, 6, day), ReminderKind.SESSION) for day in (1, 2)],
        now=timezone.now(),
    )
    Delivery.objects.filter(pk=ids[0]).update(status=DeliveryStatus.FAILED, error="SMTP: no")
    Delivery.objects.filter(pk=ids[1]).update(
        status=DeliveryStatus.FAILED, error="interrupted while sending"
    )
    unknown = services.deliveries_create(
        due=[DueReminder(patient.pk, date(2026, 6, 3), ReminderKind.SESSION)], now=timezone.now()
    )
    Delivery.objects.filter(pk__in=unknown).update(status=DeliveryStatus.UNKNOWN)
    assert services.deliveries_retry(deliveries=Delivery.objects.all()) == 1
    assert Delivery.objects.get(pk=ids[0]).status == DeliveryStatus.PENDING
    assert Delivery.objects.get(pk=ids[1]).status == DeliveryStatus.FAILED
    assert Delivery.objects.get(pk=unknown[0]).status == DeliveryStatus.UNKNOWN  # may be out


def test_calendar_token_rotate_and_revoke(make_patient, settings):
    settings.SITE_URL = "https://mtt.example.org"
    patient = make_patient()
    assert services.calendar_url(patient) is None
    first = services.calendar_token_rotate(patient=patient)
    second = services.calendar_token_rotate(patient=patient)
    assert first != second and len(second) >= 40
    assert services.calendar_url(patient) == f"https://mtt.example.org/calendar/{second}.ics"
    services.calendar_token_revoke(patient=patient)
    patient.refresh_from_db()
    assert patient.calendar_token is None


def test_a_selected_instant_does_not_age_the_records(make_patient):
    """``send_reminders --now`` may name any instant; expiry and re-enqueueing run on real time."""
    make_patient(reminder_time=time(18))
    future = timezone.now() + timedelta(days=30)
    services.reminders_run(now=future, start=future - timedelta(days=1), record=False)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}


def test_the_training_reminder_links_a_thumbnail_per_due_exercise_and_no_health_data(
    make_patient, published, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://mtt.example.org"
    settings.REMINDER_DIGEST_TIME = ""
    patient = make_patient(reminder_time=time(18), language="en")
    # What the patient logged: none of it may reach the e-mail.
    session = log_session(
        patient, SIX_PM_BERLIN - timedelta(days=3), slugs=["plank-mtt"], pain_before=4, pain_after=6
    )
    session.notes = "Stechender Schmerz im linken Bein nach dem Heben"
    session.save(update_fields=["notes"])
    patient.diagnosis = "Bandscheibenvorfall L5/S1"
    patient.save(update_fields=["diagnosis"])

    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_run(now=SIX_PM_BERLIN, start=SIX_PM_BERLIN - timedelta(minutes=15))

    [message] = mail.outbox
    html, _mimetype = message.alternatives[0]
    assignment = patient.assignments.get()
    plan = today_plan(patient=patient, assignment=assignment, today=date(2026, 6, 1))
    due = [entry.item.exercise for entry in plan if entry.due]
    assert due
    for exercise in due:
        cover = exercise.media.get(role=MediaRole.START_POSITION)
        thumbnail = f"https://mtt.example.org{cover.thumbnail_url}"
        assert (
            f'<a href="https://mtt.example.org/today/"><img src="{thumbnail}" '
            f'alt="{exercise.name_en}" width="120"'
        ) in html
        assert f"- {exercise.name_en}" in message.body
    assert html.count("<img ") == len(due)
    assert "How each exercise is done, with pictures: https://mtt.example.org/today/" in (
        message.body
    )
    for part in (html, message.body):
        for secret in ("Stechender", "Bandscheibenvorfall", "L5/S1", "pain_after", "6 of 10"):
            assert secret not in part
