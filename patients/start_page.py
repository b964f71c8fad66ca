"""The therapist's start page ("Heute"), the admin index for everyone who sees patients: what
needs them today, most urgent first, each row with the patient, what happened in words, when,
and one-click actions (docs/product.md, "The start page"). Reads come from
``patients.selectors``; the page's reads of patient data are recorded in one INSERT, like a
list page. The header badge (``header_counts``) is one aggregate query on every admin page."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import accesses_for, audit_record_many
from patients import rules, selectors
from patients.models import Alert, FlagKind, flag_label, flag_labels, sign_labels

# Questionnaire responses submitted this recently are listed for review.
REVIEW_DAYS = 7


def shows_start_page(user: User | AnonymousUser) -> bool:
    """Therapists and the practice admin (who may view patients) get the start page; other
    staff keep Django's list of apps."""
    return bool(user.is_active and user.is_staff and user.has_perm("patients.view_patient"))


def header_counts(request: HttpRequest | None) -> dict[str, int] | None:
    """Open red flags and open alerts of the user's patients for the admin header, or None for
    users who may not see alerts (and staff who have not entered their second factor: the
    caller passes only requests that have the admin's permission)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return None
    if not user.has_perm("patients.view_alert"):
        return None
    return selectors.open_alert_counts(user)


@dataclass
class Row:
    """One line of a section: whose, what happened (in words), when, and where to act."""

    patient: Any
    patient_url: str
    what: str
    when: datetime | None
    obj: Any = None
    details: list[str] = field(default_factory=list)
    open_url: str = ""
    open_label: str = ""
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    empty: str
    rows: list[Row]
    more: bool = False
    more_url: str = ""


def _patient_url(patient_id: int) -> str:
    return reverse("admin:patients_patient_change", args=[patient_id])


def _alert_source(alert: Alert) -> str:
    if alert.symptom_report_id is not None:
        return _("reported on a day without training (“Something is wrong”)")
    if alert.session_id is not None:
        return _("reported in the session check-in")
    return ""


def _red_flag_row(alert: Alert) -> Row:
    signs = alert.details if isinstance(alert.details, list) else []
    told = [str(advice.message) for advice in rules.red_flag_advice(signs)]
    what = sign_labels(signs) or flag_label(alert.kind)
    source = _alert_source(alert)
    return Row(
        patient=alert.patient,
        patient_url=_patient_url(alert.patient_id),
        what=f"{what} ({source})" if source else what,
        when=alert.created_at,
        obj=alert,
        details=told,
        open_url=_patient_url(alert.patient_id) + "#red-flags",
        open_label=_("Open"),
    )


def _alert_row(alert: Alert) -> Row:
    what = flag_label(alert.kind)
    if alert.session is not None:
        what = _("%(what)s (session of %(day)s)") % {
            "what": what,
            "day": _local_date(alert.session.local_date),
        }
    elif alert.symptom_report is not None:
        what = _("%(what)s (symptom report)") % {"what": what}
    return Row(
        patient=alert.patient,
        patient_url=_patient_url(alert.patient_id),
        what=what,
        when=alert.created_at,
        obj=alert,
        open_url=_patient_url(alert.patient_id) + "#open-alerts",
        open_label=_("Open"),
    )


def _local_date(day) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def start_page_sections(request: HttpRequest) -> list[Section]:
    """The six sections for ``request.user``, in the order they are shown."""
    user = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    changelist = reverse("admin:patients_alert_changelist")
    red = selectors.start_page_red_flags(user)
    other = selectors.start_page_other_alerts(user)
    flagged = selectors.start_page_flagged_sessions(user, since=today - timedelta(days=1))
    ready = selectors.start_page_ready(user, today=today)
    silent = selectors.start_page_silent(user, now=now, today=today)
    responses = selectors.start_page_questionnaires(user, since=now - timedelta(days=REVIEW_DAYS))
    _audit(request, red.rows, other.rows, flagged.rows, ready.rows, silent.rows, responses.rows)
    return [
        Section(
            "red-flags",
            _("Open red flags"),
            _("No open red flag."),
            [_red_flag_row(alert) for alert in red.rows],
            red.more,
            f"{changelist}?kind__exact={FlagKind.RED_FLAG}",
        ),
        Section(
            "alerts",
            _("Other open alerts"),
            _("No other open alert."),
            [_alert_row(alert) for alert in other.rows],
            other.more,
            changelist,
        ),
        Section(
            "flagged-sessions",
            _("Flagged sessions since yesterday"),
            _("No flagged session since yesterday."),
            [
                Row(
                    patient=session.patient,
                    patient_url=_patient_url(session.patient_id),
                    what="; ".join(flag_labels(session.flag_reasons)) or _("flagged"),
                    when=session.performed_at,
                    obj=session,
                    open_url=reverse("admin:patients_sessionlog_change", args=[session.pk]),
                    open_label=_("Open the session"),
                )
                for session in flagged.rows
            ],
            flagged.more,
            reverse("admin:patients_sessionlog_changelist") + "?flagged__exact=1",
        ),
        Section(
            "ready",
            _("Ready for the next phase"),
            _("Nobody is ready for the next phase yet."),
            [
                Row(
                    patient=item.assignment.patient,
                    patient_url=_patient_url(item.assignment.patient_id),
                    what=_("%(phase)s since %(day)s: every readiness criterion is met.")
                    % {
                        "phase": item.assignment.current_phase,
                        "day": _local_date(item.assignment.phase_started_on),
                    },
                    when=None,
                    obj=item.assignment,
                    details=[str(reason.message) for reason in item.readiness.reasons],
                    open_url=_patient_url(item.assignment.patient_id) + "#programme",
                    open_label=_("Decide on the advance"),
                )
                for item in ready.rows
            ],
            ready.more,
        ),
        Section(
            "silent",
            _("No session for 7 days or more"),
            _("Every patient with an active programme logged a session in the last 7 days."),
            [
                Row(
                    patient=assignment.patient,
                    patient_url=_patient_url(assignment.patient_id),
                    what=_("Last session logged")
                    if getattr(assignment, "last_session_at", None)
                    else _("No session logged since the programme started on %(day)s.")
                    % {"day": _local_date(assignment.start_date)},
                    when=getattr(assignment, "last_session_at", None),
                    obj=assignment,
                    open_url=_patient_url(assignment.patient_id),
                    open_label=_("Open"),
                )
                for assignment in silent.rows
            ],
            silent.more,
        ),
        Section(
            "questionnaires",
            _("Questionnaires to review"),
            _("No questionnaire answered in the last 7 days."),
            [_response_row(response) for response in responses.rows],
            responses.more,
        ),
    ]


def _number(value: Decimal) -> str:
    """A score in the reader's locale with the places it needs: 30, 4,5, 12,25."""
    places = next(
        (places for places in (0, 1) if value == round(value, places)),
        2,
    )
    return formats.number_format(value, decimal_pos=places, use_l10n=True)


