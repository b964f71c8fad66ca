"""Integration with a real Redis broker and a real ``celery -A mtt worker`` process, and the fault
case with the broker down while a session is logged.

The worker reads the committed test database (hence ``transaction=True``) and writes e-mail into
files this test reads; it takes tasks from a queue of its own, so parallel runs do not mix.
"""

import email
import logging
import os
import subprocess
import sys
import time
import uuid
from datetime import time as dt_time
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mtt.celery import app as celery_app
from patients import services as patient_services
from patients.models import SessionLog
from programs.models import Exercise, Program
from reminders import services, tasks
from reminders.models import Delivery, DeliveryStatus, ReminderKind
from tests import factories
from tests.processes import database_url as _database_url

ROOT = Path(__file__).resolve().parents[2]
SEPARATOR = b"\n" + b"-" * 79 + b"\n"

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _broker_url() -> str:
    return settings.CELERY_BROKER_URL


@pytest.fixture
def broker():
    if not _broker_url().startswith("redis://"):
        pytest.skip("needs REDIS_URL (make test provides it)")
    client = redis.Redis.from_url(_broker_url())
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis does not answer")
    return client


@pytest.fixture
def worker(broker, tmp_path):
    """A worker process on the committed test database; yields (queue, mail directory)."""
    queue = f"test-reminders-{uuid.uuid4().hex}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reminders.worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": _broker_url(),
        "MTT_TEST_EMAIL_URL": f"filemail://{mail_dir}",
        "MTT_TEST_QUEUE": queue,
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mtt",
            "worker",  # consumes the test's queues (worker_settings.CELERY_TASK_QUEUES)
            "-n",
            f"{queue}@%h",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue, mail_dir
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        # The queue and kombu's records of its binding: the test leaves no keys behind.
        for name in (queue, f"{queue}-urgent"):
            broker.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
        for member in broker.zrange("_kombu.binding_deadlines", 0, -1):
            if member.startswith(queue.encode()):
                broker.zrem("_kombu.binding_deadlines", member)
        if b"Traceback" in output:
            pytest.fail("the worker logged an error:\n" + output.decode(errors="replace"))


def _emails(mail_dir: Path) -> list[email.message.Message]:
    messages = []
    for path in mail_dir.iterdir():
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages


