"""/metrics for operators (docs/operations.md "Metrics"): the bearer token, the app's numbers read
from the database at scrape time with a fixed number of queries, Celery tasks by state.
tests/mtt/test_served.py adds up two gunicorn workers' counters."""

import re
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.utils import timezone

from mtt import metrics
from mtt.celery import app as celery_app
from patients.models import Alert, FlagKind, RedFlag, RedFlagSign, RedFlagSource, SessionLog
from privacy.tasks import apply_retention
from reminders.models import Delivery, DeliveryStatus, Digest, ReminderKind
from tests.api.conftest import assign, log, make_patient, make_therapist

TOKEN = "a-metrics-token-for-the-tests"


def _scrape(client=None, token=TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return (client or Client()).get("/metrics", **headers)


def _value(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and (match.group(1) or "") == wanted:
            return float(match.group(2))
    raise AssertionError(f"{name}{{{wanted}}} not in the scrape")


@pytest.mark.django_db
def test_without_a_token_configured_there_is_no_metrics_page(settings):
    settings.METRICS_TOKEN = ""

    response = _scrape()

    assert response.status_code == 404
    assert b"mtt_" not in response.content


@pytest.mark.django_db
def test_the_token_is_required(settings):
    settings.METRICS_TOKEN = TOKEN

    for token in (None, "wrong", TOKEN + "x"):
        response = _scrape(token=token)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert b"mtt_" not in response.content


@pytest.fixture
def practice(db):
    therapist = make_therapist("therapist1")
    anna = make_patient(therapist, username="anna")
    berta = make_patient(therapist, username="berta")
    assign(anna)
    assign(berta)
    sessions = [log(anna, days_ago=3), log(anna, days_ago=2), log(berta, days_ago=1)]
    SessionLog.objects.filter(pk=sessions[0].pk).update(flagged=True)
    RedFlag.objects.create(patient=anna, sign=RedFlagSign.values[0], source=RedFlagSource.values[0])
    alert = Alert.objects.create(patient=anna, kind=FlagKind.RED_FLAG)
    now = timezone.now()
    today = timezone.localdate()

    def delivery(patient, kind, status, *, minutes_ago=0, **fields):
        row = Delivery.objects.create(
            patient=patient,
            day=today,
            kind=kind,
            status=status,
            batch=uuid.uuid4(),
            updated_at=now - timedelta(minutes=minutes_ago),
            **fields,
        )
        Delivery.objects.filter(pk=row.pk).update(created_at=now - timedelta(minutes=minutes_ago))
        return row

    # The red-flag message to the therapist has waited ten minutes.
    delivery(anna, ReminderKind.RED_FLAG, DeliveryStatus.PENDING, minutes_ago=10, alert=alert)
    delivery(anna, ReminderKind.SESSION, DeliveryStatus.SENT)
    delivery(berta, ReminderKind.SESSION, DeliveryStatus.FAILED)
    # Sent by push; the e-mail could not go (no address): each channel counts its own outcome.
    channels = {"email": "skipped", "push": "sent"}
    delivery(anna, ReminderKind.EVENING, DeliveryStatus.SENT, details={"channels": channels})
    delivery(berta, ReminderKind.HABITS, DeliveryStatus.SENT, minutes_ago=60 * 25)  # too old
    Digest.objects.create(
        therapist=therapist,
        week=today - timedelta(days=today.weekday()),
        status=DeliveryStatus.SENT,
        batch=uuid.uuid4(),
        updated_at=now,
    )
    return anna, berta


def test_the_apps_numbers_come_from_the_database(practice, settings):
    settings.METRICS_TOKEN = TOKEN

    response = _scrape()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"].startswith("max-age=0")
    text = response.content.decode()
    assert _value(text, "mtt_sessions_logged_total") == 3
    assert _value(text, "mtt_sessions_flagged_total") == 1
    assert _value(text, "mtt_red_flags_total") == 1
    assert _value(text, "mtt_red_flags_uncleared") == 1
    assert _value(text, "mtt_alerts_open", kind="red_flag") == 1
    assert _value(text, "mtt_alerts_open", kind="pain_rise") == 0
    assert _value(text, "mtt_deliveries_pending", kind="red_flag") == 1
    assert _value(text, "mtt_deliveries_pending", kind="session") == 0
    age = _value(text, "mtt_deliveries_pending_oldest_age_seconds", kind="red_flag")
    assert 600 <= age < 3600  # the alert rule in docs/operations.md fires after 300 s
    assert _value(text, "mtt_deliveries_pending_oldest_age_seconds", kind="session") == 0
    # Sent and failed in the last 24 hours, by channel: the digest counts as e-mail.
    assert _value(text, "mtt_reminders_last_24h", channel="email", status="sent") == 2
    assert _value(text, "mtt_reminders_last_24h", channel="email", status="failed") == 1
    assert _value(text, "mtt_reminders_last_24h", channel="email", status="skipped") == 1
    assert _value(text, "mtt_reminders_last_24h", channel="push", status="sent") == 1
    assert _value(text, "mtt_reminders_last_24h", channel="push", status="failed") == 0
    # No patient data: no names, no usernames in the scrape.
    assert "anna" not in text
    assert "berta" not in text


def test_a_scrape_reads_the_database_with_a_fixed_number_of_queries(
    practice, django_assert_num_queries
):
    with django_assert_num_queries(7):
        families = list(metrics.DatabaseCollector().collect())
    assert len(families) == 9

    anna, _berta = practice
    for days_ago in (4, 5, 6):
        log(anna, days_ago=days_ago)
    with django_assert_num_queries(7):  # the same however many rows there are
        list(metrics.DatabaseCollector().collect())


@pytest.mark.django_db
def test_requests_are_counted_by_view_and_status_with_their_queries(settings):
    settings.METRICS_TOKEN = TOKEN
    registry = metrics.PROCESS_REGISTRY

    def count(**labels):
        return registry.get_sample_value("mtt_http_requests_total", labels) or 0

    def queries(view):
        return registry.get_sample_value("mtt_http_request_db_queries_sum", {"view": view}) or 0

    before = count(view="health", method="GET", status="200"), queries("health")
    unresolved = count(view=metrics.UNRESOLVED, method="GET", status="404")
    client = Client()
    client.get("/health/")
    client.get("/health/")
    client.get("/no-such-page/")

    assert count(view="health", method="GET", status="200") == before[0] + 2
    assert queries("health") == before[1] + 2  # one SELECT 1 per health check
    assert count(view=metrics.UNRESOLVED, method="GET", status="404") == unresolved + 1
    text = _scrape(client).content.decode()
    assert 'mtt_http_request_duration_seconds_bucket{le="0.005",view="health"}' in text


@pytest.mark.django_db
def test_celery_tasks_are_counted_by_state():
    registry = metrics.PROCESS_REGISTRY
    name = "privacy.tasks.apply_retention"

    def count(state):
        labels = {"task": name, "state": state}
        return registry.get_sample_value("mtt_celery_tasks_total", labels) or 0

    before = {state: count(state) for state in ("started", "succeeded", "failed")}
    apply_retention.apply()

    assert count("started") == before["started"] + 1
    assert count("succeeded") == before["succeeded"] + 1
    assert count("failed") == before["failed"]


def test_the_broker_queue_length_is_read_at_scrape_time():
    families = {family.name: family for family in metrics.BrokerCollector().collect()}

    assert [sample.value for sample in families["mtt_broker_up"].samples] == [1]
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    samples = {
        sample.labels["queue"]: sample.value
        for sample in families["mtt_celery_queue_length"].samples
    }
    assert celery_app.conf.task_default_queue in samples
    assert samples == {queue: client.llen(queue) for queue in samples}
