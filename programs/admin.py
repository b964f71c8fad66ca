"""Catalogue admin: the practice admin edits phases, goals, exercises, habits and the
practice-wide programmes in German and English; therapists read them, copy a programme into "my
programmes" and edit their copies (programs/rules.py, docs/security.md "The catalogue")."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from programs import media, rules, services
from programs.models import (
    DailyHabit,
    Dosage,
    Exercise,
    ExerciseMedia,
    Phase,
    Program,
    ProgramExercise,
    ProgramPhase,
    TrainingGoal,
)

if TYPE_CHECKING:  # the stubs' name for a fieldset's options: the keys Django reads
    from django.contrib.admin.options import _FieldOpts
    from django_stubs_ext import StrOrPromise

DOSAGE_FIELDSET: "tuple[StrOrPromise, _FieldOpts]" = (
    _("Dosage"),
    {
        "fields": (
            ("reps_min", "reps_max"),
            ("duration_min_s", "duration_max_s"),
            ("sets", "set_unit", "rest_s"),
            "tempo",
            ("frequency", "interval_days", "weekly_target", "weekly_max"),
        ),
        "description": _(
            "Give either a repetition range or a duration range. Interval, weekly target and "
            "maximum drive what is due on a day."
        ),
    },
)


class CachedChoicesMixin:
    """Inline rows each render the same foreign-key choices; build them once per request so a
    programme with many exercises costs a fixed number of queries."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is None or request is None or not hasattr(formfield, "choices"):
            return formfield
        if db_field.name in (*self.get_autocomplete_fields(request), *self.raw_id_fields):
            return formfield
        cache = request.__dict__.setdefault("_admin_choices_cache", {})
        key = (self.model._meta.label, db_field.name)
        if key not in cache:
            cache[key] = list(formfield.choices)
        formfield.choices = cache[key]
        return formfield


