"""What happens to a therapist's patients: alerts to acknowledge, logged sessions, programme
assignments with their prescription and phase history, red flags. All scoped to the user's
patients; changes go through ``patients.services``."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, Value, When
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from audit.admin_mixins import AuditedAdminMixin
from audit.models import AuditAction
from audit.services import Access, audit_record_many, object_type
from patients import services
from patients.admin import actions
from patients.admin.scoping import ScopedInlineMixin, TherapistScopedAdminMixin
from patients.models import (
    Alert,
    Assignment,
    ExerciseEntry,
    FlagKind,
    NextDayCheck,
    PhaseChange,
    PrescriptionItem,
    RedFlag,
    SessionLog,
    SymptomReport,
    flag_labels,
    sign_labels,
)
from programs.admin import CachedChoicesMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from programs.models import Dosage


def patient_link(patient):
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    return format_html('<a href="{}">{}</a>', url, patient)


class OpenFilter(admin.SimpleListFilter):
    """Open or done, by whether ``field`` (a timestamp) is set."""

    field: str
    open_label: "StrOrPromise" = gettext_lazy("open")
    done_label: "StrOrPromise"

    def lookups(self, request, model_admin):
        return [("open", self.open_label), ("done", self.done_label)]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(**{f"{self.field}__isnull": True})
        if self.value() == "done":
            return queryset.filter(**{f"{self.field}__isnull": False})
        return queryset


class AlertStatusFilter(OpenFilter):
    """Open alerts unless asked otherwise: the list is the therapist's to-do list."""

    title = gettext_lazy("status")
    parameter_name = "status"
    field = "acknowledged_at"
    done_label = gettext_lazy("acknowledged")
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*super().lookups(request, model_admin), (self.ALL, _("All"))]

    def value(self):
        return super().value() or "open"

    def choices(self, changelist):
        # No "All" link of Django's (it would drop the parameter, i.e. mean "open").
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


# Red-flag alerts before the others (open ones first in any case).
RED_FLAG_FIRST = Case(
    When(kind=FlagKind.RED_FLAG, then=Value(0)), default=Value(1), output_field=IntegerField()
)


def alert_details(alert) -> str | None:
    """An alert's details for people: the red flags' labels, or the stored text."""
    if alert.kind == FlagKind.RED_FLAG and isinstance(alert.details, list):
        return sign_labels(alert.details) or None
    if isinstance(alert.details, list):
        return "; ".join(flag_labels(str(item) for item in alert.details)) or None
    return str(alert.details) if alert.details else None


class CallBackForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note on the call (optional)"),
        max_length=services.CALL_BACK_NOTE_MAX,
        required=False,
    )


class RedFlagStatusFilter(OpenFilter):
    title = gettext_lazy("status")
    parameter_name = "status"
    field = "cleared_at"
    done_label = gettext_lazy("cleared")


class ReadOnlyAdminMixin:
    """Shown, not edited here: these rows are written by services (session log, screening).
    ``hidden_fields``: stored codes shown in words by a method field instead (never raw JSON)."""

    hidden_fields: tuple[str, ...] = ()

    def has_add_permission(self, request, obj=None):
        return False

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *self.hidden_fields]  # type: ignore[misc]

    def get_readonly_fields(self, request, obj=None):
        return [
            field.name for field in self.model._meta.fields if field.name not in self.hidden_fields
        ] + list(self.readonly_fields)


