"""The audit log in the admin: the practice admin reads, filters and searches it; nobody
changes it; therapists get 403 and patients the login page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from audit.services import audit_record

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditentry_changelist")


def record(user, patient_id, action=AuditAction.VIEW, count=1):
    for _ in range(count):
        audit_record(
            user=user,
            patient_ids=[patient_id],
            action=action,
            obj_type="patients.patient",
            obj_id=patient_id,
            request=None,
        )


@pytest.fixture
def log(therapist, other_therapist):
    record(therapist, 11, AuditAction.VIEW, 2)
    record(therapist, 12, AuditAction.CHANGE)
    record(other_therapist, 13, AuditAction.LIST)


def shown(response) -> list[tuple]:
    return sorted(
        (entry.user.username, entry.patient_id, entry.action)
        for entry in response.context["cl"].result_list
    )


def test_the_practice_admin_lists_filters_and_searches(admin_client_logged_in, log, therapist):
    everything = admin_client_logged_in.get(CHANGELIST)
    changes = admin_client_logged_in.get(CHANGELIST, {"action__exact": "change"})
    by_user = admin_client_logged_in.get(CHANGELIST, {"user": therapist.pk})
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    by_day = admin_client_logged_in.get(  # the filter's "Today" link
        CHANGELIST, {"at__gte": str(today), "at__lt": str(today + timedelta(days=1))}
    )
    by_patient = admin_client_logged_in.get(CHANGELIST, {"q": "13"})
    nonsense = admin_client_logged_in.get(CHANGELIST, {"q": "Anna"})

    assert everything.status_code == 200
    assert len(everything.context["cl"].result_list) == 4
    assert shown(changes) == [("t.weber", 12, "change")]
    assert {row[0] for row in shown(by_user)} == {"t.weber"}
    assert len(shown(by_user)) == 3
    assert len(by_day.context["cl"].result_list) == 4
    assert shown(by_patient) == [("o.kaya", 13, "list")]
    assert nonsense.status_code == 200 and shown(nonsense) == []


def test_nobody_adds_changes_or_deletes_entries(admin_client_logged_in, log):
    entry = AuditEntry.objects.first()
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])

    assert admin_client_logged_in.get(reverse("admin:audit_auditentry_add")).status_code == 403
    page = admin_client_logged_in.get(change)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()
    assert admin_client_logged_in.post(change, {"action": "delete"}).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert admin_client_logged_in.post(delete, {"post": "yes"}).status_code == 403
    bulk = admin_client_logged_in.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    assert AuditEntry.objects.count() == 4


def test_therapists_get_403_and_do_not_see_it(therapist_client, log):
    entry = AuditEntry.objects.first()

    assert therapist_client.get(CHANGELIST).status_code == 403
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert therapist_client.get(change).status_code == 403
    index = therapist_client.get(reverse("admin:apps"))
    assert "audit" not in {app["app_label"] for app in index.context["app_list"]}


def test_patients_are_sent_to_the_login(client, patient, log):
    client.force_login(patient.user)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_changelist_costs_the_same_queries_for_10_and_200_entries(
    admin_client_logged_in, therapist, other_therapist, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record(therapist, 1, count=10)
    with CaptureQueriesContext(connection) as small:
        admin_client_logged_in.get(CHANGELIST)
    record(other_therapist, 2, count=190)

    with django_assert_max_num_queries(len(small)):
        response = admin_client_logged_in.get(CHANGELIST)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 200
    assert len(small) <= 10
