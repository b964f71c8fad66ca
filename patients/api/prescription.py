"""``assignments/{id}/items/``: one patient's prescription, writable by therapists through the
same services and validation as the patient page's builder (docs/api.md, "Prescription
items"; docs/product.md, "Programme builder"). Another therapist's assignment answers 404."""

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import ApiMixin, IsTherapist
from audit.api_mixins import AuditedViewSetMixin
from audit.models import AuditAction
from patients import services
from patients.api.assignments import PrescriptionItemSerializer, assignment_queryset
from patients.models import Assignment, PrescriptionItem
from patients.services.prescription import Direction
from programs.models import Exercise

# Phase numbers are small positive numbers (PositiveSmallIntegerField).
MAX_PHASE = 32767


class ItemDoseSerializer(serializers.ModelSerializer):
    """The dose fields a therapist may set; each optional. Bounds come from the model; that
    repetitions and a duration are not both given, and ranges are whole, the service checks."""

    class Meta:
        model = PrescriptionItem
        fields = [*services.ITEM_FIELDS, "variant_allowed"]
        extra_kwargs = {name: {"required": False} for name in fields}


class ItemCreateSerializer(ItemDoseSerializer):
    exercise = serializers.PrimaryKeyRelatedField(
        queryset=Exercise.objects.select_related("goal"), help_text="Catalogue exercise id."
    )
    phase = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PHASE,
        required=False,
        help_text="Phase number, up to the current one (default: the current phase).",
    )

    class Meta(ItemDoseSerializer.Meta):
        fields = ["exercise", "phase", *ItemDoseSerializer.Meta.fields]


class ItemMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=[direction.value for direction in Direction],
        help_text="One place up or down within the exercise's phase.",
    )


ASSIGNMENT_PARAMETER = OpenApiParameter(
    "assignment_pk", int, OpenApiParameter.PATH, description="Assignment id."
)


@extend_schema_view(
    list=extend_schema(parameters=[ASSIGNMENT_PARAMETER]),
    retrieve=extend_schema(parameters=[ASSIGNMENT_PARAMETER]),
)
@extend_schema(tags=["assignments"])
class PrescriptionItemViewSet(
    AuditedViewSetMixin,
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The active prescription of one assignment, in the order the patient sees it (phase,
    then place). Every change is kept in the assignment's ``phase_changes``."""

    permission_classes = [IsTherapist]
    serializer_class = PrescriptionItemSerializer
    lookup_value_regex = r"\d+"
    filter_backends: list = []
    audit_patient_path = "assignment__patient"  # the queryset loads the assignment
    audit_read_actions = ("retrieve",)

    @cached_property
    def assignment(self) -> Assignment:
        """The assignment in the URL, within the caller's patients (404 otherwise)."""
        return get_object_or_404(
            assignment_queryset(self.request.user), pk=self.kwargs["assignment_pk"]
        )

    def get_queryset(self):
        return (
            PrescriptionItem.objects.filter(assignment=self.assignment, removed_at__isnull=True)
            .select_related("assignment", "exercise", "prescribed_exercise", "phase")
            .order_by("phase__number", "order", "id")
        )

    def get_serializer_class(self):
        return {
            "create": ItemCreateSerializer,
            "partial_update": ItemDoseSerializer,
            "move": ItemMoveSerializer,
        }.get(self.action, PrescriptionItemSerializer)

    def _answer(self, item: PrescriptionItem, code: int = status.HTTP_200_OK) -> Response:
        item = self.get_queryset().get(pk=item.pk)
        return Response(PrescriptionItemSerializer(item).data, status=code)

    @extend_schema(
        parameters=[ASSIGNMENT_PARAMETER],
        request=ItemCreateSerializer,
        responses={201: PrescriptionItemSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Add a catalogue exercise to this patient only, in a phase reached (400 ``phase``
        otherwise, ``exercise`` when it is prescribed already). It starts with the programme's
        or its goal's dose and the given fields."""
        assignment = self.assignment
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        exercise = data.pop("exercise")
        phase = data.pop("phase", assignment.current_phase.number)
        allowed = data.pop("variant_allowed", None)
        item = services.prescription_item_add(
            assignment=assignment,
            exercise=exercise,
            phase_number=phase,
            changed_by=request.user,
            dosage=data,
        )
        if allowed is not None:
            services.prescription_item_allow_variant(
                item=item, allowed=allowed, changed_by=request.user
            )
        self.audit_write(AuditAction.ADD, item)
        return self._answer(item, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[ASSIGNMENT_PARAMETER],
        request=ItemDoseSerializer,
        responses=PrescriptionItemSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        """Change the dose for this patient: sets, repetitions or duration, hold time, load,
        band, side, rest, tempo, frequency (its scheduling numbers follow unless given), and
        the variant the patient may switch to."""
        item = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        allowed = data.pop("variant_allowed", None)
        fields = list(data)
        if data:
            services.prescription_item_update(item=item, changed_by=request.user, dosage=data)
        if allowed is not None and allowed != item.variant_allowed:
            services.prescription_item_allow_variant(
                item=item, allowed=allowed, changed_by=request.user
            )
            fields.append("variant_allowed")
        if fields:
            self.audit_write(AuditAction.CHANGE, item, fields=fields)
        return self._answer(item)

    @extend_schema(parameters=[ASSIGNMENT_PARAMETER], responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Take the exercise out of the prescription; it stays in the history and answers 404
        here from then on."""
        item = self.get_object()
        services.prescription_item_remove(item=item, removed_by=request.user)
        self.audit_write(AuditAction.CHANGE, item, fields=("removed_at",))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[ASSIGNMENT_PARAMETER],
        request=ItemMoveSerializer,
        responses=PrescriptionItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        """Move the exercise one place up or down within its phase (400 ``direction`` at
        either end)."""
        item = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.prescription_item_move(
            item=item, direction=serializer.validated_data["direction"], changed_by=request.user
        )
        self.audit_write(AuditAction.CHANGE, item, fields=("order",))
        return self._answer(item)
