"""Delivery records in the admin: failures visible, scoped to the therapist's own patients."""

from datetime import date, time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from reminders import services
from reminders.models import Delivery, DeliveryStatus, ReminderKind
from reminders.selectors import DueReminder
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/reminders/delivery/"


@pytest.fixture
def other_therapist(db):
    user = get_user_model().objects.create_user("o.kaya", "kaya@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Therapeut"))
    return user


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
