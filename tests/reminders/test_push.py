"""Push reminders end to end with real components: pywebpush encrypts and signs, a local push
service (tests/push_service.py) receives the HTTP request, checks the VAPID signature and
decrypts the body with the device's own keys, as a browser would."""

import io
import json
import stat
import time as clock
from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from reminders import services
from reminders.models import Delivery, DeliveryStatus, PushSubscription, ReminderKind
from reminders.push import _vapid, b64url_decode
from reminders.selectors import DueReminder
from tests.push_service import Received

from .conftest import utc

pytestmark = pytest.mark.django_db

SIX_PM_BERLIN = utc(2026, 6, 1, 16)


def register(patient, device) -> PushSubscription:
    data = device.to_json()
    subscription, created = services.push_subscription_save(
        patient=patient,
        endpoint=data["endpoint"],
        p256dh=data["keys"]["p256dh"],
        auth=data["keys"]["auth"],
    )
    assert created
    return subscription


def run_twice(django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.reminders_run(now=SIX_PM_BERLIN, start=SIX_PM_BERLIN - timedelta(minutes=15))


def one_record(patient, kind=ReminderKind.SESSION) -> int:
    (pk,) = services.deliveries_create(
        due=[DueReminder(patient.pk, date(2026, 6, 1), kind)], now=timezone.now()
    )
    return pk


def test_a_reminder_goes_by_email_and_by_push_once_in_the_patients_language(
    make_patient, push_service, published, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://mtt.example.org"
    settings.REMINDER_DIGEST_TIME = ""
    german = make_patient(reminder_time=time(18), language="de")
    english = make_patient(reminder_time=time(18), language="en")
    devices = {german.pk: push_service.device(), english.pk: push_service.device()}
    for patient in (german, english):
        register(patient, devices[patient.pk])

    run_twice(django_capture_on_commit_callbacks)  # the second run finds the records: no resend

    assert len(push_service.received) == 2
    assert len(mail.outbox) == 2  # e-mail stays chosen next to push
    by_path = {received.path: received for received in push_service.received}
    messages = {}
    for patient in (german, english):
        device = devices[patient.pk]
        received = by_path[device.endpoint.removeprefix(push_service.origin)]
        assert int(received.headers["ttl"]) == settings.PUSH_TTL_SECONDS
        claims = received.vapid_claims(settings.VAPID_PUBLIC_KEY)
        assert claims["aud"] == push_service.origin
        assert claims["sub"] == "mailto:praxis@example.org"
        assert claims["exp"] > clock.time()
        messages[patient.language] = received.decrypt(device)
    with translation.override("de"):
        german_title = gettext("Time for your training")
    assert messages["de"] == {
        "title": german_title,
        "body": "Heutigen Plan öffnen",
        "url": "https://mtt.example.org/today/",
        "tag": "mtt-session",
        "lang": "de",
    }
    assert messages["en"] == {
        "title": "Time for your training",
        "body": "Open today's plan",
        "url": "https://mtt.example.org/today/",
        "tag": "mtt-session",
        "lang": "en",
    }
    # No health data and nothing that names the patient: no exercise, pain, name or address.
    text = json.dumps(messages, ensure_ascii=False).lower()
    for needle in ("doppelball", "double ball", "schmerz", "pain", "pat1", "pat2", "@"):
        assert needle not in text
    for delivery in Delivery.objects.all():
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.details["channels"] == {"email": "sent", "push": "sent"}
    assert PushSubscription.objects.filter(last_sent_at__isnull=False).count() == 2


def test_each_reminder_kind_for_the_patient_links_its_page(make_patient, push_service, settings):
    settings.SITE_URL = "https://mtt.example.org"
    patient = make_patient(reminder_time=time(18), language="en", remind_by_email=False)
    device = push_service.device()
    register(patient, device)
    pk = one_record(patient, ReminderKind.HABITS)

    assert services.delivery_send(delivery_id=pk) == DeliveryStatus.SENT

    (received,) = push_service.received
    message = received.decrypt(device)
    assert (message["body"], message["url"]) == (
        "Open your habits",
        "https://mtt.example.org/habits/",
    )
    assert mail.outbox == []  # push only
    assert Delivery.objects.get().details["channels"] == {"push": "sent"}


def test_a_subscription_the_push_service_calls_gone_is_deleted(make_patient, push_service):
    push_service.status = 410
    both = make_patient(reminder_time=time(18))
    push_only = make_patient(reminder_time=time(18), remind_by_email=False)
    for patient in (both, push_only):
        register(patient, push_service.device())
    first, second = one_record(both), one_record(push_only)

    assert services.delivery_send(delivery_id=first) == DeliveryStatus.SENT  # by e-mail
    assert services.delivery_send(delivery_id=second) == DeliveryStatus.SKIPPED

    assert len(push_service.received) == 2
    assert not PushSubscription.objects.exists()
    by_email = Delivery.objects.get(pk=first)
    assert by_email.details["channels"] == {"email": "sent", "push": "skipped"}
    assert by_email.details["push_gone"] == 1
    gone = Delivery.objects.get(pk=second)
    assert gone.details["channels"] == {"push": "skipped"}
    assert gone.error == "no channel reached the patient (push devices expired)"
    assert len(mail.outbox) == 1


def test_a_failing_push_service_is_retried_without_a_second_email(
    make_patient, push_service, caplog
):
    push_service.status = 503
    patient = make_patient(reminder_time=time(18))
    device = push_service.device()
    subscription = register(patient, device)
    pk = one_record(patient)

    with pytest.raises(services.SendFailed):
        services.delivery_send(delivery_id=pk)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.details["channels"] == {"email": "sent", "push": "failed"}
    assert delivery.error == "PushFailed: push service answered 503"
    assert device.endpoint not in caplog.text  # the device's address is personal data
    push_service.status = 201

    assert services.delivery_send(delivery_id=pk) == DeliveryStatus.SENT

    assert len(mail.outbox) == 1  # the e-mail went out on the first attempt only
    assert len(push_service.received) == 2
    delivery.refresh_from_db()
    assert delivery.details["channels"] == {"email": "sent", "push": "sent"}
    assert delivery.details["push_sent"] == [subscription.pk]


def test_without_vapid_keys_push_is_off_and_email_goes_as_before(
    make_patient, push_service, settings
):
    patient = make_patient(reminder_time=time(18))
    register(patient, push_service.device())
    settings.VAPID_PRIVATE_KEY = ""
    pk = one_record(patient)

    assert services.delivery_send(delivery_id=pk) == DeliveryStatus.SENT

    assert push_service.received == []
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().details["channels"] == {"email": "sent"}


def test_push_only_without_a_device_skips_with_a_reason(make_patient, settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "public", "private"
    patient = make_patient(reminder_time=time(18), remind_by_email=False, remind_by_push=True)
    pk = one_record(patient)

    assert services.delivery_send(delivery_id=pk) == DeliveryStatus.SKIPPED

    assert Delivery.objects.get().error == "no push device registered"
    assert mail.outbox == []


def test_messages_to_the_therapist_never_go_by_push(make_patient, push_service):
    patient = make_patient(reminder_time=time(18))
    register(patient, push_service.device())
    pk = one_record(patient, ReminderKind.RED_FLAG)

    assert services.delivery_send(delivery_id=pk) == DeliveryStatus.SENT

    assert push_service.received == []
    (message,) = mail.outbox
    assert message.to == [patient.therapist.email]


def test_vapid_keys_makes_a_pair_that_signs_and_never_overwrites_a_file(tmp_path):
    printed = io.StringIO()
    call_command("vapid_keys", subject="mailto:praxis@example.org", stdout=printed)
    values = dict(line.split("=", 1) for line in printed.getvalue().splitlines())
    assert values["VAPID_SUBJECT"] == "mailto:praxis@example.org"
    assert len(b64url_decode(values["VAPID_PUBLIC_KEY"])) == 65
    assert len(b64url_decode(values["VAPID_PRIVATE_KEY"])) == 32

    target = tmp_path / "var" / "vapid.env"
    call_command("vapid_keys", write=str(target), stdout=io.StringIO())
    written = target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    call_command("vapid_keys", write=str(target), stdout=io.StringIO())
    assert target.read_text() == written  # kept: a new pair would cut off every device

    # The pair works: a header signed with the private key verifies with the public key.
    keys = dict(line.split("=", 1) for line in written.splitlines() if "=" in line)
    signed = _vapid(keys["VAPID_PRIVATE_KEY"]).sign(
        {"sub": "mailto:praxis@example.org", "aud": "https://push.example.org", "exp": 2**31}
    )
    claims = Received("/", {"authorization": signed["Authorization"]}, b"").vapid_claims(
        keys["VAPID_PUBLIC_KEY"]
    )
    assert claims["aud"] == "https://push.example.org"
