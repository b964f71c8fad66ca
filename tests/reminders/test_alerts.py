"""Alerts to the therapist, their escalation to the practice admin, and the urgent path: a red
flag is e-mailed at once, retried until sent, never expired, picked up every minute after a
broker outage (docs/operations.md "The urgent path")."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone, translation

from patients import services as patient_services
from patients.models import Alert, FlagKind
from reminders import services, tasks
from reminders.models import Delivery, DeliveryStatus, ReminderKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Therapists get the practice's language; English, so assertions read the source texts."""
    settings.LANGUAGE_CODE = "en"


def _alerts(patient, *kinds, created_at=None) -> list[Alert]:
    alerts = [Alert.objects.create(patient=patient, kind=kind) for kind in kinds]
    if created_at is not None:
        Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(created_at=created_at)
        for alert in alerts:
            alert.refresh_from_db()
    return alerts


def test_red_flag_emails_the_therapist_at_once_with_what_they_need_to_act(
    make_patient, therapist, published, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://mtt.example.org"
    patient = make_patient(pain_limit=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_notify(alerts=_alerts(patient, FlagKind.RED_FLAG))
    (message,) = mail.outbox
    assert message.to == [therapist.email]
    assert message.subject == "Urgent: a patient reported a red flag"
    assert "URGENT" in message.body and "within the next few hours" in message.body
    assert f"Patient: {patient.user.get_full_name()}" in message.body
    assert "Alert: red flag reported" in message.body
    assert "Raised: " in message.body
    assert f"https://mtt.example.org/admin/patients/patient/{patient.pk}/change/" in message.body
    html, _mimetype = message.alternatives[0]
    assert f"/admin/patients/patient/{patient.pk}/change/" in html
    # No health data beyond that: no diagnosis, no notes, no signs.
    assert "saddle" not in message.body.lower()
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.status) == (ReminderKind.RED_FLAG, DeliveryStatus.SENT)


def test_two_red_flags_on_one_day_are_two_emails(
    make_patient, therapist, published, django_capture_on_commit_callbacks
):
    patient = make_patient()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.alerts_notify(alerts=_alerts(patient, FlagKind.RED_FLAG))
    assert len(mail.outbox) == 2
    assert Delivery.objects.filter(kind=ReminderKind.RED_FLAG).count() == 2
    # The same alert twice is still one e-mail.
    alert = Alert.objects.first()
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_notify(alerts=[alert])
    assert len(mail.outbox) == 2


def test_symptom_reports_with_a_red_flag_twice_a_day_reach_the_therapist_twice(
    make_patient, therapist, published, django_capture_on_commit_callbacks
):
    patient = make_patient()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            patient_services.symptom_report_create(
                patient=patient,
                red_flag_saddle_numbness=True,
                red_flag_bladder_bowel=False,
                red_flag_leg_weakness=False,
                pain=2,
            )
    urgent = [m for m in mail.outbox if m.subject.startswith("Urgent")]
    assert [m.to for m in urgent] == [[therapist.email], [therapist.email]]


def test_high_pain_and_next_day_alerts_email_the_same_day_others_wait_for_the_digest(
    make_patient, therapist, published, django_capture_on_commit_callbacks
):
    patient = make_patient()
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_notify(
            alerts=_alerts(
                patient,
                FlagKind.PAIN_HIGH,
                FlagKind.NEXT_DAY_WORSE,
                FlagKind.NEXT_DAY_PAIN_HIGH,
                FlagKind.PAIN_ABOVE_LIMIT,
                FlagKind.PAIN_RISE,
            )
        )
    assert len(mail.outbox) == 3
    kinds = sorted(m.body.split("Alert: ")[1].splitlines()[0] for m in mail.outbox)
    assert kinds == sorted(
        str(FlagKind(kind).label)
        for kind in (FlagKind.PAIN_HIGH, FlagKind.NEXT_DAY_WORSE, FlagKind.NEXT_DAY_PAIN_HIGH)
    )
    for message in mail.outbox:
        assert message.to == [therapist.email]
        assert message.subject == "A patient's alert needs your attention today"
        assert "Not an emergency, but please look at this today" in message.body
    assert set(Delivery.objects.values_list("kind", flat=True)) == {ReminderKind.ALERT}


def test_red_flag_is_retried_until_sent_and_never_expires(make_patient, therapist, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.reminders.backends.RefusingBackend"}}
    settings.REMINDER_MAX_ATTEMPTS = 2
    patient = make_patient()
    red, same_day = _alerts(patient, FlagKind.RED_FLAG, FlagKind.PAIN_HIGH)
    services.alerts_notify(alerts=[red, same_day])
    urgent = Delivery.objects.get(kind=ReminderKind.RED_FLAG)
    ordinary = Delivery.objects.get(kind=ReminderKind.ALERT)
    delays = []
    for _ in range(8):
        with pytest.raises(services.SendFailed) as failure:
            services.delivery_send(delivery_id=urgent.pk)
        delays.append(failure.value.delay)
    urgent.refresh_from_db()
    assert (urgent.status, urgent.attempts) == (DeliveryStatus.PENDING, 8)
    cap = settings.REMINDER_RETRY_CAP_SECONDS
    assert delays == [min(60 * 2**n, cap) for n in range(8)]
    assert cap < settings.BROKER_VISIBILITY_TIMEOUT
    # The same-day alert gives up like a reminder.
    with pytest.raises(services.SendFailed):
        services.delivery_send(delivery_id=ordinary.pk)
    assert services.delivery_send(delivery_id=ordinary.pk) == DeliveryStatus.FAILED
    # Days later, the expiry of old pending records leaves the red flag alone.
    later = timezone.now() + timedelta(hours=settings.REMINDER_EXPIRE_HOURS + 48)
    services.deliveries_recover(now=later)
    urgent.refresh_from_db()
    assert urgent.status == DeliveryStatus.PENDING
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert services.delivery_send(delivery_id=urgent.pk) == DeliveryStatus.SENT
    assert [m.subject for m in mail.outbox] == ["Urgent: a patient reported a red flag"]


def test_an_acknowledged_alert_is_not_emailed_any_more(make_patient, therapist):
    patient = make_patient()
    (alert,) = _alerts(patient, FlagKind.RED_FLAG)
    services.alerts_notify(alerts=[alert])
    Alert.objects.filter(pk=alert.pk).update(acknowledged_at=timezone.now())
    delivery = Delivery.objects.get()
    assert services.delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SKIPPED
    assert mail.outbox == []


def test_urgent_records_that_could_not_be_enqueued_are_picked_up_within_a_minute(
    make_patient, therapist, monkeypatch
):
    patient = make_patient()
    handed_over = []
    broker_up = False

    def publish(task, ids, size, what, queue=None):
        if not broker_up:
            return 0
        handed_over.extend(ids)
        return len(ids)

    monkeypatch.setattr(services.enqueue, "_publish", publish)
    (red,) = _alerts(patient, FlagKind.RED_FLAG)
    (pain,) = _alerts(patient, FlagKind.PAIN_HIGH)
    services.alerts_notify(alerts=[red, pain])
    urgent = Delivery.objects.get(kind=ReminderKind.RED_FLAG)
    created = urgent.updated_at
    # Broker down: the every-minute run finds it, cannot hand it over, tries again next minute.
    assert services.urgent_run(now=created + timedelta(minutes=1)).enqueued == 0
    broker_up = True
    result = services.urgent_run(now=created + timedelta(minutes=2))
    assert (result.enqueued, handed_over) == (1, [urgent.pk])  # the same-day alert is not urgent
    # Handed over: the next minute leaves it to the task it was handed to.
    assert services.urgent_run(now=timezone.now() + timedelta(seconds=30)).enqueued == 0
    # A failed attempt waits for its back-off (60 s) plus a minute before the net picks it up.
    Delivery.objects.filter(pk=urgent.pk).update(attempts=1)
    assert services.urgent_pending(now=timezone.now() + timedelta(seconds=90)) == []
    assert services.urgent_pending(now=timezone.now() + timedelta(seconds=121)) == [urgent.pk]
    # At worker start every pending urgent record goes, back-off or not.
    assert services.urgent_pending(now=timezone.now(), all_pending=True) == [urgent.pk]


def test_unacknowledged_red_flag_escalates_to_the_practice_admins_once(
    make_patient, therapist, published, django_capture_on_commit_callbacks, settings
):
    settings.ALERT_ESCALATION_HOURS = 4
    users = get_user_model()
    admin = users.objects.create_superuser("chefin", "chefin@example.org", "x" * 20)
    users.objects.create_superuser("ohne-mail", "", "x" * 20)
    users.objects.create_superuser("ehemalig", "old@example.org", "x" * 20, is_active=False)
    patient = make_patient()
    now = timezone.now()
    (overdue,) = _alerts(patient, FlagKind.RED_FLAG, created_at=now - timedelta(hours=4, minutes=1))
    (recent,) = _alerts(patient, FlagKind.RED_FLAG, created_at=now - timedelta(hours=3))
    (seen,) = _alerts(patient, FlagKind.RED_FLAG, created_at=now - timedelta(hours=5))
    Alert.objects.filter(pk=seen.pk).update(acknowledged_at=now - timedelta(hours=1))
    _alerts(patient, FlagKind.PAIN_HIGH, created_at=now - timedelta(hours=6))
    with django_capture_on_commit_callbacks(execute=True):
        result = services.urgent_run(now=now)
    assert result.escalated == 1
    (message,) = mail.outbox
    assert message.to == [admin.email]
    assert message.subject == "Urgent: a red flag has not been acknowledged"
    assert "nobody has acknowledged the alert for 4 hours" in message.body
    assert f"Patient: {patient.user.get_full_name()}" in message.body
    assert f"Therapist: {therapist.get_full_name()}" in message.body
    assert f"/admin/patients/patient/{patient.pk}/change/" in message.body
    overdue.refresh_from_db()
    assert overdue.escalated_at == now
    assert Alert.objects.filter(escalated_at__isnull=False).count() == 1
    # Once: the next minutes send nothing more; the recent one escalates when its time comes.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.urgent_run(now=now + timedelta(minutes=1)).escalated == 0
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.urgent_run(now=now + timedelta(hours=1, minutes=1)).escalated == 1
    assert len(mail.outbox) == 2
    recent.refresh_from_db()
    assert recent.escalated_at is not None


def test_escalation_is_retried_until_a_practice_admin_has_an_address(make_patient, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.reminders.backends.RefusingBackend"}}
    settings.REMINDER_MAX_ATTEMPTS = 1
    get_user_model().objects.create_superuser("chefin", "chefin@example.org", "x" * 20)
    patient = make_patient()
    _alerts(patient, FlagKind.RED_FLAG, created_at=timezone.now() - timedelta(hours=5))
    (pk,) = services.alerts_escalate()
    for _ in range(3):
        with pytest.raises(services.SendFailed):
            services.delivery_send(delivery_id=pk)
    assert Delivery.objects.get(pk=pk).status == DeliveryStatus.PENDING


def test_a_red_flag_whose_therapist_cannot_be_reached_goes_to_the_practice_admin_at_once(
    make_patient, therapist, published, django_capture_on_commit_callbacks
):
    admin = get_user_model().objects.create_superuser("chefin", "chefin@example.org", "x" * 20)
    patient = make_patient()
    therapist.email = ""
    therapist.save(update_fields=["email"])
    patient.therapist.refresh_from_db()
    (red,) = _alerts(patient, FlagKind.RED_FLAG)
    (pain,) = _alerts(patient, FlagKind.PAIN_HIGH)
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_notify(alerts=[red, pain])
    (message,) = mail.outbox
    assert message.to == [admin.email]
    assert message.subject == "Urgent: a red flag has not been acknowledged"
    assert "their therapist cannot be reached by e-mail" in message.body
    red.refresh_from_db()
    assert red.escalated_at is not None
    statuses = dict(Delivery.objects.values_list("kind", "status"))
    assert statuses == {
        ReminderKind.RED_FLAG: DeliveryStatus.SKIPPED,
        ReminderKind.ALERT: DeliveryStatus.SKIPPED,
        ReminderKind.ESCALATION: DeliveryStatus.SENT,
    }
    # Not escalated a second time when the hours have passed.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.urgent_run(now=timezone.now() + timedelta(hours=5)).escalated == 0
    assert len(mail.outbox) == 1


def test_urgent_emails_travel_on_their_own_queue(
    make_patient, therapist, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """A red flag never waits behind the chunks of a large reminder run."""
    queues = []

    def publish(task, ids, size, what, queue=None):
        kinds = set(Delivery.objects.filter(pk__in=ids).values_list("kind", flat=True))
        queues.append((kinds, queue))
        return len(ids)

    monkeypatch.setattr(services.enqueue, "_publish", publish)
    patient = make_patient()
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_notify(alerts=_alerts(patient, FlagKind.RED_FLAG, FlagKind.PAIN_HIGH))
    assert sorted(queues, key=str) == sorted(
        [({ReminderKind.RED_FLAG}, settings.REMINDER_URGENT_QUEUE), ({ReminderKind.ALERT}, None)],
        key=str,
    )
    failure = services.SendFailed(1, 1, urgent=True)
    retried = []
    monkeypatch.setattr(
        tasks.send_delivery, "apply_async", lambda args, **options: retried.append(options)
    )
    services.enqueue_retry(tasks.send_delivery, failure)
    assert retried[0]["queue"] == settings.REMINDER_URGENT_QUEUE


def test_the_same_day_alert_email_names_the_kind_in_words_in_german(
    make_patient, therapist, published, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "de"
    patient = make_patient()
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_notify(alerts=_alerts(patient, FlagKind.NEXT_DAY_PAIN_HIGH))

    (message,) = mail.outbox
    with translation.override("de"):
        label = str(FlagKind.NEXT_DAY_PAIN_HIGH.label)
    assert label in message.body
    assert "next_day_pain_high" not in message.body
