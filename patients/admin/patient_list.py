"""The therapist's patient list: where each patient stands (phase, last session, adherence,
open alerts and red flags) at a fixed number of queries, whatever the number of patients."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import selectors
from patients.models import OPEN_STATUSES, AssignmentStatus
from programs.models import Phase


def phases_by_number(request) -> dict[int, Phase]:
    """The four phases, read once per request: the phase filter and the list's phase column
    both need them."""
    if not hasattr(request, "_phases_by_number"):
        request._phases_by_number = Phase.objects.in_bulk(field_name="number")
    return request._phases_by_number


def practice_today():
    """The practice's calendar day: the list spans patients in several time zones."""
    return timezone.localdate()


class PatientChangeList(ChangeList):
    """Adds the selector's columns to the list and, for the page shown, adherence and phase
    names: two and one further queries, whatever the number of patients."""

    def get_queryset(self, request, exclude_parameters=None):
        if not getattr(self, "_annotated", False):
            self.root_queryset = selectors.patient_changelist_annotations(
                self.root_queryset, today=practice_today()
            )
            self._annotated = True
        return super().get_queryset(request, exclude_parameters)

    def get_results(self, request):
        super().get_results(request)
        page = list(self.result_list)  # fills the queryset's cache; the template reuses it
        adherence = selectors.adherence_for_patients(
            [patient.pk for patient in page], today=practice_today()
        )
        phases = phases_by_number(request) if page else {}
        for patient in page:
            patient.adherence_14d = adherence.get(patient.pk)
            patient.phase = phases.get(patient.current_phase_number)


class PhaseFilter(admin.SimpleListFilter):
    title = gettext_lazy("phase")
    parameter_name = "phase"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [
            *(
                (str(number), str(phase))
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
