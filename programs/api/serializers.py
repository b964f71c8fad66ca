"""Read-only catalogue representations. Texts come in the request's language (Accept-Language,
German by default); dosage is structured so clients can drive timers from it."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from programs.models import (
    DailyHabit,
    Exercise,
    ExerciseMedia,
    Phase,
    Program,
    ProgramExercise,
    ProgramPhase,
    TrainingGoal,
)


class DosageSerializer(serializers.Serializer):
    reps_min = serializers.IntegerField(allow_null=True)
    reps_max = serializers.IntegerField(allow_null=True)
    duration_min_s = serializers.IntegerField(allow_null=True)
    duration_max_s = serializers.IntegerField(allow_null=True)
    tempo = serializers.CharField()
    tempo_label = serializers.CharField(source="get_tempo_display")
    sets = serializers.IntegerField()
    set_unit = serializers.CharField()
    rest_s = serializers.IntegerField()
    frequency = serializers.CharField()
    frequency_label = serializers.CharField(source="get_frequency_display")
    interval_days = serializers.IntegerField()
    weekly_target = serializers.DecimalField(max_digits=3, decimal_places=1, coerce_to_string=False)
    weekly_max = serializers.IntegerField()
    text = serializers.CharField(source="dosage_text")


class PhaseSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    aim = serializers.CharField()

    class Meta:
        model = Phase
        fields = ["id", "number", "slug", "name", "aim"]


class PhaseRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = Phase
        fields = ["id", "number", "name"]


class GoalSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    description = serializers.CharField()
    tempo_note = serializers.CharField()
    dosage = DosageSerializer(source="*")

    class Meta:
        model = TrainingGoal
        fields = ["id", "slug", "name", "description", "tempo_note", "dosage"]


class GoalRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = TrainingGoal
        fields = ["id", "slug", "name"]


class ExerciseRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = Exercise
        fields = ["id", "slug", "name"]


class MediaSerializer(serializers.ModelSerializer):
    """A picture or video of the exercise, with absolute URLs (cacheable: a changed file gets
    a new URL). For a video ``thumbnail_url`` is its poster's small version."""

    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    alt = serializers.CharField(help_text="What the picture shows, in the request's language.")
    caption = serializers.CharField()

    class Meta:
        model = ExerciseMedia
        fields = [
            "kind",
            "role",
            "url",
            "thumbnail_url",
            "poster_url",
            "width",
            "height",
            "alt",
            "caption",
        ]

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None and url else url

    def get_url(self, item: ExerciseMedia) -> str:
        return self._absolute(item.url)

    def get_thumbnail_url(self, item: ExerciseMedia) -> str:
        return self._absolute(item.thumbnail_url)

    def get_poster_url(self, item: ExerciseMedia) -> str:
        """Empty for pictures."""
        return self._absolute(item.poster_url)


class ExerciseSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    phase = PhaseRefSerializer()
    goal = GoalRefSerializer()
    dosage = DosageSerializer(source="goal", help_text="The default dose of the training goal.")
    instructions = serializers.CharField()
    cues = serializers.CharField()
    equipment = serializers.CharField()
    safety_notes = serializers.CharField()
    easier_variant = ExerciseRefSerializer(allow_null=True)
    harder_variant = ExerciseRefSerializer(allow_null=True)
    media = MediaSerializer(many=True, help_text="Pictures and videos, in their order.")

    class Meta:
        model = Exercise
        fields = [
            "id",
            "slug",
            "name",
            "phase",
            "goal",
            "dosage",
            "instructions",
            "cues",
            "equipment",
            "safety_notes",
            "video_url",
            "easier_variant",
            "harder_variant",
            "media",
        ]


class HabitSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    description = serializers.CharField()

    class Meta:
        model = DailyHabit
        fields = ["id", "slug", "name", "description", "times_per_day"]


class ProgramExerciseSerializer(serializers.ModelSerializer):
    exercise = ExerciseRefSerializer()
    goal = GoalRefSerializer(source="exercise.goal")
    dosage = DosageSerializer(source="*")

    class Meta:
        model = ProgramExercise
        fields = ["exercise", "goal", "order", "dosage"]


class ProgramPhaseSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(source="phase.number")
    name = serializers.CharField(source="phase.name")
    exercises = serializers.SerializerMethodField()

    class Meta:
        model = ProgramPhase
        fields = ["number", "name", "min_days", "exercises"]

    @extend_schema_field(ProgramExerciseSerializer(many=True))
    def get_exercises(self, row: ProgramPhase) -> list[dict]:
        items = [
            item for item in row.program.program_exercises.all() if item.phase_id == row.phase_id
        ]
        # many=True: a list, which the stubs call a ReturnDict
        return ProgramExerciseSerializer(items, many=True, context=self.context).data  # type: ignore[return-value]


class ProgramSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    description = serializers.CharField()
    phases = ProgramPhaseSerializer(source="program_phases", many=True)
    habits = HabitSerializer(many=True)

    class Meta:
        model = Program
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "copied_from",
            "is_active",
            "phases",
            "habits",
        ]
