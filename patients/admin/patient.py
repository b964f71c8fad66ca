"""The Patient admin: list, add form (the service creates login and profile) and the patient
page (``patient_page``). Columns and filters of the list live in ``patient_list``."""

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy, ngettext

from accounts.services import patient_invite
from audit.admin_mixins import AuditedAdminMixin
from audit.models import AuditAction
from patients import services
from patients.admin import actions, patient_list
from patients.admin.forms import PatientCreationForm
from patients.admin.patient_list import (
    OpenAlertsFilter,
    OpenRedFlagFilter,
    PatientChangeList,
    PhaseFilter,
    ProgrammeStatusFilter,
)
from patients.admin.patient_page import PatientPageMixin
from patients.admin.preview import PatientPreviewMixin
from patients.admin.scoping import TherapistScopedAdminMixin
from patients.models import CONSENT_FIELDS, PROFILE_FIELDS, Patient

# Set on the request when the service refused a change form's save.
REFUSED = "_patient_update_refused"

if TYPE_CHECKING:  # the stubs' name for a fieldset's options: the keys Django reads
    from django.contrib.admin.options import _FieldOpts
    from django_stubs_ext import StrOrPromise

PROFILE_FIELDSETS: "tuple[tuple[StrOrPromise, _FieldOpts], ...]" = (
    (gettext_lazy("Profile"), {"fields": ("date_of_birth", ("language", "time_zone"))}),
    (
        gettext_lazy("Reminders"),
        {
            "fields": (
                ("reminder_time", "remind_by_email", "remind_by_push"),
                ("reminder_opt_out", "habit_reminders"),
                ("quiet_hours_start", "quiet_hours_end"),
            )
        },
    ),
    (
        gettext_lazy("Clinical"),
        {
            "fields": (
                "pain_limit",
                "diagnosis",
                "chronic_inflammatory_disease",
                "relevant_conditions",
            )
        },
    ),
    (gettext_lazy("Consent"), {"fields": (("consent_at", "consent_version"),)}),
)
# Consent changes only through the patient's consent flow, which writes its ConsentRecord
# (privacy.services); on the change form the fields (CONSENT_FIELDS) are shown, not edited.