@admin.register(Alert)
class AlertAdmin(
    AuditedAdminMixin, TherapistScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """The list of flags to acknowledge: open ones only by default (acknowledged ones through
    the status filter), red flags first and marked, then newest first."""

    list_display = [
        "urgency",
        "patient_name",
        "kind",
        "session_day",
        "details_text",
        "created_at",
        "status",
    ]
    list_display_links = ["kind"]
    list_filter = [AlertStatusFilter, "kind"]
    list_select_related = ["patient__user", "session", "symptom_report"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    ordering = [F("acknowledged_at").asc(nulls_first=True), RED_FLAG_FIRST, "-created_at", "-id"]
    actions = ["acknowledge"]
    readonly_fields = ["details_text"]
    hidden_fields = ("details",)

    @admin.display(description=gettext_lazy("urgent"))
    def urgency(self, alert):
        if alert.kind != FlagKind.RED_FLAG:
            return ""
        return format_html(
            '<strong class="urgent-marker" style="color: var(--error-fg, #ba2121)">'
            '<img src="{}" alt=""> {}</strong>',
            static("admin/img/icon-alert.svg"),
            _("Red flag"),
        )

    @admin.display(description=gettext_lazy("patient"), ordering="patient__user__last_name")
    def patient_name(self, alert):
        return patient_link(alert.patient)

    @admin.display(description=gettext_lazy("day"), ordering="session__local_date")
    def session_day(self, alert):
        if alert.session:
            return alert.session.local_date
        if alert.symptom_report:
            return _("%(day)s (symptom report)") % {"day": alert.symptom_report.local_date}
        return None

    @admin.display(description=gettext_lazy("details"))
    def details_text(self, alert):
        return alert_details(alert)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/acknowledge/",
                self.admin_site.admin_view(require_POST(self.acknowledge_view)),
                name="patients_alert_acknowledge",
            ),
            path(
                "<path:object_id>/call-back/",
                self.admin_site.admin_view(require_POST(self.call_back_view)),
                name="patients_alert_call_back",
            ),
            *super().get_urls(),
        ]

    def acknowledge_view(self, request, object_id):
        """One alert acknowledged from the start page or the patient page; back to where it
        was."""
        alert = self.get_object(request, object_id)  # 404 outside the user's patients
        if not self.has_change_permission(request, alert):
            raise PermissionDenied
        self._acknowledge(request, Alert.objects.filter(pk=alert.pk))
        return HttpResponseRedirect(self._back(request))

    def call_back_view(self, request, object_id):
        """ "Call-back noted" from the start page: the therapist phoned the patient about this
        alert (docs/clinical-safety.md, "Acknowledging an alert"); audited as a change."""
        alert = self.get_object(request, object_id)  # 404 outside the user's patients
        if not self.has_change_permission(request, alert):
            raise PermissionDenied
        form = CallBackForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return HttpResponseRedirect(self._back(request))
        was_open = alert.acknowledged_at is None
        services.alert_call_back_record(
            alert=alert, called_back_by=request.user, note=form.cleaned_data["note"]
        )
        fields = ["called_back_at", "called_back_by", "call_back_note"]
        if was_open:
            fields += ["acknowledged_at", "acknowledged_by"]
        audit_record_many(
            user=request.user,
            request=request,
            accesses=[
                Access(
                    patient_id=alert.patient_id,
                    action=AuditAction.CHANGE,
                    obj_type=object_type(Alert),
                    obj_id=str(alert.pk),
                    fields=tuple(fields),
                )
            ],
        )
        self.message_user(
            request,
            _("Call-back noted for %(patient)s; the alert is acknowledged.")
            % {"patient": alert.patient},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._back(request))

    def _back(self, request) -> str:
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("admin:patients_alert_changelist")
        return back

    @admin.display(description=gettext_lazy("acknowledged"), boolean=True)
    def status(self, alert):
        return alert.acknowledged_at is not None

    @admin.action(
        description=gettext_lazy("Acknowledge the selected alerts"), permissions=["change"]
    )
    def acknowledge(self, request, queryset):
        self._acknowledge(request, queryset)

    def _acknowledge(self, request, queryset):
        # What the service acknowledges: the open ones of the selection.
        selected = list(
            queryset.filter(acknowledged_at__isnull=True).values_list("pk", "patient_id")
        )
        count = services.alerts_acknowledge(alerts=queryset, acknowledged_by=request.user)
        audit_record_many(
            user=request.user,
            request=request,
            accesses=[
                Access(
                    patient_id=patient_id,
                    action=AuditAction.CHANGE,
                    obj_type=object_type(Alert),
                    obj_id=str(pk),
                    fields=("acknowledged_at", "acknowledged_by"),
                )
                for pk, patient_id in selected
            ],
        )
        self.message_user(
            request,
            ngettext("Acknowledged %(count)d alert.", "Acknowledged %(count)d alerts.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class ExerciseEntryInline(ScopedInlineMixin, admin.TabularInline):
    model = ExerciseEntry
    patient_path = "session__patient"
    fields = readonly_fields = (
        "exercise",
        "sets_done",
        "reps",
        "duration_s",
        "load_kg",
        "pain",
        "skipped",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("exercise")


class NextDayCheckInline(ScopedInlineMixin, admin.StackedInline):
    model = NextDayCheck
    patient_path = "session__patient"
    fields = readonly_fields = ("answered_at", "pain", "notes", "flagged")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SessionLog)
class SessionLogAdmin(
    AuditedAdminMixin, TherapistScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = [
        "patient_name",
        "local_date",
        "phase",
        "pain_before",
        "pain_after",
        "rpe",
        "next_day_pain",
        "flagged",
        "reasons",
    ]
    # The day opens the session; the patient's name links to the patient page (a link inside
    # Django's row link would leave an empty link per row, axe "link-name").
    list_display_links = ["local_date"]
    list_filter = ["flagged", ("local_date", admin.DateFieldListFilter), "phase"]
    list_select_related = ["patient__user", "phase", "next_day_check"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    date_hierarchy = None
    inlines = [ExerciseEntryInline, NextDayCheckInline]
    exclude = ["idempotency_key", "request_hash"]
    readonly_fields = ["reasons"]
    hidden_fields = ("flag_reasons",)

    def get_readonly_fields(self, request, obj=None):
        hidden = {"idempotency_key", "request_hash"}
        return [name for name in super().get_readonly_fields(request, obj) if name not in hidden]

    def has_change_permission(self, request, obj=None):
        # Sessions are the patient's record: read here, never edited.
        return False

    @admin.display(description=gettext_lazy("patient"), ordering="patient__user__last_name")
    def patient_name(self, session):
        return patient_link(session.patient)

    @admin.display(description=gettext_lazy("pain next day"))
    def next_day_pain(self, session):
        check = getattr(session, "next_day_check", None)
        return check.pain if check else None

    @admin.display(description=gettext_lazy("flag reasons"))
    def reasons(self, session):
        return "; ".join(flag_labels(session.flag_reasons)) or ""


class PrescriptionItemForm(forms.ModelForm):
    remove = forms.BooleanField(
        label=gettext_lazy("remove"),
        required=False,
        help_text=gettext_lazy("Takes the exercise out of the prescription."),
    )

    class Meta:
        model = PrescriptionItem
        fields = [*Dosage.DOSAGE_FIELDS, "variant_allowed"]


class PrescriptionItemInline(ScopedInlineMixin, CachedChoicesMixin, admin.TabularInline):
    """The patient's dose per exercise: edits and removals go through the services."""

    model = PrescriptionItem
    form = PrescriptionItemForm
    patient_path = "assignment__patient"
    fields = [
        "exercise",
        "prescribed_exercise",
        "phase",
        *Dosage.DOSAGE_FIELDS,
        "variant_allowed",
        "remove",
    ]
    readonly_fields = ["exercise", "prescribed_exercise", "phase"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(removed_at__isnull=True)
            .select_related("exercise", "prescribed_exercise", "phase")
        )


class PhaseChangeInline(ScopedInlineMixin, admin.TabularInline):
    model = PhaseChange
    patient_path = "assignment__patient"
    fields = readonly_fields = (
        "changed_at",
        "kind",
        "from_phase",
        "to_phase",
        "from_exercise",
        "to_exercise",
        "changed_by",
        "reason",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("from_phase", "to_phase", "from_exercise", "to_exercise", "changed_by")
        )


@admin.register(Assignment)
class AssignmentAdmin(AuditedAdminMixin, TherapistScopedAdminMixin, admin.ModelAdmin):
    """Assignments are made on the patient page (the service checks red flags); here the
    therapist adjusts the prescription and reads the phase history."""

    list_display = [
        "patient_name",
        "program",
        "current_phase",
        "status",
        "phase_started_on",
        "start_date",
    ]
    list_display_links = ["program"]  # the patient's name links to the patient page
    # programmes of the user's own assignments only: not another therapist's programme names
    list_filter = ["status", "current_phase", ("program", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["patient__user", "program", "current_phase"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    fields = readonly_fields = (
        "patient",
        "program",
        "current_phase",
        "phase_started_on",
        "status",
        "start_date",
        "created_at",
        "created_by",
    )
    inlines = [PrescriptionItemInline, PhaseChangeInline]
    actions = ["advance", "regress", "pause", "resume"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("patient"), ordering="patient__user__last_name")
    def patient_name(self, assignment):
        return patient_link(assignment.patient)

    def save_model(self, request, obj, form, change):
        """Every field of the assignment is read-only here; its changes go through actions."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not PrescriptionItem:
            return super().save_formset(request, form, formset, change)
        changed = []
        for item_form in formset.forms:
            if not item_form.has_changed() or item_form.instance.pk is None:
                continue
            item = item_form.instance
            if item_form.cleaned_data.get("remove"):
                services.prescription_item_remove(item=item, removed_by=request.user)
                changed.append((item, ["removed_at"]))
                continue
            dosage = {
                name: item_form.cleaned_data[name]
                for name in item_form.changed_data
                if name in Dosage.DOSAGE_FIELDS
            }
            fields = list(dosage)
            if dosage:
                services.prescription_item_update(item=item, changed_by=request.user, dosage=dosage)
            if "variant_allowed" in item_form.changed_data:
                services.prescription_item_allow_variant(
                    item=item,
                    allowed=item_form.cleaned_data["variant_allowed"],
                    changed_by=request.user,
                )
                fields.append("variant_allowed")
            if fields:
                changed.append((item, fields))
        # What Django's change message reads from a saved formset.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], changed, []
        return None

    @admin.action(description=gettext_lazy("Advance to the next phase…"), permissions=["change"])
    def advance(self, request, queryset):
        return actions.phase_move_action(
            self, request, queryset, direction="advance", assignments=self._open(queryset)
        )

    @admin.action(description=gettext_lazy("Go back one phase…"), permissions=["change"])
    def regress(self, request, queryset):
        return actions.phase_move_action(
            self, request, queryset, direction="regress", assignments=self._open(queryset)
        )

    @admin.action(description=gettext_lazy("Pause the programme"), permissions=["change"])
    def pause(self, request, queryset):
        actions.change_status(self, request, self._open(queryset), move="pause")

    @admin.action(description=gettext_lazy("Resume the programme"), permissions=["change"])
    def resume(self, request, queryset):
        actions.change_status(self, request, self._open(queryset), move="resume")

    def _open(self, queryset):
        return queryset.filter(status__in=actions.OPEN_STATUSES).select_related(
            "patient__user", "program", "current_phase"
        )


@admin.register(RedFlag)
class RedFlagAdmin(
    AuditedAdminMixin, TherapistScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """Red flags are recorded by the screening and the session check-in, and cleared with a
    note on the patient page."""

    list_display = ["patient_name", "sign", "source", "recorded_at", "cleared_at"]
    list_display_links = ["sign"]  # the patient's name links to the patient page
    list_filter = [RedFlagStatusFilter, "source", "sign"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    ordering = [F("cleared_at").asc(nulls_first=True), "-recorded_at"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("patient"), ordering="patient__user__last_name")
    def patient_name(self, red_flag):
        return patient_link(red_flag.patient)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "clearance_hint"]

    @admin.display(description=gettext_lazy("clearance"))
    def clearance_hint(self, red_flag):
        if red_flag.cleared_at:
            return red_flag.clearance_note
        return _("Record the medical clearance on the patient page.")


class ViewWithPatientsMixin:
    """Whoever may view patients may view this part of their record (the therapist group's
    permissions predate the model); the scoping mixin before it still limits the objects."""

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm(
            "patients.view_patient"
        )


@admin.register(SymptomReport)
class SymptomReportAdmin(
    AuditedAdminMixin,
    TherapistScopedAdminMixin,
    ReadOnlyAdminMixin,
    ViewWithPatientsMixin,
    admin.ModelAdmin,
):
    """ "Something is wrong" reports of the therapist's patients: read here, written only by
    the patient (portal, API); red flags among them are cleared on the patient page."""

    list_display = [
        "patient_name",
        "reported_at",
        "red_flag_saddle_numbness",
        "red_flag_bladder_bowel",
        "red_flag_leg_weakness",
        "pain",
        "flagged",
        "reasons",
    ]
    list_display_links = ["reported_at"]  # the patient's name links to the patient page
    list_filter = ["flagged", ("local_date", admin.DateFieldListFilter)]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    readonly_fields = ["reasons"]
    hidden_fields = ("flag_reasons",)

    def has_change_permission(self, request, obj=None):
        # The patient's own report: never edited.
        return False

    @admin.display(description=gettext_lazy("patient"), ordering="patient__user__last_name")
    def patient_name(self, report):
        return patient_link(report.patient)

    @admin.display(description=gettext_lazy("flag reasons"))
    def reasons(self, report):
        return "; ".join(flag_labels(report.flag_reasons)) or ""
