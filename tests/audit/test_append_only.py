"""The audit log is append-only in the database, holds no personal data, and outlives the
patient it names."""

import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import AuditAction, AuditEntry
from audit.services import audit_record, client_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(therapist, patient, rf):
    [row] = audit_record(
        user=therapist,
        patient_ids=[patient.pk],
        action=AuditAction.CHANGE,
        obj_type="patients.patient",
        obj_id=patient.pk,
        fields=["diagnosis"],
        request=rf.get("/", REMOTE_ADDR="198.51.100.4"),
    )
    return row


def refused(statement) -> str:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        statement()
    return str(error.value)


def test_update_and_delete_raise_in_the_database(entry):
    def raw(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])

        return run

    messages = [
        refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="view")),
        refused(lambda: AuditEntry.objects.filter(pk=entry.pk).delete()),
        refused(raw("UPDATE audit_auditentry SET fields = '[]' WHERE id = %s")),
        refused(raw("DELETE FROM audit_auditentry WHERE id = %s")),
    ]

    assert all("append-only" in message for message in messages), messages
    assert AuditEntry.objects.get(pk=entry.pk).fields == ["diagnosis"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_truncate_still_empties_the_table_for_test_flushes(entry):
    """Row-level triggers do not fire on TRUNCATE: the flush after transactional tests (this
    one too) still works."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditentry")

    assert not AuditEntry.objects.exists()


def test_rows_hold_no_personal_data_and_outlive_the_patient(entry, patient):
    patient_id, user = patient.pk, patient.user
    user.delete()  # the patient and their login are gone

    row = AuditEntry.objects.values().get(pk=entry.pk)
    assert row["patient_id"] == patient_id
    assert row["address"] == "198.51.100.4"
    text = str(row)
    for personal in (user.first_name, user.last_name, user.email, user.username):
        assert personal not in text


def test_patients_are_not_audited(patient, rf):
    written = audit_record(
        user=patient.user,
        patient_ids=[patient.pk],
        action=AuditAction.VIEW,
        obj_type="patients.patient",
        request=rf.get("/"),
    )

    assert written == [] and not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "10.0.0.2"),
        (
            1,
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.9"},
            "203.0.113.9",
        ),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, None),
        (1, {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
    ],
)
def test_the_address_trusts_forwarded_headers_only_behind_configured_proxies(
    settings, rf, proxies, meta, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/")
    request.META.update(meta)

    assert client_address(request) == expected
