"""Questionnaire admin: therapists edit definitions (items, options, bands, schedule), export them
as FHIR R4 JSON and import licensed originals; responses are read-only and scoped to the
therapist's own patients."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.admin_mixins import AuditedAdminMixin
from patients.models import Patient
from questionnaires import fhir, scoring, selectors, services
from questionnaires.forms import FhirImportForm
from questionnaires.models import Answer, Item, Option, Questionnaire, Response, ScoreBand
from questionnaires.request_admin import QuestionnaireRequestAdminMixin


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = ["order", "link_id", "text_de", "text_en", "reversed", "required", "answer_values"]
    readonly_fields = ["answer_values"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    @admin.display(description=_("answer values"))
    def answer_values(self, item):
        values = [option.value for option in item.options.all()] if item.pk else []
        return f"{min(values)}–{max(values)} ({len(values)})" if values else "–"


class ScoreBandInline(admin.TabularInline):
    model = ScoreBand
    extra = 0
    fields = ["code", "lower", "upper", "label_de", "label_en"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(QuestionnaireRequestAdminMixin, admin.ModelAdmin):
    list_display = [
        "title_de",
        "slug",
        "own_wording",
        "scoring_method",
        "item_count",
        "schedule_weeks",
        "is_active",
    ]
    list_filter = ["is_active", "own_wording", "scoring_method"]
    search_fields = ["slug", "title_de", "title_en", "structure_of"]
    prepopulated_fields = {"slug": ["title_de"]}
    readonly_fields = ["own_wording_note", "definition_check", "created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("slug", ("title_de", "title_en"), ("version", "url"), "is_active")}),
        (_("Description"), {"fields": (("description_de", "description_en"),)}),
        (
            _("Wording"),
            {
                "fields": ("own_wording", "structure_of", "own_wording_note"),
                "description": _(
                    "Forms shipped with the product are own-worded: same structure and "
                    "scoring as the published instrument, not its licensed text. Import the "
                    "licensed original as FHIR JSON to use it instead."
                ),
            },
        ),
        (
            _("Scoring"),
            {"fields": ("scoring_method", "max_missing", "higher_is_worse", "definition_check")},
        ),
        (_("Schedule"), {"fields": ("schedule_weeks", "due_window_days")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [ItemInline, ScoreBandInline]
    actions = ["export_fhir"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_item_count=Count("items"))

    @admin.display(description=_("items"), ordering="_item_count")
    def item_count(self, questionnaire):
        return questionnaire._item_count

    @admin.display(description=_("note shown to users"))
    def own_wording_note(self, questionnaire):
        return questionnaire.own_wording_note or "–"

    @admin.display(description=_("check of the scoring definition"))
    def definition_check(self, questionnaire):
        if not questionnaire.pk:
            return "–"
        definition = self._definition(questionnaire)
        problems = scoring.validate_definition(definition)
        if problems:
            return format_html_join("", "<p>{}</p>", ((problem,) for problem in problems))
        low, high = scoring.score_range(definition)
        return _("No problems found. Score range %(low)s–%(high)s.") % {"low": low, "high": high}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for problem in scoring.validate_definition(self._definition(form.instance)):
            self.message_user(request, problem, messages.WARNING)

    @staticmethod
    def _definition(questionnaire: Questionnaire) -> scoring.ScoringDefinition:
        stored = selectors.questionnaires_with_definition(
            Questionnaire.objects.filter(pk=questionnaire.pk)
        ).get()
        return selectors.scoring_definition(stored)

    @admin.action(description=_("Export as FHIR R4 JSON"), permissions=["view"])
    def export_fhir(self, request, queryset):
        questionnaires = list(selectors.questionnaires_with_definition(queryset.order_by("slug")))
        if len(questionnaires) == 1:
            data = fhir.questionnaire_to_fhir(questionnaires[0])
            filename = f"{questionnaires[0].slug}.fhir.json"
        else:
            data = fhir.bundle(questionnaires)
            filename = "questionnaires.fhir.json"
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/fhir+json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import_fhir".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        posted = request.method == "POST"
        form = FhirImportForm(request.POST, request.FILES) if posted else FhirImportForm()
        errors: list[str] = []
        results: list[services.ImportResult] = []
        if posted and form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            try:
                results = services.questionnaires_import_fhir(
                    data=form.cleaned_data["file"], dry_run=dry_run
                )
            except ValidationError as error:
                errors = error.messages
            else:
                if not dry_run:
                    self._report_import(request, results)
                    return redirect("admin:questionnaires_questionnaire_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import questionnaires from FHIR R4 JSON"),
            "opts": self.opts,
            "form": form,
            "errors": errors,
            "results": results,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/questionnaires/questionnaire/import_fhir.html", context
        )

    def _report_import(self, request, results: list[services.ImportResult]) -> None:
        for result in results:
            if result.created:
                self.log_addition(request, result.questionnaire, [{"added": {}}])
            else:
                self.log_change(request, result.questionnaire, _("Imported from FHIR R4 JSON."))
            for warning in result.warnings:
                self.message_user(
                    request, f"{result.questionnaire.slug}: {warning}", messages.WARNING
                )
        self.message_user(
            request,
            ngettext(
                "Imported %(count)d questionnaire: %(slugs)s",
                "Imported %(count)d questionnaires: %(slugs)s",
                len(results),
            )
            % {
                "count": len(results),
                "slugs": ", ".join(result.questionnaire.slug for result in results),
            },
            messages.SUCCESS,
        )


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0
    fields = ["order", "value", "text_de", "text_en", "code", "system"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["link_id", "questionnaire", "order", "text_de", "reversed", "required"]
    list_filter = ["questionnaire"]
    list_select_related = ["questionnaire"]
    search_fields = ["link_id", "text_de", "text_en"]
    fields = [
        "questionnaire",
        ("link_id", "order"),
        ("text_de", "text_en"),
        ("reversed", "required"),
    ]
    inlines = [OptionInline]


class AnswerInline(admin.TabularInline):
    """The answers as given; visible wherever the response itself is."""

    model = Answer
    extra = 0
    fields = readonly_fields = ("item", "value")
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item")

    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-only: responses are written by patients; the score is computed at submission."""

    list_display = ["submitted_at", "patient", "questionnaire", "due_week", "score", "band_label"]
    list_filter = ["questionnaire", "due_week"]
    list_select_related = ["patient__user", "questionnaire"]
    search_fields = [
        "patient__user__username",
        "patient__user__first_name",
        "patient__user__last_name",
    ]
    fields = readonly_fields = (
        "patient",
        "questionnaire",
        "questionnaire_version",
        "due_week",
        "submitted_at",
        "score",
        "band_label",
        "answered",
        "missing",
    )
    inlines = [AnswerInline]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("patient__user", "questionnaire")
            .prefetch_related("questionnaire__bands")
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(patient__in=Patient.objects.for_user(request.user))

    def get_object(self, request, object_id, from_field=None):
        """Another therapist's patient's response answers 404, as if it did not exist."""
        response = super().get_object(request, object_id, from_field)
        if response is None:
            raise Http404
        return response

    @admin.display(description=_("band"), ordering="band")
    def band_label(self, response):
        labels = {band.code: band.label for band in response.questionnaire.bands.all()}
        return labels.get(response.band, response.band) or "–"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
