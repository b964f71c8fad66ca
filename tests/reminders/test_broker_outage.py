"""The urgent path through a real broker outage (docs/operations.md "The urgent path"): a
throwaway Redis server that is stopped and started again, a real Celery worker and a real beat.

1. Broker down, no worker: a red flag is reported; the patient's request succeeds, the e-mail
   cannot be enqueued. The broker comes back and a worker starts: its start-up hook sends it.
2. Broker down again while the worker runs: another red flag. The broker comes back: the
   every-minute beat task sends it, within a minute, not after the 20-minute requeue.
3. A worker killed with SIGKILL in the middle of a send: the task comes back after the broker's
   visibility timeout (a few seconds here), finds the record taken and sends nothing; the record
   ends as "unknown", never as sent twice.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from patients import services as patient_services
from patients.models import Alert, FlagKind
from reminders import services
from reminders.models import Delivery, DeliveryStatus, ReminderKind
from tests import factories
from tests.processes import free_port as _free_port

from .test_worker import _database_url, _emails, _point_celery_at, _subject, _wait_for

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")
URGENT_SUBJECTS = ("Urgent: a patient reported a red flag",)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Redis:
    """A redis-server of our own on a free port, without persistence."""

    def __init__(self, tmp_path: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.dir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert _wait_for(self._answers, timeout=30)

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


class Processes:
    """Celery processes (worker, beat) on the committed test database and the throwaway
    broker; e-mail goes to files in ``mail_dir``."""

    def __init__(self, broker: Redis, tmp_path: Path, visibility_timeout: int = 600):
        # The broker is this test's own: the default queue, which this process publishes to.
        self.queue = "celery"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reminders.worker_settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker.url,
            "BROKER_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "MTT_TEST_EMAIL_URL": f"filemail://{self.mail_dir}",
            "MTT_TEST_QUEUE": self.queue,
            "MTT_TEST_URGENT_QUEUE": django_settings.REMINDER_URGENT_QUEUE,
            "PYTHONPATH": str(ROOT),
        }
        self.running = {}

    def start(self, name: str, *arguments: str):
        command = [sys.executable, "-m", "celery", "-A", "mtt", *arguments]
        log = (self.tmp_path / f"{name}.log").open("ab")
        self.running[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def worker(self, name: str = "worker"):
        self.start(
            name,
            "worker",  # both queues: the default and the urgent one
            "-n",
            f"{name}-{uuid.uuid4().hex}@%h",
            "--pool",
            "solo",  # the task runs in the process the test kills
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        )

    def beat(self):
        self.start("beat", "beat", "-s", str(self.tmp_path / "beat-schedule"), "--loglevel", "INFO")

    def kill(self, name: str):
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)  # no shutdown, no acknowledgement
        process.wait(timeout=30)

    def stop_all(self):
        for process in self.running.values():
            process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running = {}

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")


@pytest.fixture
def broker(tmp_path, monkeypatch):
    if REDIS_SERVER is None:
        pytest.skip("needs redis-server (scripts/test-services.sh installs it)")
    redis_server = Redis(tmp_path)
    _point_celery_at(monkeypatch, redis_server.url)
    yield redis_server
    redis_server.stop()


@pytest.fixture
def patient():
    therapist = factories.TherapistFactory(
        username="t.outage", email="outage@example.org", first_name="Olga"
    )
    return factories.assigned_patient(
        therapist=therapist, username="outage.patient", first_name="Otto", last_name="Ausfall"
    )


def _report_red_flag(patient):
    patient_services.symptom_report_create(
        patient=patient,
        red_flag_saddle_numbness=True,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
        pain=2,
    )


def _urgent(mail_dir) -> list:
    return [m for m in _emails(mail_dir) if _subject(m) in URGENT_SUBJECTS]


def test_red_flags_reported_while_the_broker_is_down_go_out_once_it_is_back(
    broker, patient, tmp_path, settings
):
    settings.LANGUAGE_CODE = "en"
    processes = Processes(broker, tmp_path)
    processes.env["LANGUAGE_CODE"] = "en"
    try:
        # 1. Broker down, no worker: the report is stored, the e-mail waits.
        _report_red_flag(patient)
        first = Delivery.objects.get(kind=ReminderKind.RED_FLAG)
        assert first.status == DeliveryStatus.PENDING
        broker.start()
        processes.worker()
        assert _wait_for(lambda: len(_urgent(processes.mail_dir)) == 1, timeout=120), processes.log(
            "worker"
        )
        first.refresh_from_db()
        assert first.status == DeliveryStatus.SENT

        # 2. The broker goes away under the running worker; another red flag that day.
        broker.stop()
        _report_red_flag(patient)
        second = Delivery.objects.exclude(pk=first.pk).get(kind=ReminderKind.RED_FLAG)
        assert second.status == DeliveryStatus.PENDING
        processes.beat()
        broker.start()
        back = time.monotonic()
        # The every-minute task, not the reminder run's requeue (20 minutes) sends it.
        assert _wait_for(lambda: len(_urgent(processes.mail_dir)) == 2, timeout=150), processes.log(
            "worker"
        ) + processes.log("beat")
        waited = time.monotonic() - back
        second.refresh_from_db()
        assert (second.status, second.attempts) == (DeliveryStatus.SENT, 1)
        # One beat interval, plus the worker's reconnection and the send itself.
        assert waited < 60 + 30
        messages = _urgent(processes.mail_dir)
        assert [m["To"] for m in messages] == ["outage@example.org"] * 2
        assert all(
            "Otto Ausfall" in m.get_payload()[0].get_payload(decode=True).decode() for m in messages
        )
        assert Alert.objects.filter(kind=FlagKind.RED_FLAG).count() == 2
    finally:
        processes.stop_all()


def test_a_send_killed_midway_is_unknown_and_not_sent_again(broker, patient, tmp_path, settings):
    """The mail server accepts the message but the worker dies before recording it: with the
    short visibility timeout the task comes back to a new worker, which finds the record taken;
    the reminder run then records the outcome as unknown."""
    broker.start()
    processes = Processes(broker, tmp_path, visibility_timeout=3)
    # A mail backend that blocks after "sending" until the worker is killed.
    processes.env["MTT_TEST_SEND_BLOCKS"] = str(tmp_path / "sent-marker")
    try:
        processes.worker("first")
        (alert,) = [Alert.objects.create(patient=patient, kind=FlagKind.PAIN_HIGH)]
        services.alerts_notify(alerts=[alert])  # autocommit: enqueued at once
        delivery = Delivery.objects.get(kind=ReminderKind.ALERT)
        marker = tmp_path / "sent-marker"
        assert _wait_for(marker.exists, timeout=120), processes.log("first")
        processes.kill("first")
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENDING
        processes.worker("second")
        # The redelivered task reaches the second worker and finds the record taken.
        assert _wait_for(
            lambda: "reminders.tasks.send_deliveries" in processes.log("second"), timeout=120
        ), processes.log("second")
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)
        # The reminder run's recovery: a record in "sending" for longer than a send can take.
        later = delivery.updated_at + timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)
        services.deliveries_recover(now=later + timedelta(seconds=1))
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.UNKNOWN
        assert "may have accepted it" in delivery.error
        assert marker.read_text().count("sent") == 1  # handed to the mail server once
    finally:
        processes.stop_all()
