"""``assignments/``: a patient's programme with its phase, prescription and phase history.
Therapists assign programmes and move their patients between phases (with a reason); every
caller may read the readiness advice for assignments in their scope."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import (
    ApiMixin,
    IdFilter,
    IsTherapist,
    LazyFilterBackend,
    OrderingFilter,
    TherapistWrites,
)
from audit.api_mixins import AuditedViewSetMixin
from audit.models import AuditAction
from patients import selectors, services
from patients.api.base import patient_day
from patients.models import Assignment, AssignmentStatus, Patient, PhaseChange, PrescriptionItem
from programs.api.serializers import ExerciseRefSerializer, PhaseRefSerializer
from programs.models import Dosage, Program

# Phase numbers are small positive numbers (PositiveSmallIntegerField).
MAX_PHASE = 32767


class ProgramRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = Program
        fields = ["id", "slug", "name"]


class PrescriptionItemSerializer(serializers.ModelSerializer):
    exercise = ExerciseRefSerializer()
    phase = serializers.IntegerField(source="phase.number", help_text="Phase number.")
    weekly_target = serializers.DecimalField(max_digits=3, decimal_places=1, coerce_to_string=False)
    prescribed_exercise = ExerciseRefSerializer(
        allow_null=True, help_text="The exercise the patient switched from, while on a variant."
    )
    load_kg = serializers.DecimalField(
        max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True
    )

    class Meta:
        model = PrescriptionItem
        fields = [
            "id",
            "exercise",
            "phase",
            "order",
            *Dosage.DOSAGE_FIELDS,
            *PrescriptionItem.EXTRA_FIELDS,
            "variant_allowed",
            "prescribed_exercise",
            "removed_at",
        ]


class PhaseChangeSerializer(serializers.ModelSerializer):
    from_phase = serializers.IntegerField(source="from_phase.number", allow_null=True)
    to_phase = serializers.IntegerField(source="to_phase.number")
    changed_by = serializers.CharField(source="changed_by.username", allow_null=True)

    class Meta:
        model = PhaseChange
        fields = ["kind", "from_phase", "to_phase", "changed_at", "changed_by", "reason"]


class AssignmentSerializer(serializers.ModelSerializer):
    program = ProgramRefSerializer()
    current_phase = PhaseRefSerializer()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "patient",
            "program",
            "current_phase",
            "phase_started_on",
            "status",
            "start_date",
            "created_at",
        ]


class AssignmentDetailSerializer(AssignmentSerializer):
    items = PrescriptionItemSerializer(many=True, help_text="The prescription, removed included.")
    phase_changes = PhaseChangeSerializer(many=True, help_text="Phase history, newest first.")

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "items", "phase_changes"]


@extend_schema_field(OpenApiTypes.INT)
class ScopedPatientField(serializers.PrimaryKeyRelatedField):
    """A patient of the caller's scope; any other id answers "does not exist"."""

    def get_queryset(self):
        return Patient.objects.for_user(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class AssignableProgramField(serializers.PrimaryKeyRelatedField):
    """An active programme the caller may assign: practice-wide or their own (programs/rules.py);
    another therapist's answers "does not exist"."""

    def get_queryset(self):
        return Program.objects.for_user(self.context["request"].user).filter(is_active=True)


class AssignmentCreateSerializer(serializers.Serializer):
    patient = ScopedPatientField()
    program = AssignableProgramField()
    start_date = serializers.DateField(
        required=False, help_text="Defaults to today in the patient's time zone."
    )
    start_phase = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PHASE,
        required=False,
        allow_null=True,
        help_text="The phase number to start in (default: the programme's first). Any other "
        "needs a reason; the earlier phases' exercises are prescribed too.",
    )
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Kept in the phase history; required when start_phase is not the first.",
    )


class PhaseMoveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why; kept in the phase history.")


class ReadinessReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    met = serializers.BooleanField()
    message = serializers.CharField()


class ReadinessSerializer(serializers.Serializer):
    ready = serializers.BooleanField(help_text="Advice only: the therapist decides.")
    reasons = ReadinessReasonSerializer(many=True)