def _wait_for(condition, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def _patients_due_now(count: int, **profile):
    """Patients whose local reminder time is this minute, with an active MASTER programme."""
    therapist = factories.TherapistFactory(username="t.worker", email="")
    master = Program.objects.get(slug="master")
    patients = []
    for number in range(count):
        zone = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"][number % 3]
        local_now = timezone.now().astimezone(ZoneInfo(zone))
        patient = factories.PatientFactory(
            username=f"worker{number}",
            first_name=f"W{number}",
            last_name="Test",
            therapist=therapist,
            time_zone=zone,
            language=["de", "en"][number % 2],
            reminder_time=local_now.time().replace(second=0, microsecond=0),
            quiet_hours_start=dt_time(0),
            quiet_hours_end=dt_time(0),  # equal bounds: no quiet hours
            **profile,
        )
        factories.assign(patient, program=master)
        patients.append(patient)
    return patients


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_two_beat_runs_send_exactly_one_reminder_per_due_patient(worker):
    queue, mail_dir = worker
    opted_out, *due = _patients_due_now(4)
    opted_out.reminder_opt_out = True
    opted_out.save(update_fields=["reminder_opt_out"])
    expected = {patient.user.email: patient for patient in due}

    def session_reminders():
        session_subjects = ("Ihr Training für heute", "Your training for today")
        return [m for m in _emails(mail_dir) if _subject(m) in session_subjects]

    # Two beat runs at once (as from two beat processes), then a third one later.
    tasks.run_reminders.apply_async(queue=queue)
    tasks.run_reminders.apply_async(queue=queue)
    assert _wait_for(lambda: len(session_reminders()) >= len(expected))
    tasks.run_reminders.apply_async(queue=queue)
    time.sleep(3)  # anything sent twice would have arrived by now
    messages = session_reminders()
    assert sorted(m["To"] for m in messages) == sorted(expected)
    for message in messages:
        german = expected[message["To"]].language == "de"
        assert _subject(message) == (
            "Ihr Training für heute" if german else "Your training for today"
        )
    assert opted_out.user.email not in {m["To"] for m in _emails(mail_dir)}
    sessions = Delivery.objects.filter(kind=ReminderKind.SESSION)
    assert sessions.count() == len(expected)
    assert set(sessions.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}


@pytest.fixture
def push_worker(push_service, monkeypatch, request):
    """A worker that sends push reminders to the test's local push service with the test's
    VAPID keys (push_service put them into this process's settings)."""
    monkeypatch.setenv("VAPID_PUBLIC_KEY", settings.VAPID_PUBLIC_KEY)
    monkeypatch.setenv("VAPID_PRIVATE_KEY", settings.VAPID_PRIVATE_KEY)
    monkeypatch.setenv("VAPID_SUBJECT", settings.VAPID_SUBJECT)
    monkeypatch.setenv("PUSH_ALLOW_LOOPBACK_HTTP", "true")
    return request.getfixturevalue("worker")


def test_the_worker_sends_each_push_once_with_the_email(push_worker, push_service):
    queue, mail_dir = push_worker
    patients = _patients_due_now(2)
    devices = {}
    for patient in patients:
        device = push_service.device()
        data = device.to_json()
        services.push_subscription_save(
            patient=patient,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
        )
        devices[device.endpoint.removeprefix(push_service.origin)] = (patient, device)

    tasks.run_reminders.apply_async(queue=queue)
    tasks.run_reminders.apply_async(queue=queue)
    # Each patient's session reminder, and the baseline questionnaire reminder that is due too.
    expected = 2 * len(patients)
    assert len(push_service.wait_for(expected)) >= expected
    tasks.run_reminders.apply_async(queue=queue)
    time.sleep(3)  # anything sent twice would have arrived by now

    assert Delivery.objects.count() == len(push_service.received) == expected
    seen = set()
    for received in push_service.received:
        patient, device = devices[received.path]
        message = received.decrypt(device)
        assert message["lang"] == patient.language
        seen.add((patient.pk, message["tag"]))
    assert seen == {(p.pk, tag) for p in patients for tag in ("mtt-session", "mtt-questionnaire")}
    for delivery in Delivery.objects.all():
        assert delivery.details["channels"] == {"email": "sent", "push": "sent"}
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert len(_emails(mail_dir)) == expected


def test_logging_works_with_the_broker_down_and_the_alert_goes_out_later(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """The broker is gone while a patient logs a session with a red flag: the session is stored,
    the failure to enqueue is logged without patient data, and once the broker is back the
    every-minute task sends the therapist's e-mail, once (with a real broker outage:
    test_broker_outage.py)."""
    therapist = factories.TherapistFactory(username="t.fault", email="fault@example.org")
    patient = patient_services.patient_create(
        username="fault.patient",
        email="fault.patient@example.org",
        first_name="Franka",
        last_name="Fehler",
        therapist=therapist,
        created_by=therapist,
    )
    patient_services.screening_record(patient=patient, screened_by=therapist, signs=[])
    patient_services.assignment_create(
        patient=patient, program=Program.objects.get(slug="master"), created_by=therapist
    )
    dead = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    _point_celery_at(monkeypatch, dead)
    entry = {"exercise": Exercise.objects.get(slug="lws-release-doppelball").pk, "sets_done": 2}
    with caplog.at_level(logging.WARNING, logger="reminders"):
        started = time.monotonic()
        with transaction.atomic():
            session, _created = patient_services.session_log_create(
                patient=patient,
                performed_at=timezone.now() - timedelta(minutes=1),
                pain_before=2,
                pain_after=2,
                rpe=3,
                red_flag_saddle_numbness=True,
                red_flag_bladder_bowel=False,
                red_flag_leg_weakness=False,
                entries=[entry],
            )
        elapsed = time.monotonic() - started
    assert SessionLog.objects.filter(pk=session.pk).exists()
    assert elapsed < 10
    assert "could not enqueue 1 of 1 deliveries" in caplog.text
    for private in ("Franka", "Fehler", "fault.patient", "fault@example.org"):
        assert private not in caplog.text
    delivery = Delivery.objects.get(kind=ReminderKind.RED_FLAG)
    assert delivery.status == DeliveryStatus.PENDING

    # The broker is back (sends run in-process here); the every-minute task picks it up.
    sent = []

    def publish(task, ids, size, what, queue=None):
        sent.append(list(ids))
        return len(ids)

    monkeypatch.setattr(services.enqueue, "_publish", publish)
    with django_capture_on_commit_callbacks(execute=True):
        services.urgent_run(now=timezone.now() + timedelta(minutes=1))
    assert sent == [[delivery.pk]]
    services.deliveries_send(delivery_ids=[delivery.pk])
    services.deliveries_send(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def _point_celery_at(monkeypatch, url: str) -> None:
    """Make the Celery app publish to ``url`` (and back afterwards)."""
    # broker_write_url first: it reads broker_url, and the undo must restore the original.
    monkeypatch.setattr(celery_app.conf, "broker_write_url", None, raising=False)
    monkeypatch.setattr(celery_app.conf, "broker_url", url)
    for owner, attribute in ((celery_app, "_pool"), (celery_app.amqp, "_producer_pool")):
        monkeypatch.setattr(owner, attribute, None, raising=False)