def _response_row(response) -> Row:
    if response.score is None:
        what = _("%(title)s answered: too many answers missing for a score.") % {
            "title": response.questionnaire.title
        }
    else:
        score = _number(response.score)
        what = _("%(title)s answered: score %(score)s") % {
            "title": response.questionnaire.title,
            "score": score,
        }
        if response.band_label:
            what = f"{what} ({response.band_label})"
    return Row(
        patient=response.patient,
        patient_url=_patient_url(response.patient_id),
        what=what,
        when=response.submitted_at,
        obj=response,
        open_url=_patient_url(response.patient_id) + "#charts",
        open_label=_("Open"),
    )


def _audit(request: HttpRequest, alerts_red, alerts, sessions, ready, silent, responses) -> None:
    """Names and what happened are patient data: one LIST entry per row shown, one INSERT."""
    accesses = [
        *accesses_for([*alerts_red, *alerts], action=AuditAction.LIST, patient_path="patient"),
        *accesses_for(sessions, action=AuditAction.LIST, patient_path="patient"),
        *accesses_for(
            [item.assignment for item in ready], action=AuditAction.LIST, patient_path="patient"
        ),
        *accesses_for(silent, action=AuditAction.LIST, patient_path="patient"),
        *accesses_for(responses, action=AuditAction.LIST, patient_path="patient"),
    ]
    audit_record_many(user=request.user, request=request, accesses=accesses)


def start_page(request: HttpRequest, context: dict[str, Any]) -> TemplateResponse:
    """The admin index for therapists and the practice admin (``mtt.admin_site``)."""
    user = request.user
    return TemplateResponse(
        request,
        "admin/today.html",
        {
            **context,
            "title": _("Today"),
            "sections": start_page_sections(request),
            "can_acknowledge": user.has_perm("patients.change_alert"),
            "back_url": reverse("admin:index"),
            "apps_url": reverse("admin:apps"),
        },
    )
