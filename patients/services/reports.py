"""What a patient reports outside the session form: "something is wrong" (a symptom report) and
the 24-hour response to a session (the next-day check)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients import rules
from patients.hooks import hook
from patients.models import Alert, FlagKind, NextDayCheck, Patient, SessionLog, SymptomReport
from patients.services.safety import raise_alerts, safety_answers


@transaction.atomic
def symptom_report_create(
    *,
    patient: Patient,
    red_flag_saddle_numbness: bool,
    red_flag_bladder_bowel: bool,
    red_flag_leg_weakness: bool,
    pain: int,
    notes: str = "",
    reported_at: datetime | None = None,
) -> SymptomReport:
    """ "Something is wrong" on any day, with or without a programme: handled like the safety
    questions of a session. A warning sign stops the programme and tells the therapist at once;
    pain above the limit flags the report, above 5 the therapist hears the same day; a report
    that is neither still reaches the therapist's alerts (docs/clinical-safety.md)."""
    reported_at = reported_at or timezone.now()
    red_flags, signs = safety_answers(
        red_flag_saddle_numbness, red_flag_bladder_bowel, red_flag_leg_weakness
    )
    report = SymptomReport(
        patient=patient,
        reported_at=reported_at,
        local_date=rules.local_day(reported_at, patient.time_zone),
        pain=pain,
        notes=notes,
        **red_flags,
    )
    report.full_clean(exclude=["patient"])
    reasons = rules.session_flag_reasons(
        pain_limit=patient.pain_limit,
        pain_before=pain,
        pain_after=None,
        exercise_pains=[],
        red_flags=signs,
    )
    report.flagged = bool(reasons)
    report.flag_reasons = [reason.code for reason in reasons]
    report.save()
    alerts = raise_alerts(patient=patient, reasons=reasons, signs=signs, report=report)
    if not alerts:
        Alert.objects.create(patient=patient, symptom_report=report, kind=FlagKind.SYMPTOM_REPORT)
    return report


@transaction.atomic
def next_day_check_record(
    *, session: SessionLog, pain: int, notes: str = "", answered_at: datetime | None = None
) -> NextDayCheck:
    """The 24-hour response: worse by 2 or more than before the session, or above 5, flags the
    session and alerts the therapist the same day."""
    if hasattr(session, "next_day_check"):
        raise ValidationError(_("The next-day check for this session was already answered."))
    reasons = rules.next_day_flag_reasons(
        pain_before_session=session.pain_before, pain_next_day=pain
    )
    check = NextDayCheck(
        session=session,
        answered_at=answered_at or timezone.now(),
        pain=pain,
        notes=notes,
        flagged=bool(reasons),
    )
    check.full_clean(exclude=["session"])
    check.save()
    if reasons:
        codes = [reason.code for reason in reasons]
        session.flagged = True
        session.flag_reasons = list(dict.fromkeys([*session.flag_reasons, *codes]))
        session.save(update_fields=["flagged", "flag_reasons"])
        alerts = Alert.objects.bulk_create(
            Alert(patient_id=session.patient_id, session=session, kind=code) for code in codes
        )
        # Worse by 2 or more, or above 5: the therapist hears the same day, not in the digest
        # (reminders writes the e-mails' records here, enqueued after commit: PATIENT_HOOKS).
        urgent = [alert for alert in alerts if alert.kind in rules.SAME_DAY_FLAGS]
        hook("alerts_raised")(alerts=urgent)
    return check
