"""The safety stop and its guards (docs/clinical-safety.md): the three safety answers, what a
red flag stops, the checks before a programme may run, and the therapist's alerts."""

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from patients import rules
from patients.hooks import hook
from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    Patient,
    PhaseChange,
    PhaseChangeKind,
    RedFlag,
    RedFlagSign,
    RedFlagSource,
    SessionLog,
    SymptomReport,
)

# The safety questions a patient answers (session, symptom report) and the red flag each records.
SESSION_RED_FLAGS = {
    "red_flag_saddle_numbness": RedFlagSign.CAUDA_SADDLE,
    "red_flag_bladder_bowel": RedFlagSign.CAUDA_BLADDER,
    "red_flag_leg_weakness": RedFlagSign.LEG_WEAKNESS,
}


def programme_stop(*, patient: Patient, by: User | None, signs: Sequence[str]) -> Assignment | None:
    """A red flag stops the open programme at once: nothing is due, no training reminder goes
    out, until a therapist records clearance (``red_flag_clear``)."""
    assignment = (
        Assignment.objects.select_for_update()
        .filter(patient=patient, status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED])
        .first()
    )
    if assignment is None:
        return None
    assignment.status = AssignmentStatus.STOPPED
    assignment.save(update_fields=["status"])
    labels = ", ".join(str(RedFlagSign(sign).label) for sign in signs)
    PhaseChange.objects.create(
        assignment=assignment,
        kind=PhaseChangeKind.STOP,
        from_phase_id=assignment.current_phase_id,
        to_phase_id=assignment.current_phase_id,
        changed_by=by,
        reason=_("Red flag: %(signs)s") % {"signs": labels},
    )
    return assignment


def ensure_screened(patient: Patient) -> None:
    """No programme without a recent screening (docs/clinical-safety.md)."""
    latest = patient.screenings.order_by("-screened_at").values_list("screened_at", flat=True)
    last = next(iter(latest[:1]), None)
    today = rules.local_day(timezone.now(), patient.time_zone)
    current = rules.screening_is_current(
        last_screened=rules.local_day(last, patient.time_zone) if last else None,
        today=today,
        valid_days=settings.SCREENING_VALID_DAYS,
    )
    if not current:
        raise ValidationError(
            _(
                "Screen this patient for red flags first: a programme starts only after a "
                "screening in the last %(days)d days."
            )
            % {"days": settings.SCREENING_VALID_DAYS}
        )


def ensure_no_open_red_flag(patient: Patient) -> None:
    if patient.red_flags.filter(cleared_at__isnull=True).exists():
        raise ValidationError(
            _(
                "This patient has an unresolved red flag. Record a medical clearance before "
                "activating a programme."
            )
        )


def safety_answers(
    saddle_numbness: bool, bladder_bowel: bool, leg_weakness: bool
) -> tuple[dict[str, bool], list[str]]:
    """The three safety answers by field name, and the red-flag signs of those answered yes."""
    answers = {
        "red_flag_saddle_numbness": saddle_numbness,
        "red_flag_bladder_bowel": bladder_bowel,
        "red_flag_leg_weakness": leg_weakness,
    }
    return answers, [SESSION_RED_FLAGS[name] for name, said_yes in answers.items() if said_yes]


# The longest note a call-back takes (``Alert.call_back_note``).
CALL_BACK_NOTE_MAX = 500


def raise_alerts(
    *,
    patient: Patient,
    reasons: Sequence[rules.FlagReason],
    signs: Sequence[str],
    session: SessionLog | None = None,
    report: SymptomReport | None = None,
) -> list[Alert]:
    """The therapist's alerts for a session or a symptom report, the red flags the patient
    reported (which stop the programme), and the e-mails that must go out the same day."""
    alerts = Alert.objects.bulk_create(
        Alert(
            patient=patient,
            session=session,
            symptom_report=report,
            kind=reason.code,
            details=list(signs) if reason is rules.FlagReason.RED_FLAG else [],
        )
        for reason in reasons
    )
    if signs:
        RedFlag.objects.bulk_create(
            RedFlag(
                patient=patient,
                sign=sign,
                source=RedFlagSource.SESSION if session else RedFlagSource.SYMPTOM_REPORT,
                session=session,
                symptom_report=report,
                recorded_by=patient.user,
            )
            for sign in signs
        )
        programme_stop(patient=patient, by=patient.user, signs=signs)
    urgent = [alert for alert in alerts if alert.kind in rules.SAME_DAY_FLAGS]
    if urgent:
        # reminders writes the e-mails' records in this transaction and enqueues them after
        # commit (PATIENT_HOOKS "alerts_raised").
        hook("alerts_raised")(alerts=urgent)
    return alerts


@transaction.atomic
def alerts_acknowledge(*, alerts: QuerySet[Alert], acknowledged_by: User) -> int:
    return alerts.filter(acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=acknowledged_by
    )


@transaction.atomic
def alert_call_back_record(*, alert: Alert, called_back_by: User, note: str = "") -> Alert:
    """ "Call-back noted": the therapist phoned the patient about ``alert``. The call is the
    strongest acknowledgement there is, so an open alert is acknowledged with it (and is no
    longer escalated); an acknowledged one keeps its acknowledgement and gains the call
    (docs/clinical-safety.md, "Acknowledging an alert")."""
    note = note.strip()
    if len(note) > CALL_BACK_NOTE_MAX:
        raise ValidationError(
            {
                "note": _("The note may have at most %(max)d characters.")
                % {"max": CALL_BACK_NOTE_MAX}
            }
        )
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    now = timezone.now()
    alert.called_back_at, alert.called_back_by, alert.call_back_note = now, called_back_by, note
    fields = ["called_back_at", "called_back_by", "call_back_note"]
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, called_back_by
        fields += ["acknowledged_at", "acknowledged_by"]
    alert.save(update_fields=fields)
    return alert