@admin.register(Patient)
class PatientAdmin(
    AuditedAdminMixin,
    PatientPreviewMixin,
    PatientPageMixin,
    TherapistScopedAdminMixin,
    admin.ModelAdmin,
):
    patient_path = ""
    add_form = PatientCreationForm
    list_display = [
        "name",
        "therapist_name",
        "current_phase",
        "last_session",
        "adherence",
        "alerts",
        "red_flag",
    ]
    list_select_related = ["user", "therapist"]
    # Rendering is most of the list's cost (make bench, docs/benchmarks.md): pages of 25, and
    # no second COUNT of the unfiltered list ("Show all" stays, without its number).
    list_per_page = 25

    show_full_result_count = False
    list_filter = [PhaseFilter, ProgrammeStatusFilter, OpenRedFlagFilter, OpenAlertsFilter]
    search_fields = ["user__first_name", "user__last_name", "user__username", "user__email"]
    search_help_text = gettext_lazy("Name, username or e-mail address")
    actions = [
        "advance",
        "regress",
        "pause",
        "resume",
        "invite",
        # privacy/admin.py adds erasing and anonymising (practice admin only)
    ]
    fieldsets = ((None, {"fields": ("login", "therapist", "created_at")}), *PROFILE_FIELDSETS)
    add_fieldsets = (
        (
            gettext_lazy("Login"),
            {
                "fields": ("username", ("first_name", "last_name"), "email", "therapist"),
                "description": gettext_lazy(
                    "The patient gets no password from you: they set their own through "
                    "“Forgotten your password?” on the login page."
                ),
            },
        ),
        *PROFILE_FIELDSETS,
    )

    # --- forms -----------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            if request.user.is_superuser:
                return self.fieldsets
            # Shown as a name: a therapist has no access to the user admin a link would open.
            main, *rest = self.fieldsets
            fields = tuple("therapist_name" if f == "therapist" else f for f in main[1]["fields"])
            return ((main[0], {**main[1], "fields": fields}), *rest)
        if request.user.is_superuser:
            return self.add_fieldsets
        login, options = self.add_fieldsets[0]
        fields = tuple(field for field in options["fields"] if field != "therapist")
        return ((login, {**options, "fields": fields}), *self.add_fieldsets[1:])

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = ["login", "created_at", *CONSENT_FIELDS]
        if not request.user.is_superuser:
            readonly.append("therapist_name")
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_changelist(self, request, **kwargs):
        return PatientChangeList

    def get_list_display(self, request):
        """A therapist sees only their own patients: the therapist column is for the admin."""
        if request.user.is_superuser:
            return self.list_display
        return [name for name in self.list_display if name != "therapist_name"]

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return [*self.list_filter, "therapist"]
        return self.list_filter

    def save_form(self, request, form, change):
        """Both forms save through the services: a new patient is made by ``patient_create``
        (login and profile in one transaction), a change by ``patient_update``, which holds
        the rules for the admin and the API alike (only the practice admin reassigns)."""
        if change:
            return self._update(request, form)
        data = form.cleaned_data
        patient = services.patient_create(
            username=data["username"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            therapist=data.get("therapist") or request.user,
            created_by=request.user,
            **{name: data[name] for name in PROFILE_FIELDS if name in data},
        )
        self._invite(request, [patient])
        return patient

    def _invite(self, request, patients) -> list[Patient]:
        """Send each patient the one-time link to set a password; say what could not be sent.
        Returns the patients invited."""
        sent = []
        for patient in patients:
            try:
                patient_invite(patient=patient, invited_by=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{patient}: {' '.join(error.messages)}", messages.WARNING
                )
            else:
                sent.append(patient)
        if sent:
            self.message_user(
                request,
                ngettext(
                    "Sent an invitation to set a password to %(count)d patient.",
                    "Sent invitations to set a password to %(count)d patients.",
                    len(sent),
                )
                % {"count": len(sent)},
                messages.SUCCESS,
            )
        return sent

    @admin.action(description=gettext_lazy("Send the invitation again"), permissions=["change"])
    def invite(self, request, queryset):
        invited = self._invite(request, queryset.select_related("user"))
        # Not a field: the patient's login got a new one-time link, sent to their address.
        self.audit_objects(request, AuditAction.CHANGE, invited, fields=("invitation",))

    def _update(self, request, form) -> Patient:
        """The changed fields, handed to the service; the stored patient, not the form's
        instance (the form has already copied its input onto that one)."""
        data = form.cleaned_data
        changed = {name: data[name] for name in form.changed_data if name in data}
        therapist = changed.pop("therapist", None)
        stored = Patient.objects.select_related("user").get(pk=form.instance.pk)
        try:
            return services.patient_update(
                patient=stored, changed_by=request.user, therapist=therapist, **changed
            )
        except ValidationError as error:
            # The form checks what the model does; the service's own rules (who reassigns)
            # are refused here: nothing is written and the page says why.
            request.__dict__[REFUSED] = actions.error_text(error)
            return stored

    def save_model(self, request, obj, form, change):
        """The services have written the patient (``save_form``)."""

    def save_related(self, request, form, formsets, change):
        # No many-to-many fields and no inlines: nothing else to save.
        return None

    def log_change(self, request, obj, message):
        if REFUSED in request.__dict__:
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        refused = request.__dict__.pop(REFUSED, None)
        if refused is not None:
            self.message_user(request, refused, messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    # --- list columns ----------------------------------------------------------------------

    # The list's rows are written by ``PatientChangeList.rows`` with the cells of
    # ``patient_list``; these name the columns (header, sorting) and show the same cells.

    @admin.display(description=gettext_lazy("name"), ordering="user__last_name")
    def name(self, patient):
        return patient_list.name_cell(patient)

    @admin.display(description=gettext_lazy("therapist"), ordering="therapist__last_name")
    def therapist_name(self, patient):
        return patient_list.therapist_cell(patient)

    @admin.display(description=gettext_lazy("login"))
    def login(self, patient):
        return f"{patient.user.get_username()} <{patient.user.email}>"

    @admin.display(description=gettext_lazy("phase"), ordering="current_phase_number")
    def current_phase(self, patient):
        return patient_list.phase_cell(patient)

    @admin.display(
        description=gettext_lazy("last trained"),
        ordering="last_session_at",
    )
    def last_session(self, patient):
        return patient_list.last_session_cell(patient)

    @admin.display(
        description=gettext_lazy("adherence, 14 days"),
        ordering="sessions_14d",
    )
    def adherence(self, patient):
        return patient_list.adherence_cell(patient)

    @admin.display(description=gettext_lazy("open alerts"), ordering="open_alerts")
    def alerts(self, patient):
        return patient_list.alerts_cell(patient)

    @admin.display(description=gettext_lazy("red flag"), ordering="open_red_flag")
    def red_flag(self, patient):
        return patient_list.red_flag_cell(patient)

    # --- changelist actions ----------------------------------------------------------------

    @admin.action(description=gettext_lazy("Advance to the next phase…"), permissions=["change"])
    def advance(self, request, queryset):
        return actions.phase_move_action(
            self,
            request,
            queryset,
            direction="advance",
            assignments=actions.open_assignments(queryset),
        )

    @admin.action(description=gettext_lazy("Go back one phase…"), permissions=["change"])
    def regress(self, request, queryset):
        return actions.phase_move_action(
            self,
            request,
            queryset,
            direction="regress",
            assignments=actions.open_assignments(queryset),
        )

    @admin.action(description=gettext_lazy("Pause the programme"), permissions=["change"])
    def pause(self, request, queryset):
        self._status_action(request, queryset, "pause")

    @admin.action(description=gettext_lazy("Resume the programme"), permissions=["change"])
    def resume(self, request, queryset):
        self._status_action(request, queryset, "resume")

    def _status_action(self, request, queryset, move):
        done = actions.change_status(self, request, actions.open_assignments(queryset), move=move)
        if done:
            self.message_user(
                request,
                ngettext(
                    "Changed the programme status of %(count)d patient.",
                    "Changed the programme status of %(count)d patients.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
