"""Writes for reminders: a run creates delivery records and enqueues their sends after commit;
a sender claims one record, sends it and records the outcome; calendar feed keys. One module
per concern; callers import the package (``from reminders import services``).

At most once: the records are unique per patient, day and kind (``INSERT … ON CONFLICT DO
NOTHING``), a run enqueues only the records it created itself, and a sender must move a record
from ``pending`` to ``sending`` in a conditional UPDATE before it sends. A record left in
``sending`` by a killed worker is marked ``unknown``, never sent again: the e-mail may have gone
out. Messages about alerts have a record per alert; urgent ones (red flag, escalation) are retried
until sent and picked up every minute (``urgent_run``), see docs/operations.md.

Faults: enqueueing happens ``on_commit`` and a broker failure is logged (without patient data),
never raised, so the request or run that wrote the records succeeds; the records stay pending
and the next run enqueues them again (``deliveries_recover``).
"""

from reminders.services.alerts import (
    ALERT_MESSAGE_KINDS,
    URGENT_GRACE,
    UrgentResult,
    alerts_escalate,
    alerts_notify,
    urgent_enqueue,
    urgent_pending,
    urgent_run,
)
from reminders.services.calendar import calendar_token_revoke, calendar_token_rotate, calendar_url
from reminders.services.enqueue import (
    PUBLISH_RETRY_POLICY,
    SendFailed,
    enqueue_deliveries,
    enqueue_digests,
    enqueue_retry,
    retry_delay,
)
from reminders.services.push import (
    push_subscription_delete,
    push_subscription_save,
    push_subscriptions_forget,
)
from reminders.services.runs import (
    RUN_HISTORY_DAYS,
    RunResult,
    deliveries_create,
    deliveries_recover,
    digests_create,
    reminders_run,
    run_window,
)
from reminders.services.sending import (
    TRAINING_KINDS,
    deliveries_retry,
    deliveries_send,
    delivery_send,
    digest_send,
    digests_send,
)

__all__ = [
    "ALERT_MESSAGE_KINDS",
    "PUBLISH_RETRY_POLICY",
    "RUN_HISTORY_DAYS",
    "TRAINING_KINDS",
    "URGENT_GRACE",
    "RunResult",
    "SendFailed",
    "UrgentResult",
    "alerts_escalate",
    "alerts_notify",
    "calendar_token_revoke",
    "calendar_token_rotate",
    "calendar_url",
    "deliveries_create",
    "deliveries_recover",
    "deliveries_retry",
    "deliveries_send",
    "delivery_send",
    "digest_send",
    "digests_create",
    "digests_send",
    "enqueue_deliveries",
    "enqueue_digests",
    "enqueue_retry",
    "push_subscription_delete",
    "push_subscription_save",
    "push_subscriptions_forget",
    "reminders_run",
    "retry_delay",
    "run_window",
    "urgent_enqueue",
    "urgent_pending",
    "urgent_run",
]
