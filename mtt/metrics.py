"""Prometheus metrics for operators (docs/operations.md "Metrics").

Two sources, chosen by what each number is:

- **Per process** (prometheus-client counters and histograms): HTTP requests by view and status,
  their latency and database queries, Celery tasks by state. gunicorn runs several workers and
  Celery forks its pool, so with ``PROMETHEUS_MULTIPROC_DIR`` set (``make run`` and the Docker
  image set it) every process writes its values to files there and a scrape adds them up, for
  all processes on the host that share the directory.
- **From the database, at scrape time** (``DatabaseCollector``): sessions logged and flagged,
  red flags, open alerts, reminders by channel and outcome, open deliveries and the age of the
  oldest. Counted from the rows, they are exact however many web and worker processes or
  servers there are, survive restarts, and cost a handful of queries per scrape.

Metric names and labels carry no patient data: views, statuses, kinds and channels only.
"""

import os
import socket
import time
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Min, Q
from django.db.models.fields.json import KT
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from mtt.celery import app as celery_app
from patients.models import Alert, FlagKind, RedFlag, ReminderChannel, SessionLog
from reminders.models import OPEN_STATUSES, Delivery, DeliveryStatus, Digest, ReminderKind

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if MULTIPROC_DIR:
    os.makedirs(MULTIPROC_DIR, exist_ok=True)
    # Containers that share the directory may reuse process ids: the host name keeps their
    # files apart (prometheus-client names each process's file after this identifier).
    values.ValueClass = values.MultiProcessValue(lambda: f"{socket.gethostname()}_{os.getpid()}")

# The per-process metrics live in a registry of their own; with PROMETHEUS_MULTIPROC_DIR a
# scrape reads the files of all processes instead.
PROCESS_REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "mtt_http_requests",
    "HTTP requests answered, by URL name (view), method and status code.",
    ["view", "method", "status"],
    registry=PROCESS_REGISTRY,
)
HTTP_LATENCY = Histogram(
    "mtt_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by URL name.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=PROCESS_REGISTRY,
)
HTTP_QUERIES = Histogram(
    "mtt_http_request_db_queries",
    "Database queries per request, by URL name (the _sum is the total number of queries).",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100),
    registry=PROCESS_REGISTRY,
)
CELERY_TASKS = Counter(
    "mtt_celery_tasks",
    "Celery tasks by task name and state: sent (enqueued), started, succeeded, failed, "
    "retried, revoked (expired runs included).",
    ["task", "state"],
    registry=PROCESS_REGISTRY,
)

UNRESOLVED = "<unresolved>"
DELIVERY_WINDOW = timedelta(hours=24)


