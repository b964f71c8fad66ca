"""The urgent box at the top of the admin index: the open red-flag alerts of the user's
patients (all patients for the practice admin), each with the patient, the signs, when, a link
to the patient page and an acknowledge button (docs/clinical-safety.md). One query for the box
and one INSERT for the audit log, whatever the number of alerts."""

from django.urls import reverse

from audit.models import AuditAction
from audit.services import accesses_for, audit_record_many
from patients.admin.clinical import sign_labels
from patients.admin.scoping import scope_to_user
from patients.models import Alert, FlagKind

# Alerts listed in the box; more are reached through the alert list (red flags come first).
SHOWN = 10


def urgent_alerts(request) -> dict:
    """The box's context for ``request.user``; empty for users who may not see alerts."""
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return {"alerts": []}
    if not user.has_perm("patients.view_alert"):
        return {"alerts": []}
    queryset = scope_to_user(
        Alert.objects.filter(kind=FlagKind.RED_FLAG, acknowledged_at__isnull=True),
        user,
        "patient",
    )
    rows = list(
        queryset.select_related("patient__user").order_by("-created_at", "-id")[: SHOWN + 1]
    )
    shown = rows[:SHOWN]
    # Patient names and signs are shown: a read of patient data, recorded like a list page.
    audit_record_many(
        user=user,
        request=request,
        accesses=accesses_for(shown, action=AuditAction.LIST, patient_path="patient"),
    )
    return {
        "alerts": [
            {
                "alert": alert,
                "signs": sign_labels(alert.details if isinstance(alert.details, list) else []),
                "patient_url": reverse("admin:patients_patient_change", args=[alert.patient_id]),
                "acknowledge_url": reverse("admin:patients_alert_acknowledge", args=[alert.pk]),
            }
            for alert in shown
        ],
        "more": len(rows) > SHOWN,
        "list_url": reverse("admin:patients_alert_changelist") + "?kind__exact=red_flag",
        "back_url": reverse("admin:index"),
        "can_acknowledge": user.has_perm("patients.change_alert"),
    }