class PracticeCatalogueAdmin(admin.ModelAdmin):
    """A practice-wide part of the catalogue: every staff member with the view permission reads
    it, only the practice admin adds, changes or deletes (programs/rules.py)."""

    def has_add_permission(self, request):
        return rules.can_edit_catalogue(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return rules.can_edit_catalogue(request.user) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return rules.can_edit_catalogue(request.user) and super().has_delete_permission(
            request, obj
        )


@admin.register(Phase)
class PhaseAdmin(PracticeCatalogueAdmin):
    list_display = ["number", "name_de", "name_en"]
    list_display_links = ["number", "name_de"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_de"]}


@admin.register(TrainingGoal)
class TrainingGoalAdmin(PracticeCatalogueAdmin):
    list_display = ["name_de", "name_en", "dosage_text", "frequency"]
    list_filter = ["frequency"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_de"]}
    fieldsets = (
        (None, {"fields": ("slug", "order", ("name_de", "name_en"))}),
        (
            _("Texts"),
            {"fields": (("description_de", "description_en"), ("tempo_note_de", "tempo_note_en"))},
        ),
        DOSAGE_FIELDSET,
    )

    @admin.display(description=_("dosage"))
    def dosage_text(self, goal):
        return goal.dosage_text


class ExerciseMediaForm(forms.ModelForm):
    """A new row takes an upload, checked by its content (programs/media.py); an existing row
    changes only its texts, role and order. Files are written by programs.services."""

    upload = forms.FileField(
        label=_("picture or video"),
        required=False,
        help_text=_("PNG, JPEG or WebP picture, or MP4 or WebM video (no SVG)."),
    )

    class Meta:
        model = ExerciseMedia
        fields = ["order", "role", "alt_de", "alt_en", "caption_de", "caption_en"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            if self.instance.pk:
                raise ValidationError(
                    _("To replace the file, delete this row and add a new one."), code="replace"
                )
            if media.validate_upload(upload) == "image":
                # Converting a picture can still fail (an unusual colour mode): say so here, on
                # the form, rather than when the service stores it.
                media.prepare_upload(upload)
        elif not self.instance.pk and self.has_changed():
            raise ValidationError(_("Choose a picture or a video."), code="required")
        return upload


class ExerciseMediaInline(admin.StackedInline):
    """Pictures and videos of an exercise. The catalogue is practice-wide (exercises have no
    owner), so only the practice admin uploads or deletes them (docs/operations.md)."""

    model = ExerciseMedia
    form = ExerciseMediaForm
    extra = 0
    fields = [
        "preview",
        "upload",
        ("role", "order"),
        ("alt_de", "alt_en"),
        ("caption_de", "caption_en"),
    ]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview"))
    def preview(self, item):
        if not item.pk:
            return ""
        return format_html(
            '<img src="{}" alt="{}" width="160" loading="lazy"> {} · {}',
            item.thumbnail_url,
            item.alt,
            item.get_kind_display(),
            f"{item.width or '?'} × {item.height or '?'} px",
        )

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return rules.can_edit_catalogue(request.user)

    def has_change_permission(self, request, obj=None):
        return rules.can_edit_catalogue(request.user)

    def has_delete_permission(self, request, obj=None):
        return rules.can_edit_catalogue(request.user)


@admin.register(Exercise)
class ExerciseAdmin(PracticeCatalogueAdmin):
    list_display = ["name_de", "name_en", "phase", "goal", "order"]
    list_filter = ["phase", "goal"]
    list_select_related = ["phase", "goal"]
    search_fields = ["name_de", "name_en", "slug"]
    autocomplete_fields = ["easier_variant", "harder_variant"]
    prepopulated_fields = {"slug": ["name_de"]}
    fieldsets = (
        (None, {"fields": ("slug", ("name_de", "name_en"), ("phase", "goal", "order"))}),
        (
            _("How to do it"),
            {"fields": (("instructions_de", "instructions_en"), ("cues_de", "cues_en"))},
        ),
        (
            _("Equipment and safety"),
            {"fields": (("equipment_de", "equipment_en"), ("safety_notes_de", "safety_notes_en"))},
        ),
        (_("Media and variants"), {"fields": ("video_url", ("easier_variant", "harder_variant"))}),
    )
    inlines = [ExerciseMediaInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("media")

    def save_formset(self, request, form, formset, change):
        if formset.model is not ExerciseMedia:
            return super().save_formset(request, form, formset, change)
        exercise = form.instance
        for row in formset.forms:
            if not row.has_changed() and not (row.instance.pk and row in formset.deleted_forms):
                continue
            if row.instance.pk and row in formset.deleted_forms:
                services.exercise_media_delete(media_item=row.instance)
            elif row.instance.pk:
                services.exercise_media_update(
                    media_item=row.instance,
                    **{name: row.cleaned_data[name] for name in services.MEDIA_TEXT_FIELDS},
                )
            elif row.cleaned_data.get("upload") is not None:
                services.exercise_media_add(
                    exercise=exercise,
                    upload=row.cleaned_data["upload"],
                    **{name: row.cleaned_data[name] for name in services.MEDIA_TEXT_FIELDS},
                )
        formset.new_objects = formset.changed_objects = formset.deleted_objects = []
        return None

    def delete_model(self, request, obj):
        services.exercise_delete(exercise=obj)

    def delete_queryset(self, request, queryset):
        for exercise in queryset.prefetch_related("media"):
            services.exercise_delete(exercise=exercise)


@admin.register(DailyHabit)
class DailyHabitAdmin(PracticeCatalogueAdmin):
    list_display = ["name_de", "name_en", "times_per_day", "order"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_de"]}


class ProgramPartInline(CachedChoicesMixin, admin.TabularInline):
    """A programme's phases and exercises change with the programme, so whoever may change the
    programme changes its rows (``obj`` is the programme; None on the add page)."""

    def _may_edit(self, request, program) -> bool:
        if program is None:
            return rules.can_own_programs(request.user)
        return rules.can_edit_program(request.user, program)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)


class ProgramPhaseInline(ProgramPartInline):
    model = ProgramPhase
    extra = 0
    fields = ["phase", "min_days"]


class ProgramExerciseForm(forms.ModelForm):
    """Leave the dose empty to take the default of the exercise's training goal."""

    class Meta:
        model = ProgramExercise
        fields = ["phase", "exercise", "order", *Dosage.DOSAGE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in Dosage.DOSAGE_FIELDS:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        exercise = data.get("exercise")
        dose_given = any(
            data.get(name) not in (None, "")
            for name in (
                "tempo",
                "sets",
                "frequency",
                "interval_days",
                "weekly_target",
                "weekly_max",
            )
        )
        if exercise is not None and not dose_given:
            for name in Dosage.DOSAGE_FIELDS:
                data[name] = getattr(exercise.goal, name)
        return data


class ProgramExerciseInline(ProgramPartInline):
    model = ProgramExercise
    form = ProgramExerciseForm
    extra = 0
    fields = ["phase", "exercise", "order", *Dosage.DOSAGE_FIELDS]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("phase", "exercise__goal")


class OwnerFilter(admin.SimpleListFilter):
    title = _("belongs to")
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("mine", _("My programmes")), ("practice", _("Practice-wide"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(owner=request.user)
        if self.value() == "practice":
            return queryset.filter(owner__isnull=True)
        return queryset


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """Programmes: the practice-wide ones (the MASTER among them) are the practice admin's; a
    therapist sees those and their own ("my programmes"), copies any of them and changes and
    deletes only their own (programs/rules.py). Another therapist's programme is not there."""

    list_display = [
        "name_de",
        "name_en",
        "belongs_to",
        "exercise_count",
        "copied_from",
        "is_active",
        "updated_at",
    ]
    list_filter = [OwnerFilter, "is_active"]
    list_select_related = ["copied_from", "owner"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_de"]}
    filter_horizontal = ["habits"]
    readonly_fields = ["copied_from", "created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("slug", ("name_de", "name_en"), "owner", "is_active")}),
        (_("Description"), {"fields": (("description_de", "description_en"),)}),
        (_("Daily habits"), {"fields": ("habits",)}),
        (_("History"), {"fields": ("copied_from", "created_at", "updated_at")}),
    )
    inlines = [ProgramPhaseInline, ProgramExerciseInline]
    actions = ["copy_to_my_programs", "copy_for_practice"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .for_user(request.user)
            .annotate(_exercise_count=Count("program_exercises"))
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not rules.can_edit_catalogue(request.user):
            fields.append("owner")  # a therapist's programmes are their own, always
        return fields

    def has_add_permission(self, request):
        return rules.can_own_programs(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or rules.can_edit_program(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        # A therapist deletes one own programme at a time (its page's "Delete"); the bulk
        # action, which sees no single programme, stays the practice admin's.
        if obj is None or rules.can_edit_catalogue(request.user):
            return super().has_delete_permission(request, obj)
        return rules.can_edit_program(request.user, obj)

    def has_catalogue_permission(self, request):
        return rules.can_edit_catalogue(request.user)

    def save_model(self, request, obj, form, change):
        if not change and not rules.can_edit_catalogue(request.user):
            obj.owner = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("belongs to"), ordering="owner__username")
    def belongs_to(self, program):
        if program.owner is None:
            return _("Practice-wide")
        return program.owner.get_full_name() or program.owner.get_username()

    @admin.display(description=_("exercises"), ordering="_exercise_count")
    def exercise_count(self, program):
        return program._exercise_count

    def get_urls(self):
        return [
            path(
                "<path:object_id>/copy/",
                self.admin_site.admin_view(require_POST(self.copy_view)),
                name="programs_program_copy",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_copy": self.has_add_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def copy_view(self, request, object_id):
        """The change page's "Copy to my programmes" button: the copy opens for editing."""
        program = self.get_object(request, unquote(object_id))  # None outside the user's scope
        if program is None:
            raise Http404
        if not self.has_add_permission(request):
            raise PermissionDenied
        copy = self._copy(request, [program], owner=request.user)[0]
        return HttpResponseRedirect(reverse("admin:programs_program_change", args=[copy.pk]))

    @admin.action(description=_("Copy to my programmes"), permissions=["add"])
    def copy_to_my_programs(self, request, queryset):
        self._copy(request, queryset, owner=request.user)

    @admin.action(description=_("Copy as practice-wide programmes"), permissions=["catalogue"])
    def copy_for_practice(self, request, queryset):
        self._copy(request, queryset, owner=None)

    def _copy(self, request, programs, *, owner) -> list[Program]:
        copies = [services.program_copy(program=program, owner=owner) for program in programs]
        for copy in copies:
            self.log_addition(request, copy, [{"added": {}}])
        self.message_user(
            request,
            ngettext(
                "Copied %(count)d programme. Edit the copy to adapt it: %(names)s",
                "Copied %(count)d programmes. Edit the copies to adapt them: %(names)s",
                len(copies),
            )
            % {"count": len(copies), "names": ", ".join(copy.name for copy in copies)},
            messages.SUCCESS,
        )
        return copies
