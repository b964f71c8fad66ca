"""What the patient page shows about the safety loop (docs/clinical-safety.md): each open red
flag with where it came from (a screening, a session's safety questions or a symptom report),
the patient's own answers there, and what the patient was told; the screening's prompts the
patient record suggests; the patient's symptom reports. Built from rows the page has already
read: no queries here."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Field, Model
from django.utils.translation import gettext_lazy as _

from patients import rules, services
from patients.admin.forms import ClearanceForm
from patients.models import Patient, RedFlag, Screening, SessionLog, SymptomReport


@dataclass
class RedFlagOrigin:
    """Where open red flags came from, with a clearance form for each of them."""

    source: str  # a RedFlagSource value
    source_label: str
    at: datetime
    obj: Screening | SessionLog | SymptomReport | None
    flags: list[tuple[RedFlag, ClearanceForm]] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)
    notes: str = ""
    advice: list[str] = field(default_factory=list)
    by: object = None


def _yes_no(value: bool) -> str:
    return str(_("yes")) if value else str(_("no"))


def _verbose_name(obj: Model, name: str) -> str:
    field = obj._meta.get_field(name)
    return str(field.verbose_name) if isinstance(field, Field) else name


def _reported(obj: SessionLog | SymptomReport) -> tuple[list[tuple[str, str]], list[str]]:
    """The patient's answers to the safety questions and pain, and the advice they were shown
    for them (the same rules the portal used)."""
    answers = [
        (_verbose_name(obj, name), _yes_no(getattr(obj, name)))
        for name in services.SESSION_RED_FLAGS
    ]
    if isinstance(obj, SessionLog):
        answers.append((str(_("pain before the session")), str(obj.pain_before)))
        if obj.pain_after is not None:
            answers.append((str(_("pain after the session")), str(obj.pain_after)))
    else:
        answers.append((str(_("pain")), str(obj.pain)))
    # A warning sign overrides every other advice (rules.session_advice): this is what the
    # portal showed for these answers.
    signs = [sign for name, sign in services.SESSION_RED_FLAGS.items() if getattr(obj, name)]
    return answers, [str(item.message) for item in rules.red_flag_advice(signs)]


def red_flag_origins(flags: list[RedFlag]) -> list[RedFlagOrigin]:
    """The open red flags grouped by the screening, session or symptom report that raised
    them, newest first (``flags`` come with those rows selected)."""
    origins: dict[tuple, RedFlagOrigin] = {}
    for flag in flags:
        obj: SessionLog | SymptomReport | Screening | None
        if flag.session is not None:
            key, obj, at = ("session", flag.session_id), flag.session, flag.session.performed_at
        elif flag.symptom_report is not None:
            key, obj = ("symptom_report", flag.symptom_report_id), flag.symptom_report
            at = flag.symptom_report.reported_at
        elif flag.screening is not None:
            key, obj = ("screening", flag.screening_id), flag.screening
            at = flag.screening.screened_at
        else:
            key, obj, at = ("flag", flag.pk), None, flag.recorded_at
        origin = origins.get(key)
        if origin is None:
            origin = origins[key] = RedFlagOrigin(
                source=flag.source, source_label=flag.get_source_display(), at=at, obj=obj
            )
            if isinstance(obj, SessionLog | SymptomReport):
                origin.answers, origin.advice = _reported(obj)
                origin.notes = obj.notes
            elif isinstance(obj, Screening):
                origin.notes, origin.by = obj.notes, obj.screened_by
            else:
                origin.notes, origin.by = flag.notes, flag.recorded_by
        origin.flags.append((flag, ClearanceForm(auto_id=f"id_clear_{flag.pk}_%s")))
    for origin in origins.values():
        if not origin.advice:
            # A screening's red flag: the portal tells the patient training is stopped.
            signs = [flag.sign for flag, _form in origin.flags]
            origin.advice = [str(item.message) for item in rules.red_flag_advice(signs)]
    return sorted(origins.values(), key=lambda origin: origin.at, reverse=True)


def suggested_prompts(patient: Patient, today: date) -> list[str]:
    """The prompts the patient record raises (age over 50, chronic inflammatory disease)."""
    return rules.screening_prompts(
        date_of_birth=patient.date_of_birth,
        chronic_inflammatory_disease=patient.chronic_inflammatory_disease,
        today=today,
    )
