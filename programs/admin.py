"""Catalogue admin: therapists edit phases, goals, exercises, habits and programmes in German and
English, and copy the MASTER programme to adapt their own."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from programs import services
from programs.models import (
    DailyHabit,
    Dosage,
    Exercise,
    Phase,
    Program,
    ProgramExercise,
    ProgramPhase,
    TrainingGoal,
)

DOSAGE_FIELDSET = (
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


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["number", "name_de", "name_en"]
    list_display_links = ["number", "name_de"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_de"]}


@admin.register(TrainingGoal)
class TrainingGoalAdmin(admin.ModelAdmin):
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


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
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


@admin.register(DailyHabit)
class DailyHabitAdmin(admin.ModelAdmin):
    list_display = ["name_de", "name_en", "times_per_day", "order"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_de"]}


class ProgramPhaseInline(CachedChoicesMixin, admin.TabularInline):
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


class ProgramExerciseInline(CachedChoicesMixin, admin.TabularInline):
    model = ProgramExercise
    form = ProgramExerciseForm
    extra = 0
    fields = ["phase", "exercise", "order", *Dosage.DOSAGE_FIELDS]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("phase", "exercise__goal")


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = [
        "name_de",
        "name_en",
        "exercise_count",
        "copied_from",
        "is_active",
        "updated_at",
    ]
    list_filter = ["is_active"]
    list_select_related = ["copied_from"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_de"]}
    filter_horizontal = ["habits"]
    readonly_fields = ["copied_from", "created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("slug", ("name_de", "name_en"), "is_active")}),
        (_("Description"), {"fields": (("description_de", "description_en"),)}),
        (_("Daily habits"), {"fields": ("habits",)}),
        (_("History"), {"fields": ("copied_from", "created_at", "updated_at")}),
    )
    inlines = [ProgramPhaseInline, ProgramExerciseInline]
    actions = ["copy_programs"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_exercise_count=Count("program_exercises"))

    @admin.display(description=_("exercises"), ordering="_exercise_count")
    def exercise_count(self, program):
        return program._exercise_count

    @admin.action(description=_("Copy the selected programmes"), permissions=["add"])
    def copy_programs(self, request, queryset):
        copies = [services.program_copy(program=program) for program in queryset]
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
