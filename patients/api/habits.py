"""``habits/``: the daily-life pillars of the patient's programme with today's ticks. Patients
tick their own; therapists read a patient's with ``?patient=<id>``."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import MAX_ID, ApiMixin, query_int
from audit.api_mixins import AuditedViewSetMixin
from audit.models import AuditAction
from patients import selectors, services
from patients.api.base import IsPatient, caller_patient, patient_day
from patients.models import HabitCheck, Patient


class HabitDaySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="habit.pk")
    slug = serializers.CharField(source="habit.slug")
    name = serializers.CharField(source="habit.name")
    description = serializers.CharField(source="habit.description")
    times_per_day = serializers.IntegerField(source="habit.times_per_day")
    count = serializers.IntegerField(help_text="Ticks on the day.")
    done = serializers.BooleanField()


def habit_rows(patient: Patient, day) -> list[selectors.HabitDay]:
    assignment = selectors.open_assignment(patient)
    if assignment is None:
        return []
    return selectors.habit_days_for_program(
        patient=patient, program_id=assignment.program_id, day=day
    )


@extend_schema(tags=["habits"])
class HabitViewSet(AuditedViewSetMixin, ApiMixin, viewsets.GenericViewSet):
    """Today's habits in the patient's calendar: each habit counts up to its times per day."""

    serializer_class = HabitDaySerializer
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_permissions(self):
        if self.action in ("tick", "untick"):
            return [IsPatient()]
        return super().get_permissions()

    def _patient(self) -> Patient:
        pk = query_int(self.request, "patient", minimum=1, maximum=MAX_ID)
        own = caller_patient(self.request.user)
        if own is not None:
            return own
        if pk is None:
            raise exceptions.ValidationError({"patient": [_("Name the patient: ?patient=<id>.")]})
        return get_object_or_404(Patient.objects.for_user(self.request.user), pk=pk)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "patient",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                description="Therapists: whose habits (required). Patients: ignored.",
            )
        ]
    )
    def list(self, request):
        patient = self._patient()
        self.audit_access(AuditAction.LIST, patient_id=patient.pk, obj_type=HabitCheck)
        rows = habit_rows(patient, patient_day(patient))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(HabitDaySerializer(page, many=True).data)

    def _tick(self, request, pk, delta: int) -> Response:
        patient = caller_patient(request.user)
        if patient is None:  # get_permissions lets only patients tick
            raise exceptions.PermissionDenied()
        today = patient_day(patient)
        row = next((row for row in habit_rows(patient, today) if str(row.habit.pk) == pk), None)
        if row is None:
            raise exceptions.NotFound(_("This habit is not part of your programme."))
        count = services.habit_check_record(
            patient=patient, habit=row.habit, day=today, delta=delta
        )
        return Response(HabitDaySerializer(selectors.HabitDay(habit=row.habit, count=count)).data)

    @extend_schema(request=None, responses=HabitDaySerializer)
    @action(detail=True, methods=["post"])
    def tick(self, request, pk=None):
        """Tick the habit off once more today (up to its times per day)."""
        return self._tick(request, pk, 1)

    @extend_schema(request=None, responses=HabitDaySerializer)
    @action(detail=True, methods=["post"])
    def untick(self, request, pk=None):
        """Take today's last tick back."""
        return self._tick(request, pk, -1)
