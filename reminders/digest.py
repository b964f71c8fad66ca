"""What the therapist's weekly digest lists, read in a fixed number of queries plus the
readiness check for patients whose adherence already reaches its threshold."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from patients import rules as patient_rules
from patients import selectors as patient_selectors
from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    FlagKind,
    Patient,
    RedFlag,
    RedFlagSource,
)

LOW_ADHERENCE = Decimal("0.50")


@dataclass(frozen=True)
class DigestContent:
    flagged: list[tuple[Patient, int]]  # open alerts on flagged sessions
    red_flags: list[tuple[Patient, str]]  # uncleared red flags from session check-ins
    low_adherence: list[tuple[Patient, Decimal]]
    ready: list[tuple[Patient, str]]  # with the current phase

    def __bool__(self) -> bool:
        return bool(self.flagged or self.red_flags or self.low_adherence or self.ready)


def digest_content(*, therapist, today: date | None = None) -> DigestContent:
    """What the weekly digest lists. Readiness is worked out only for patients whose adherence
    already reaches the threshold (a necessary condition), so the digest stays cheap."""
    today = today or patient_rules.local_day(timezone.now(), settings.TIME_ZONE)
    patients = {
        patient.pk: patient
        for patient in Patient.objects.filter(therapist=therapist).select_related("user")
    }
    flagged = (
        Alert.objects.filter(
            patient__therapist=therapist, acknowledged_at__isnull=True, session__isnull=False
        )
        .exclude(kind=FlagKind.RED_FLAG)
        .values("patient_id")
        .annotate(count=Count("session_id", distinct=True))
        .order_by("patient_id")
    )
    red_flags = RedFlag.objects.filter(
        patient__therapist=therapist, source=RedFlagSource.SESSION, cleared_at__isnull=True
    ).order_by("patient_id", "recorded_at")
    assignments = list(
        Assignment.objects.filter(patient__therapist=therapist, status=AssignmentStatus.ACTIVE)
        .select_related("patient__user", "program", "current_phase")
        .order_by("patient_id")
    )
    adherence = patient_selectors.adherence_for_patients(
        [assignment.patient_id for assignment in assignments], today=today
    )
    ready = [
        (assignment.patient, str(assignment.current_phase))
        for assignment in assignments
        if adherence.get(assignment.patient_id, Decimal(0)) >= patient_rules.READY_ADHERENCE
        and patient_selectors.assignment_readiness(assignment=assignment, today=today).ready
    ]
    return DigestContent(
        flagged=[(patients[row["patient_id"]], row["count"]) for row in flagged],
        red_flags=[(patients[flag.patient_id], flag.get_sign_display()) for flag in red_flags],
        low_adherence=[
            (assignment.patient, adherence[assignment.patient_id])
            for assignment in assignments
            if adherence.get(assignment.patient_id, Decimal(1)) < LOW_ADHERENCE
        ],
        ready=ready,
    )
