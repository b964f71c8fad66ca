"""Red-flag screening and medical clearance (docs/clinical-safety.md): a sign found stops the
programme, clearing the last open one resumes it."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    FlagKind,
    Patient,
    PhaseChange,
    PhaseChangeKind,
    RedFlag,
    RedFlagSign,
    RedFlagSource,
    Screening,
    ScreeningPrompt,
)
from patients.services.safety import programme_stop


@transaction.atomic
def screening_record(
    *,
    patient: Patient,
    screened_by: User,
    signs: Iterable[str],
    prompts: Iterable[str] = (),
    notes: str = "",
    screened_at: datetime | None = None,
) -> Screening:
    """A red-flag screening (docs/clinical-safety.md). Each sign found becomes an open red flag,
    unless the same sign is open already (saving a screening twice adds nothing), and an open
    red flag stops a running programme. ``prompts`` are the guideline's prompts the screener
    looked into."""
    signs = list(dict.fromkeys(signs))
    prompts = list(dict.fromkeys(prompts))
    errors: dict[str, str] = {}
    unknown = set(signs) - set(RedFlagSign.values)
    if unknown:
        errors["signs"] = _("Unknown red flag: %s") % ", ".join(sorted(unknown))
    unknown = set(prompts) - set(ScreeningPrompt.values)
    if unknown:
        errors["prompts"] = _("Unknown prompt: %s") % ", ".join(sorted(unknown))
    if errors:
        raise ValidationError(errors)
    screening = Screening(
        patient=patient,
        screened_by=screened_by,
        screened_at=screened_at or timezone.now(),
        prompts=prompts,
        notes=notes,
    )
    screening.full_clean(exclude=["patient", "screened_by"])
    screening.save()
    open_signs = set(
        RedFlag.objects.filter(patient=patient, cleared_at__isnull=True).values_list(
            "sign", flat=True
        )
    )
    new = [sign for sign in signs if sign not in open_signs]
    RedFlag.objects.bulk_create(
        RedFlag(
            patient=patient,
            sign=sign,
            source=RedFlagSource.SCREENING,
            screening=screening,
            recorded_by=screened_by,
        )
        for sign in new
    )
    if new:
        programme_stop(patient=patient, by=screened_by, signs=new)
    return screening


@transaction.atomic
def red_flag_clear(*, red_flag: RedFlag, cleared_by: User, note: str) -> RedFlag:
    """Medical clearance: the only way a red flag stops blocking the programme. Clearing the
    last open one resumes a programme the red flags had stopped and acknowledges the red-flag
    alerts (nothing is escalated after the clearance), in the same transaction; the programme's
    history says who resumed it and why."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Record the medical clearance before clearing.")})
    red_flag = RedFlag.objects.select_for_update().get(pk=red_flag.pk)
    if red_flag.cleared_at is not None:
        raise ValidationError(_("This red flag was already cleared."))
    red_flag.cleared_at = timezone.now()
    red_flag.cleared_by = cleared_by
    red_flag.clearance_note = note
    red_flag.full_clean(exclude=["patient", "screening", "session", "symptom_report"])
    red_flag.save(update_fields=["cleared_at", "cleared_by", "clearance_note"])
    still_open = RedFlag.objects.filter(patient_id=red_flag.patient_id, cleared_at__isnull=True)
    if not still_open.exists():
        # The therapist has acted on the warning signs: their alerts stop escalating.
        Alert.objects.filter(
            patient_id=red_flag.patient_id, kind=FlagKind.RED_FLAG, acknowledged_at__isnull=True
        ).update(acknowledged_at=red_flag.cleared_at, acknowledged_by=cleared_by)
        stopped = (
            Assignment.objects.select_for_update()
            .filter(patient_id=red_flag.patient_id, status=AssignmentStatus.STOPPED)
            .first()
        )
        if stopped is not None:
            stopped.status = AssignmentStatus.ACTIVE
            stopped.save(update_fields=["status"])
            PhaseChange.objects.create(
                assignment=stopped,
                kind=PhaseChangeKind.RESUME,
                from_phase=stopped.current_phase,
                to_phase=stopped.current_phase,
                changed_by=cleared_by,
                reason=note,
            )
    return red_flag
