"""The therapist's patient list: where each patient stands (phase, last session, adherence,
open alerts and red flags).

One query reads the page with every column (``selectors.patient_changelist_annotations``), and
each row is written out here as HTML, one ``format_html`` per cell at most: Django's generic
row rendering (a field lookup and a display dispatch per cell) was most of the page's time
(docs/benchmarks.md). The template prints the rows as they are.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.utils import display_for_value, lookup_field
from django.contrib.admin.views.main import ChangeList
from django.urls import NoReverseMatch
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import selectors
from patients.models import OPEN_STATUSES, AssignmentStatus, Patient
from programs.catalogue import PhaseView, catalogue


def phases_by_number(request) -> dict[int, PhaseView]:
    """The four phases from the catalogue snapshot, in the request's language: the phase filter
    and the list's phase column both need them."""
    if not hasattr(request, "_phases_by_number"):
        request._phases_by_number = {phase.number: phase for phase in catalogue().phases.values()}
    return request._phases_by_number


def practice_today():
    """The practice's calendar day: the list spans patients in several time zones."""
    return timezone.localdate()


# --- cells: what each column shows of one row of the annotated query --------------------------

# A Patient with the columns of ``selectors.patient_changelist_annotations`` (and ``phase``,
# ``adherence_14d`` from ``PatientChangeList.get_results``).
Row = Any


def phase_text(phase: PhaseView) -> str:
    return f"{phase.number}. {phase.name}"


def name_cell(patient: Row) -> str:
    return str(patient)


def therapist_cell(patient: Row) -> str:
    return patient.therapist.get_full_name() or patient.therapist.get_username()


def phase_cell(patient: Row) -> str | None:
    phase = getattr(patient, "phase", None)
    if phase is None:
        return None
    if patient.assignment_status == AssignmentStatus.PAUSED:
        return _("%(phase)s (paused)") % {"phase": phase_text(phase)}
    if patient.assignment_status == AssignmentStatus.STOPPED:
        return format_html(
            '{} <strong class="stopped">({})</strong>',
            phase_text(phase),
            AssignmentStatus.STOPPED.label,
        )
    return phase_text(phase)


def last_session_cell(patient: Row) -> str | None:
    if patient.last_session_at is None:
        return None
    moment = timezone.localtime(patient.last_session_at)
    return format_html(
        '<time datetime="{}">{}</time>',
        moment.isoformat(timespec="minutes"),
        formats.date_format(moment, "SHORT_DATETIME_FORMAT"),
    )


def adherence_cell(patient: Row) -> str | None:
    if getattr(patient, "adherence_14d", None) is None:
        return None
    return _("%(percent)d %% (%(sessions)d sessions)") % {
        "percent": int(patient.adherence_14d * 100),
        "sessions": patient.sessions_14d,
    }


def alerts_cell(patient: Row) -> str:
    if patient.open_alerts:
        return format_html('<strong class="open-alerts">{}</strong>', patient.open_alerts)
    return "0"


def red_flag_cell(patient: Row) -> str:
    if patient.open_red_flag:
        return format_html('<strong class="open-red-flag">{}</strong>', _("Yes"))
    return _("No")


CELLS: dict[str, Callable[[Row], str | None]] = {
    "name": name_cell,
    "therapist_name": therapist_cell,
    "current_phase": phase_cell,
    "last_session": last_session_cell,
    "adherence": adherence_cell,
    "alerts": alerts_cell,
    "red_flag": red_flag_cell,
}