class AssignmentFilter(filters.FilterSet):
    patient = IdFilter(field_name="patient_id", help_text="Patient id.")
    status = filters.ChoiceFilter(choices=AssignmentStatus.choices)

    class Meta:
        model = Assignment
        fields = ["patient", "status"]


def assignment_queryset(user):
    return Assignment.objects.filter(patient__in=Patient.objects.for_user(user)).select_related(
        "program", "current_phase", "patient"
    )


@extend_schema(tags=["assignments"])
class AssignmentViewSet(
    AuditedViewSetMixin,
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Programme assignments in the caller's scope, newest first."""

    permission_classes = [TherapistWrites]
    lookup_value_regex = r"\d+"
    filter_backends = [LazyFilterBackend, OrderingFilter]
    filterset_class = AssignmentFilter
    audit_read_actions = ("retrieve", "readiness")
    ordering_fields = ["start_date", "created_at"]
    ordering = ["-start_date", "-id"]

    def get_queryset(self):
        if self.action == "retrieve":
            return self._detail_queryset()
        return assignment_queryset(self.request.user)

    def _detail_queryset(self):
        return assignment_queryset(self.request.user).prefetch_related(
            Prefetch(
                "items",
                PrescriptionItem.objects.select_related(
                    "exercise", "prescribed_exercise", "phase"
                ).order_by("phase__number", "order", "id"),
            ),
            Prefetch(
                "phase_changes",
                PhaseChange.objects.select_related("from_phase", "to_phase", "changed_by"),
            ),
        )

    def get_serializer_class(self):
        return {
            "retrieve": AssignmentDetailSerializer,
            "create": AssignmentCreateSerializer,
            "advance": PhaseMoveSerializer,
            "regress": PhaseMoveSerializer,
            "readiness": ReadinessSerializer,
        }.get(self.action, AssignmentSerializer)

    def _detail(self, assignment: Assignment, status: int = 200) -> Response:
        assignment = self._detail_queryset().get(pk=assignment.pk)
        return Response(AssignmentDetailSerializer(assignment).data, status=status)

    @extend_schema(responses={201: AssignmentDetailSerializer})
    def create(self, request, *args, **kwargs):
        """Start a programme. Refused (400, ``non_field_errors``) for a patient without a
        screening in the last 30 days, with an open red flag or with an open programme."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignment = services.assignment_create(
            patient=data["patient"],
            program=data["program"],
            created_by=request.user,
            start_date=data.get("start_date"),
            start_phase=data.get("start_phase"),
            reason=data.get("reason", ""),
        )
        self.audit_write(AuditAction.ADD, assignment)
        return self._detail(assignment, status=201)

    def _move(self, request, service) -> Response:
        assignment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = service(
            assignment=assignment,
            changed_by=request.user,
            reason=serializer.validated_data["reason"],
        )
        self.audit_write(
            AuditAction.CHANGE, assignment, fields=("current_phase", "phase_started_on")
        )
        return self._detail(assignment)

    @extend_schema(request=PhaseMoveSerializer, responses=AssignmentDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsTherapist])
    def advance(self, request, pk=None):
        """Move the patient to the next phase: the therapist's decision, with a reason."""
        return self._move(request, services.assignment_advance)

    @extend_schema(request=PhaseMoveSerializer, responses=AssignmentDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsTherapist])
    def regress(self, request, pk=None):
        """Move the patient back one phase (always allowed), with a reason."""
        return self._move(request, services.assignment_regress)

    @extend_schema(responses=ReadinessSerializer)
    @action(detail=True, methods=["get"], permission_classes=[permissions.IsAuthenticated])
    def readiness(self, request, pk=None):
        """Whether the patient looks ready for the next phase, one explained reason per rule."""
        assignment = self.get_object()
        result = selectors.assignment_readiness(
            assignment=assignment, today=patient_day(assignment.patient)
        )
        return Response(
            {
                "ready": result.ready,
                "reasons": [
                    {"code": str(reason.code), "met": reason.met, "message": str(reason.message)}
                    for reason in result.reasons
                ],
            }
        )
