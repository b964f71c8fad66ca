"""What the therapist's weekly digest lists, read in a fixed number of queries plus the
readiness check for patients whose adherence already reaches its threshold."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
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
)
from reminders.models import Delivery, DeliveryStatus, ReminderKind

LOW_ADHERENCE = Decimal("0.50")


@dataclass(frozen=True)
class DigestContent:
    # Alerts not yet acknowledged, other than red flags: per patient, each kind in words with
    # how many (high pain, worse the next day, a flagged session, a symptom report …).
    flagged: list[tuple[Patient, list[tuple[str, int]]]]
    red_flags: list[tuple[Patient, str]]  # uncleared red flags, whatever found them
    low_adherence: list[tuple[Patient, Decimal]]
    ready: list[tuple[Patient, str]]  # with the current phase
    # E-mails about the therapist's patients from the last week whose outcome is unknown (a
    # worker died while sending): kind in words and day. They are not sent again.
    uncertain: Sequence[tuple[Patient, str, date]] = ()

    def __bool__(self) -> bool:
        return bool(
            self.flagged or self.red_flags or self.low_adherence or self.ready or self.uncertain
        )


def digest_content(*, therapist, today: date | None = None) -> DigestContent:
    """What the weekly digest lists. Readiness is worked out only for patients whose adherence
    already reaches the threshold (a necessary condition), so the digest stays cheap."""
    today = today or patient_rules.local_day(timezone.now(), settings.TIME_ZONE)
    patients = {
        patient.pk: patient
        for patient in Patient.objects.filter(therapist=therapist).select_related("user")
    }
    flagged = defaultdict(list)
    for row in (
        Alert.objects.filter(patient__therapist=therapist, acknowledged_at__isnull=True)
        .exclude(kind=FlagKind.RED_FLAG)
        .values("patient_id", "kind")
        .annotate(count=Count("pk"))
        .order_by("patient_id", "kind")
    ):
        flagged[row["patient_id"]].append((_label(FlagKind, row["kind"]), row["count"]))
    red_flags = RedFlag.objects.filter(
        patient__therapist=therapist, cleared_at__isnull=True
    ).order_by("patient_id", "recorded_at")
    uncertain = (
        Delivery.objects.filter(
            patient__therapist=therapist,
            status=DeliveryStatus.UNKNOWN,
            day__gt=today - timedelta(days=7),
        )
        .order_by("patient_id", "day")
        .values_list("patient_id", "kind", "day")
    )
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
        flagged=[(patients[pk], kinds) for pk, kinds in flagged.items()],
        red_flags=[(patients[flag.patient_id], flag.get_sign_display()) for flag in red_flags],
        low_adherence=[
            (assignment.patient, adherence[assignment.patient_id])
            for assignment in assignments
            if adherence.get(assignment.patient_id, Decimal(1)) < LOW_ADHERENCE
        ],
        ready=ready,
        uncertain=[(patients[pk], _label(ReminderKind, kind), day) for pk, kind, day in uncertain],
    )


def _label(choices, value: str) -> str:
    """A stored choice in words (in the active language); an unknown value as it is."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