class MetricsMiddleware:
    """Counts every request, its duration and its database queries (first in MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route) if match else UNRESOLVED
        HTTP_REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        HTTP_LATENCY.labels(view).observe(time.perf_counter() - started)
        HTTP_QUERIES.labels(view).observe(queries)
        return response


# --- Celery ---------------------------------------------------------------------------------


def _task_name(sender=None, task=None, request=None, **_) -> str:
    for candidate in (task, sender, request):
        name = getattr(candidate, "name", None) or getattr(candidate, "task", None)
        if isinstance(name, str):
            return name
        if isinstance(candidate, str):
            return candidate
    return "unknown"


def _counter(state: str):
    def receiver(sender=None, **kwargs):
        label = "expired" if state == "revoked" and kwargs.get("expired") else state
        CELERY_TASKS.labels(_task_name(sender=sender, **kwargs), label).inc()

    return receiver


def connect_celery_signals() -> None:
    """Count tasks by state in whichever process the state changes (web and beat enqueue,
    the worker runs). Called once from MttConfig.ready."""
    from celery import signals

    for signal, state in (
        (signals.after_task_publish, "sent"),
        (signals.task_prerun, "started"),
        (signals.task_success, "succeeded"),
        (signals.task_failure, "failed"),
        (signals.task_retry, "retried"),
        (signals.task_revoked, "revoked"),
    ):
        signal.connect(_counter(state), weak=False, dispatch_uid=f"mtt.metrics.{state}")


# --- Scrape-time values ---------------------------------------------------------------------


def _age(oldest, now) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


class DatabaseCollector:
    """The app's own numbers, read from the database on each scrape: seven queries."""

    def collect(self):
        now = timezone.now()

        sessions = SessionLog.objects.aggregate(
            total=Count("id"), flagged=Count("id", filter=Q(flagged=True))
        )
        yield CounterMetricFamily(
            "mtt_sessions_logged", "Training sessions logged.", value=sessions["total"]
        )
        yield CounterMetricFamily(
            "mtt_sessions_flagged",
            "Sessions flagged for the therapist (pain above the limit, pain rise, red flag …).",
            value=sessions["flagged"],
        )

        red_flags = RedFlag.objects.aggregate(
            total=Count("id"), open=Count("id", filter=Q(cleared_at__isnull=True))
        )
        yield CounterMetricFamily(
            "mtt_red_flags",
            "Red flags recorded (screening, session, symptom report).",
            value=red_flags["total"],
        )
        yield GaugeMetricFamily(
            "mtt_red_flags_uncleared",
            "Red flags without medical clearance.",
            value=red_flags["open"],
        )

        alerts_open = GaugeMetricFamily(
            "mtt_alerts_open", "Alerts no therapist has acknowledged, by kind.", labels=["kind"]
        )
        alerts_age = GaugeMetricFamily(
            "mtt_alerts_open_oldest_age_seconds",
            "Age of the oldest unacknowledged alert, by kind (0 when none).",
            labels=["kind"],
        )
        rows = {
            row["kind"]: row
            for row in Alert.objects.filter(acknowledged_at__isnull=True)
            .order_by()
            .values("kind")
            .annotate(n=Count("id"), oldest=Min("created_at"))
        }
        for kind in FlagKind.values:
            row = rows.get(kind, {})
            alerts_open.add_metric([kind], row.get("n", 0))
            alerts_age.add_metric([kind], _age(row.get("oldest"), now))
        yield alerts_open
        yield alerts_age

        pending = GaugeMetricFamily(
            "mtt_deliveries_pending",
            "Messages waiting to be sent or being sent, by kind (reminders, red-flag and alert "
            "messages to therapists, digests).",
            labels=["kind"],
        )
        pending_age = GaugeMetricFamily(
            "mtt_deliveries_pending_oldest_age_seconds",
            "Age of the oldest message waiting to be sent, by kind (0 when none).",
            labels=["kind"],
        )
        rows = {
            row["kind"]: row
            for row in Delivery.objects.filter(status__in=OPEN_STATUSES)
            .order_by()
            .values("kind")
            .annotate(n=Count("id"), oldest=Min("created_at"))
        }
        rows["digest"] = Digest.objects.filter(status__in=OPEN_STATUSES).aggregate(
            n=Count("id"), oldest=Min("created_at")
        )
        for kind in [*ReminderKind.values, "digest"]:
            row = rows.get(kind, {})
            pending.add_metric([kind], row.get("n") or 0)
            pending_age.add_metric([kind], _age(row.get("oldest"), now))
        yield pending
        yield pending_age

        since = now - DELIVERY_WINDOW
        outcomes = GaugeMetricFamily(
            "mtt_reminders_last_24h",
            "Messages whose outcome was recorded in the last 24 hours, by channel and status "
            "(sent, failed, skipped …; reminders and digests).",
            labels=["channel", "status"],
        )
        counts = {
            (channel, status): 0
            for channel in ReminderChannel.values
            for status in DeliveryStatus.values
            if status not in OPEN_STATUSES
        }
        # A reminder records each channel's outcome (reminders.services.sending); records
        # without them (alerts to the therapist, skipped before sending) count as e-mail.
        for row in (
            Delivery.objects.filter(updated_at__gte=since)
            .exclude(status__in=OPEN_STATUSES)
            .order_by()
            .values(
                "status",
                by_email=KT("details__channels__email"),
                by_push=KT("details__channels__push"),
            )
            .annotate(n=Count("id"))
        ):
            outcomes_of = {
                ReminderChannel.EMAIL.value: row["by_email"],
                ReminderChannel.PUSH.value: row["by_push"],
            }
            if not any(outcomes_of.values()):
                outcomes_of = {ReminderChannel.EMAIL.value: row["status"]}
            for channel, status in outcomes_of.items():
                if status:
                    key = (channel, status)
                    counts[key] = counts.get(key, 0) + row["n"]
        for row in (
            Digest.objects.filter(updated_at__gte=since)
            .exclude(status__in=OPEN_STATUSES)
            .order_by()
            .values("status")
            .annotate(n=Count("id"))
        ):
            key = (ReminderChannel.EMAIL.value, row["status"])
            counts[key] = counts.get(key, 0) + row["n"]
        for (channel, status), n in sorted(counts.items()):
            outcomes.add_metric([channel, status], n)
        yield outcomes


class BrokerCollector:
    """Tasks waiting in each of the app's broker queues (Celery's "queued" state) and whether
    the broker answered; no database query."""

    def collect(self):
        names = [queue.name for queue in celery_app.conf.task_queues or []]
        names = names or [celery_app.conf.task_default_queue]
        up = GaugeMetricFamily("mtt_broker_up", "1 when the Celery broker answered the scrape.")
        queued = GaugeMetricFamily(
            "mtt_celery_queue_length", "Tasks waiting in the broker, by queue.", labels=["queue"]
        )
        try:
            with celery_app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
                # Declaring is idempotent (every worker does it) and answers the length; a
                # passive declare fails on Redis while the queue is empty.
                counts = [
                    (name, conn.default_channel.queue_declare(queue=name, durable=True)[1])
                    for name in names
                ]
        except Exception:  # the broker away: no queue figures
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for name, count in counts:
                queued.add_metric([name], count)
        yield up
        yield queued


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets: the processes' metrics, then the scrape-time ones."""
    if MULTIPROC_DIR:
        process_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry, path=MULTIPROC_DIR)
    else:
        process_registry = PROCESS_REGISTRY
    app_registry = CollectorRegistry(auto_describe=False)
    app_registry.register(DatabaseCollector())
    app_registry.register(BrokerCollector())
    return generate_latest(process_registry) + generate_latest(app_registry), CONTENT_TYPE_LATEST
