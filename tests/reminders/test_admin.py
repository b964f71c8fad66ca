"""Delivery records in the admin: failures visible, scoped to the therapist's own patients."""

from datetime import date, time

import pytest
from django.utils import timezone

from patients.models import Alert, FlagKind
from reminders import services
from reminders.models import Delivery, DeliveryStatus, ReminderKind
from reminders.selectors import DueReminder
from tests import factories
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/reminders/delivery/"


@pytest.fixture
def other_therapist(db):
    return factories.TherapistFactory(username="o.kaya", email="kaya@example.org")


@pytest.fixture
def records(make_patient, other_therapist):
    mine = make_patient(reminder_time=time(18))
    theirs = make_patient(reminder_time=time(18), therapist=other_therapist)
    ids = services.deliveries_create(
        due=[
            DueReminder(patient.pk, date(2026, 6, day), ReminderKind.SESSION)
            for patient in (mine, theirs)
            for day in range(1, 16)
        ],
        now=timezone.now(),
    )
    Delivery.objects.filter(patient=mine, day=date(2026, 6, 1)).update(
        status=DeliveryStatus.FAILED, attempts=5, error="SMTPServerDisconnected: closed"
    )
    return mine, theirs, ids


def test_therapist_sees_own_patients_records_and_failures(
    client, therapist, records, django_assert_max_num_queries
):
    mine, theirs, _ids = records
    login_verified(client, therapist)
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST, {"status": "failed"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "SMTPServerDisconnected" in response.text
    response = client.get(CHANGELIST)
    shown = {d.patient_id for d in response.context["cl"].result_list}
    assert shown == {mine.pk}
    other = Delivery.objects.filter(patient=theirs).first()
    assert client.get(f"{CHANGELIST}{other.pk}/change/").status_code == 404
    assert "retry" not in response.context["cl"].model_admin.get_actions(response.wsgi_request)


def test_practice_admin_sees_all_and_can_send_failed_ones_again(
    client, superuser, records, published, django_capture_on_commit_callbacks
):
    login_verified(client, superuser)
    response = client.get(CHANGELIST)
    assert response.context["cl"].result_count == 30
    failed = Delivery.objects.get(status=DeliveryStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, {"action": "retry", "_selected_action": [failed.pk]}, follow=True
        )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT


def test_unknown_outcomes_and_alert_emails_are_shown_in_words_and_never_retried(
    client, superuser, records, published, django_capture_on_commit_callbacks
):
    mine, _theirs, _ids = records
    unknown = Delivery.objects.filter(patient=mine, day=date(2026, 6, 2))
    unknown.update(
        status=DeliveryStatus.UNKNOWN,
        error="interrupted while sending: the mail server may have accepted it",
    )
    (unknown_pk,) = unknown.values_list("pk", flat=True)
    alert = Alert.objects.create(patient=mine, kind=FlagKind.RED_FLAG)
    services.alerts_notify(alerts=[alert])
    login_verified(client, superuser)
    response = client.get(CHANGELIST, {"status__exact": "unknown"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [d.pk for d in response.context["cl"].result_list] == [unknown_pk]
    assert "outcome unknown (interrupted while sending)" in response.text
    filters = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en").text
    assert '?status__exact=unknown">outcome unknown (interrupted while sending)</a>' in filters
    assert "red flag (to the therapist)" in filters  # the alert e-mail's kind in words
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST,
            {"action": "retry", "_selected_action": [unknown_pk]},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "0 reminders queued again." in response.text
    assert "1 e-mail with an unknown outcome was not sent again: it may have arrived." in (
        response.text
    )
    assert Delivery.objects.get(pk=unknown_pk).status == DeliveryStatus.UNKNOWN
    assert not any(unknown_pk in chunk for _task, chunk in published)
