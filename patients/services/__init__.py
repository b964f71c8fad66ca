"""Writes for patients: each service is one transaction and the only way the admin, the portal,
the API and the tasks change this data. One module per aggregate; callers import the package
(``from patients import services``) and find every service here."""

from patients.services.assignments import (
    assignment_advance,
    assignment_complete,
    assignment_create,
    assignment_pause,
    assignment_regress,
    assignment_resume,
)
from patients.services.habits import habit_check_record
from patients.services.intake import patient_create
from patients.services.prescription import (
    ITEM_FIELDS,
    prescription_item_add,
    prescription_item_allow_variant,
    prescription_item_move,
    prescription_item_remove,
    prescription_item_switch_variant,
    prescription_item_update,
)
from patients.services.profile import patient_profile_update, patient_update
from patients.services.reports import next_day_check_record, symptom_report_create
from patients.services.safety import (
    CALL_BACK_NOTE_MAX,
    SESSION_RED_FLAGS,
    alert_call_back_record,
    alerts_acknowledge,
)
from patients.services.screening import red_flag_clear, screening_record
from patients.services.sessions import (
    CLOCK_SKEW,
    ENTRY_FIELDS,
    IdempotencyConflict,
    request_fingerprint,
    session_log_create,
)

__all__ = [
    "CALL_BACK_NOTE_MAX",
    "CLOCK_SKEW",
    "ENTRY_FIELDS",
    "ITEM_FIELDS",
    "SESSION_RED_FLAGS",
    "IdempotencyConflict",
    "alert_call_back_record",
    "alerts_acknowledge",
    "assignment_advance",
    "assignment_complete",
    "assignment_create",
    "assignment_pause",
    "assignment_regress",
    "assignment_resume",
    "habit_check_record",
    "next_day_check_record",
    "patient_create",
    "patient_profile_update",
    "patient_update",
    "prescription_item_add",
    "prescription_item_allow_variant",
    "prescription_item_move",
    "prescription_item_remove",
    "prescription_item_switch_variant",
    "prescription_item_update",
    "red_flag_clear",
    "request_fingerprint",
    "screening_record",
    "session_log_create",
    "symptom_report_create",
]
