"""The patient admin's fixtures (therapists, patients made by the service, the MASTER
assignment, logged sessions, English admin clients) and a reader for the audit log."""

import pytest

from audit.models import AuditEntry
from tests.patients.conftest import (  # noqa: F401  (fixtures)
    assignment,
    log_session,
    make_patient,
    make_therapist,
    master,
    other_therapist,
    other_therapist_client,
    patient,
    therapist,
    therapist_client,
)


def rows(**filters) -> list[tuple]:
    """The audit rows as (user id, patient id, action, object type, object id, fields), oldest
    first."""
    return list(
        AuditEntry.objects.filter(**filters)
        .order_by("id")
        .values_list("user_id", "patient_id", "action", "object_type", "object_id", "fields")
    )


@pytest.fixture
def audit_rows():
    return rows