class PatientChangeList(ChangeList):
    """The list's page in one query with every column (phase names from the catalogue
    snapshot), and its rows as ready HTML (``rows``)."""

    def get_queryset(self, request, exclude_parameters=None):
        if not getattr(self, "_annotated", False):
            self.root_queryset = selectors.patient_changelist_annotations(
                self.root_queryset, today=practice_today()
            )
            self._annotated = True
        return super().get_queryset(request, exclude_parameters)

    def get_results(self, request):
        super().get_results(request)
        today = practice_today()
        phases = phases_by_number(request)
        for patient in self.result_list:  # fills the queryset's cache; the audit reuses it
            patient.adherence_14d = selectors.changelist_adherence(
                counts=patient.adherence_counts,
                start_date=patient.active_start_date,
                today=today,
            )
            patient.phase = phases.get(patient.current_phase_number)

    @cached_property
    def headers(self) -> list[dict]:
        return list(result_headers(self))

    @cached_property
    def num_sorted_fields(self) -> int:
        return sum(1 for header in self.headers if header["sortable"] and header["sorted"])

    @cached_property
    def rows(self) -> list[SafeString]:
        """Each row's ``<tr>``, with the markup Django's admin writes (checkbox, the name as
        the link to the patient page, one cell per column)."""
        empty = conditional_escape(self.model_admin.get_empty_value_display())
        filters = self.preserved_filters
        suffix = "?" + filters if filters else ""
        checkbox_label = _("Select this object for an action - {}")
        rows = []
        for patient in self.result_list:
            cells = []
            for name in self.list_display:
                if name == "action_checkbox":
                    cells.append(
                        format_html(
                            '<td class="action-checkbox"><input type="checkbox" name="{}" '
                            'value="{}" class="action-select" aria-label="{}"></td>',
                            helpers.ACTION_CHECKBOX_NAME,
                            patient.pk,
                            checkbox_label.format(patient),
                        )
                    )
                elif name == "name":
                    cells.append(self._link_cell(patient, suffix))
                else:
                    value = self._cell(name, patient)
                    cells.append(
                        format_html(
                            '<td class="field-{}">{}</td>',
                            name,
                            empty if value is None else value,
                        )
                    )
            rows.append(mark_safe(f"<tr>{''.join(cells)}</tr>"))  # noqa: S308 (cells are escaped)
        return rows

    def _cell(self, name, patient: Row) -> str | None:
        """The column's cell from ``CELLS``; a column added elsewhere (a subclass's
        ``list_display``) the way Django's admin shows it."""
        cell = CELLS.get(name) if isinstance(name, str) else None
        if cell is not None:
            return cell(patient)
        _field, attr, value = lookup_field(name, patient, self.model_admin)
        return display_for_value(
            value, self.model_admin.get_empty_value_display(), getattr(attr, "boolean", False)
        )

    def _link_cell(self, patient: Patient, suffix: str) -> SafeString:
        try:
            url = self.url_for_result(patient) + suffix
        except NoReverseMatch:
            return format_html('<th class="field-name">{}</th>', name_cell(patient))
        return format_html(
            '<th class="field-name"><a href="{}"{}>{}</a></th>',
            url,
            format_html(
                ' data-popup-opener="{}"', patient.serializable_value(self.to_field or "pk")
            )
            if self.is_popup
            else "",
            name_cell(patient),
        )


class PhaseFilter(admin.SimpleListFilter):
    title = gettext_lazy("phase")
    parameter_name = "phase"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [
            *(
                (str(number), phase_text(phase))
                for number, phase in sorted(phases_by_number(request).items())
            ),
            (self.NONE, _("no open programme")),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.filter(current_phase_number__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(current_phase_number=int(self.value()))
        return queryset


class ProgrammeStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("programme status")
    parameter_name = "status"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [
            (AssignmentStatus.ACTIVE, AssignmentStatus.ACTIVE.label),
            (AssignmentStatus.PAUSED, AssignmentStatus.PAUSED.label),
            (AssignmentStatus.STOPPED, AssignmentStatus.STOPPED.label),
            (self.NONE, _("no open programme")),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.filter(assignment_status__isnull=True)
        if self.value() in OPEN_STATUSES:
            return queryset.filter(assignment_status=self.value())
        return queryset


class YesNoFilter(admin.SimpleListFilter):
    yes: dict
    no: dict

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(**self.yes)
        if self.value() == "no":
            return queryset.filter(**self.no)
        return queryset


class OpenRedFlagFilter(YesNoFilter):
    title = gettext_lazy("open red flag")
    parameter_name = "red_flag"
    yes = {"open_red_flag": True}
    no = {"open_red_flag": False}


class OpenAlertsFilter(YesNoFilter):
    title = gettext_lazy("open alerts")
    parameter_name = "alerts"
    yes = {"open_alerts__gt": 0}
    no = {"open_alerts": 0}
