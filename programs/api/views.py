"""The catalogue over the API: read-only, open to every caller. It holds no personal data (the
same exercise descriptions a practice hands out on paper), so an app can show it before login.
A therapist's own programmes are listed to that therapist only. The catalogue is written in the
admin alone (programs/rules.py): there is no write route here."""

from django_filters import rest_framework as filters
from rest_framework import permissions, viewsets

from api.base import IdFilter
from programs import selectors
from programs.api import serializers
from programs.models import Exercise, Phase, TrainingGoal


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]


class PhaseViewSet(CatalogueViewSet):
    """The four phases of the programme, in order."""

    queryset = Phase.objects.all()
    serializer_class = serializers.PhaseSerializer


class GoalViewSet(CatalogueViewSet):
    """Training goals with their default dose (table IV of the MASTER programme)."""

    queryset = TrainingGoal.objects.all()
    serializer_class = serializers.GoalSerializer


class ExerciseFilter(filters.FilterSet):
    phase = IdFilter(field_name="phase__number", help_text="Phase number (1–4).")
    goal = filters.CharFilter(field_name="goal__slug", help_text="Training goal slug.")

    class Meta:
        model = Exercise
        fields = ["phase", "goal"]


class ExerciseViewSet(CatalogueViewSet):
    """Exercises with instructions, cues, safety notes and the default dose of their goal."""

    queryset = selectors.exercise_list()
    serializer_class = serializers.ExerciseSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ExerciseFilter


class ProgramViewSet(CatalogueViewSet):
    """Programme templates: phases in order, each with its exercises and default doses."""

    queryset = selectors.program_list()
    serializer_class = serializers.ProgramSerializer

    def get_queryset(self):
        # practice-wide programmes for everyone; a therapist's own copies for that therapist
        return super().get_queryset().for_user(self.request.user)
