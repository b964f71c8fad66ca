"""Reads for privacy: everything stored about one patient (GDPR Art. 15 and 20), and the
patients whose data is past the retention period.

The export is one versioned JSON document. It is built from a fixed number of queries — one per
table, whatever the patient's history — and always starts from the patient, so nothing of
another patient can get in. Codes (``status``, ``kind`` …) stay codes, as a machine reads them;
catalogue names (phases, exercises, questionnaires) are in the patient's language.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import DateTimeField, F, Manager, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone, translation

from patients.models import (
    Alert,
    Assignment,
    ExerciseEntry,
    HabitCheck,
    NextDayCheck,
    Patient,
    PhaseChange,
    PrescriptionItem,
    RedFlag,
    Screening,
    SessionLog,
    SymptomReport,
)
from privacy.models import ConsentRecord
from programs.models import Dosage
from questionnaires.models import Answer, QuestionnaireRequest, Response
from reminders.models import Delivery, PushSubscription
from tokens.models import ApiToken

EXPORT_FORMAT = "mtt-ruecken-export"
EXPORT_VERSION = 1


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _person(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def _patient(patient: Patient) -> dict[str, Any]:
    user = patient.user
    return {
        "id": patient.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_of_birth": patient.date_of_birth,
        "language": patient.language,
        "time_zone": patient.time_zone,
        "therapist": _person(patient.therapist),
        "pain_limit": patient.pain_limit,
        "diagnosis": patient.diagnosis,
        "chronic_inflammatory_disease": patient.chronic_inflammatory_disease,
        "relevant_conditions": patient.relevant_conditions,
        "consent_at": patient.consent_at,
        "consent_version": patient.consent_version,
        "created_at": patient.created_at,
        "last_login": user.last_login,
        "reminders": {
            "time": patient.reminder_time.strftime("%H:%M"),
            "channels": patient.reminder_channels,
            "opt_out": patient.reminder_opt_out,
            "habit_reminders": patient.habit_reminders,
            "quiet_hours_start": patient.quiet_hours_start.strftime("%H:%M"),
            "quiet_hours_end": patient.quiet_hours_end.strftime("%H:%M"),
            "calendar_feed": bool(patient.calendar_token),
        },
    }


def _assignments(patient: Patient) -> list[dict[str, Any]]:
    assignments = list(
        Assignment.objects.filter(patient=patient)
        .select_related("program", "current_phase")
        .order_by("start_date", "pk")
    )
    items = defaultdict(list)
    for item in (
        PrescriptionItem.objects.filter(assignment__patient=patient)
        .select_related("exercise", "phase")
        .order_by("assignment_id", "phase__number", "order", "pk")
    ):
        dosage = {name: getattr(item, name) for name in Dosage.DOSAGE_FIELDS}
        dosage["weekly_target"] = _number(dosage["weekly_target"])
        # The therapist's extras for this patient (docs/product.md, "Programme builder").
        dosage.update(
            load_kg=_number(item.load_kg),
            band=item.band,
            hold_s=item.hold_s,
            side=item.side,
        )
        items[item.assignment_id].append(
            {
                "exercise": item.exercise.slug,
                "exercise_name": item.exercise.name,
                "phase": item.phase.number,
                **dosage,
                "added_at": item.added_at,
                "removed_at": item.removed_at,
            }
        )
    changes = defaultdict(list)
    for change in (
        PhaseChange.objects.filter(assignment__patient=patient)
        .select_related("from_phase", "to_phase")
        .order_by("assignment_id", "changed_at", "pk")
    ):
        changes[change.assignment_id].append(
            {
                "kind": change.kind,
                "from_phase": change.from_phase.number if change.from_phase else None,
                "to_phase": change.to_phase.number,
                "changed_at": change.changed_at,
                "reason": change.reason,
            }
        )
    return [
        {
            "id": assignment.pk,
            "program": assignment.program.name,
            "status": assignment.status,
            "start_date": assignment.start_date,
            "current_phase": assignment.current_phase.number,
            "current_phase_name": assignment.current_phase.name,
            "phase_started_on": assignment.phase_started_on,
            "created_at": assignment.created_at,
            "prescription": items[assignment.pk],
            "phase_changes": changes[assignment.pk],
        }
        for assignment in assignments
    ]


def _sessions(patient: Patient) -> list[dict[str, Any]]:
    entries = defaultdict(list)
    for entry in (
        ExerciseEntry.objects.filter(session__patient=patient)
        .select_related("exercise")
        .order_by("session_id", "pk")
    ):
        entries[entry.session_id].append(
            {
                "exercise": entry.exercise.slug,
                "exercise_name": entry.exercise.name,
                "sets_done": entry.sets_done,
                "reps": entry.reps,
                "duration_s": entry.duration_s,
                "load_kg": _number(entry.load_kg),
                "pain": entry.pain,
                "skipped": entry.skipped,
                "skip_reason": entry.skip_reason,
            }
        )
    checks = {
        check.session_id: {
            "answered_at": check.answered_at,
            "pain": check.pain,
            "notes": check.notes,
            "flagged": check.flagged,
        }
        for check in NextDayCheck.objects.filter(session__patient=patient)
    }
    return [
        {
            "id": session.pk,
            "assignment": session.assignment_id,
            "phase": session.phase.number,
            "performed_at": session.performed_at,
            "local_date": session.local_date,
            "pain_before": session.pain_before,
            "pain_after": session.pain_after,
            "rpe": session.rpe,
            "notes": session.notes,
            "red_flag_saddle_numbness": session.red_flag_saddle_numbness,
            "red_flag_bladder_bowel": session.red_flag_bladder_bowel,
            "red_flag_leg_weakness": session.red_flag_leg_weakness,
            "flagged": session.flagged,
            "flag_reasons": session.flag_reasons,
            "created_at": session.created_at,
            "entries": entries[session.pk],
            "next_day_check": checks.get(session.pk),
        }
        for session in SessionLog.objects.filter(patient=patient)
        .select_related("phase")
        .order_by("performed_at", "pk")
    ]


def _questionnaires(patient: Patient) -> list[dict[str, Any]]:
    answers = defaultdict(list)
    for answer in (
        Answer.objects.filter(response__patient=patient)
        .select_related("item")
        .order_by("response_id", "item__order", "item_id")
    ):
        answers[answer.response_id].append(
            {"item": answer.item.link_id, "text": answer.item.text, "value": answer.value}
        )
    return [
        {
            "id": response.pk,
            "questionnaire": response.questionnaire.slug,
            "title": response.questionnaire.title,
            "questionnaire_version": response.questionnaire_version,
            "due_week": response.due_week,
            "submitted_at": response.submitted_at,
            "score": _number(response.score),
            "band": response.band,
            "answered": response.answered,
            "missing": response.missing,
            "answers": answers[response.pk],
        }
        for response in Response.objects.filter(patient=patient)
        .select_related("questionnaire")
        .order_by("submitted_at", "pk")
    ]


def patient_export(*, patient_id: int, now: datetime | None = None) -> dict[str, Any]:
    """All data stored about one patient, as a JSON-ready document (dates still Python objects;
    ``privacy.export.export_json`` writes it). 16 queries, whatever the history."""
    patient = Patient.objects.select_related("user", "therapist").get(pk=patient_id)
    with translation.override(patient.language):
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": now or timezone.now(),
            "patient": _patient(patient),
            "consent_records": [
                {
                    "action": record.action,
                    "version": record.version,
                    "source": record.source,
                    "recorded_at": record.recorded_at,
                }
                for record in ConsentRecord.objects.filter(patient=patient).order_by(
                    "recorded_at", "pk"
                )
            ],
            "screenings": [
                {
                    "screened_at": screening.screened_at,
                    "prompts": screening.prompts,
                    "notes": screening.notes,
                }
                for screening in Screening.objects.filter(patient=patient).order_by(
                    "screened_at", "pk"
                )
            ],
            "symptom_reports": [
                {
                    "reported_at": report.reported_at,
                    "red_flag_saddle_numbness": report.red_flag_saddle_numbness,
                    "red_flag_bladder_bowel": report.red_flag_bladder_bowel,
                    "red_flag_leg_weakness": report.red_flag_leg_weakness,
                    "pain": report.pain,
                    "notes": report.notes,
                    "flagged": report.flagged,
                    "flag_reasons": report.flag_reasons,
                }
                for report in SymptomReport.objects.filter(patient=patient).order_by(
                    "reported_at", "pk"
                )
            ],
            "red_flags": [
                {
                    "sign": flag.sign,
                    "source": flag.source,
                    "session": flag.session_id,
                    "symptom_report": flag.symptom_report_id,
                    "notes": flag.notes,
                    "recorded_at": flag.recorded_at,
                    "cleared_at": flag.cleared_at,
                    "clearance_note": flag.clearance_note,
                }
                for flag in RedFlag.objects.filter(patient=patient).order_by("recorded_at", "pk")
            ],
            "assignments": _assignments(patient),
            "sessions": _sessions(patient),
            "alerts": [
                {
                    "kind": alert.kind,
                    "session": alert.session_id,
                    "symptom_report": alert.symptom_report_id,
                    "details": alert.details,
                    "created_at": alert.created_at,
                    "acknowledged_at": alert.acknowledged_at,
                    "called_back_at": alert.called_back_at,
                    "call_back_note": alert.call_back_note,
                }
                for alert in Alert.objects.filter(patient=patient).order_by("created_at", "pk")
            ],
            "habit_checks": [
                {
                    "habit": check.habit.slug,
                    "habit_name": check.habit.name,
                    "day": check.day,
                    "count": check.count,
                }
                for check in HabitCheck.objects.filter(patient=patient)
                .select_related("habit")
                .order_by("day", "habit__order", "pk")
            ],
            "questionnaire_responses": _questionnaires(patient),
            # Questionnaires the therapist sent outside the schedule (no free text in them).
            "questionnaire_requests": [
                {
                    "questionnaire": request.questionnaire.slug,
                    "title": request.questionnaire.title,
                    "requested_at": request.requested_at,
                    "due_on": request.due_on,
                    "remind": request.remind,
                    "answered_at": request.answered_at,
                    "response": request.response_id,
                    "cancelled_at": request.cancelled_at,
                }
                for request in QuestionnaireRequest.objects.filter(patient=patient)
                .select_related("questionnaire")
                .order_by("requested_at", "pk")
            ],
            "reminder_deliveries": [
                {
                    "day": delivery.day,
                    "kind": delivery.kind,
                    "status": delivery.status,
                    "attempts": delivery.attempts,
                    "created_at": delivery.created_at,
                    "sent_at": delivery.sent_at,
                }
                for delivery in Delivery.objects.filter(patient=patient).order_by("day", "pk")
            ],
            # The devices that receive push reminders: the endpoint names the device at its
            # push service (docs/privacy.md, "Push reminders"); the keys are secrets, left out.
            "push_subscriptions": [
                {
                    "endpoint": device.endpoint,
                    "expires_at": device.expires_at,
                    "created_at": device.created_at,
                    "last_sent_at": device.last_sent_at,
                }
                for device in PushSubscription.objects.filter(patient=patient).order_by(
                    "created_at", "pk"
                )
            ],
            "api_tokens": [
                {
                    "prefix": token.prefix,
                    "created_at": token.created_at,
                    "expires_at": token.expires_at,
                    "revoked_at": token.revoked_at,
                }
                for token in ApiToken.objects.filter(user_id=patient.user_id).order_by(
                    "created_at", "pk"
                )
            ],
        }


def patients_past_retention(*, cutoff: datetime) -> QuerySet[Patient]:
    """Patients with no activity since ``cutoff``: no login, session, next-day check,
    questionnaire, habit tick, API token, phase change or new programme after it, and created
    before it. One query; each kind of activity is a correlated MAX, so no join multiplies
    rows."""

    epoch = F("created_at")
    activity = [
        F("created_at"),
        Coalesce(F("user__last_login"), epoch),
        Coalesce(_latest(SessionLog.objects, "patient", "created_at"), epoch),
        Coalesce(_latest(SessionLog.objects, "patient", "performed_at"), epoch),
        Coalesce(_latest(NextDayCheck.objects, "session__patient", "answered_at"), epoch),
        Coalesce(_latest(Response.objects, "patient", "submitted_at"), epoch),
        Coalesce(_latest(Assignment.objects, "patient", "created_at"), epoch),
        Coalesce(_latest(PhaseChange.objects, "assignment__patient", "changed_at"), epoch),
        Coalesce(_latest(HabitCheck.objects, "patient", "day"), epoch),
        Coalesce(_latest(ApiToken.objects, "user__patient", "created_at"), epoch),
    ]
    return (
        Patient.objects.annotate(last_activity=Greatest(*activity))
        .filter(last_activity__lt=cutoff)
        .order_by("pk")
    )


def _latest(manager: Manager[Any], patient_path: str, field: str) -> Subquery:
    """MAX(field) of the rows that belong to the outer patient."""
    return Subquery(
        manager.filter(**{patient_path: OuterRef("pk")})
        .order_by()
        .values(patient_path)
        .annotate(latest=Cast(Max(field), DateTimeField()))
        .values("latest")[:1],
        output_field=DateTimeField(),
    )
