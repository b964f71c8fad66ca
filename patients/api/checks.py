"""``next-day-checks/``: the 24-hour response to a session (docs/clinical-safety.md, section 4)."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from api.base import ApiMixin, IdFilter
from audit.api_mixins import AuditedViewSetMixin
from audit.models import AuditAction
from patients import services
from patients.models import NextDayCheck, Patient, SessionLog


class ScopedSessionField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        user = self.context["request"].user
        return SessionLog.objects.filter(patient__in=Patient.objects.for_user(user))


class NextDayCheckSerializer(serializers.ModelSerializer):
    session = ScopedSessionField(help_text="The session of the day before.")
    patient = serializers.IntegerField(source="session.patient_id", read_only=True)

    class Meta:
        model = NextDayCheck
        fields = ["id", "session", "patient", "answered_at", "pain", "notes", "flagged"]
        read_only_fields = ["answered_at", "flagged"]


class NextDayCheckFilter(filters.FilterSet):
    session = IdFilter(field_name="session_id")
    patient = IdFilter(field_name="session__patient_id")

    class Meta:
        model = NextDayCheck
        fields = ["session", "patient"]


@extend_schema(tags=["next-day-checks"])
class NextDayCheckViewSet(
    AuditedViewSetMixin,
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """How the back feels the day after a session; worse by 2 or more flags the session."""

    serializer_class = NextDayCheckSerializer
    lookup_value_regex = r"\d+"
    filterset_class = NextDayCheckFilter
    audit_patient_path = "session__patient"  # the queryset loads the session

    def get_queryset(self):
        return (
            NextDayCheck.objects.filter(
                session__patient__in=Patient.objects.for_user(self.request.user)
            )
            .select_related("session")
            .order_by("-answered_at", "-id")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check = services.next_day_check_record(
            session=data["session"], pain=data["pain"], notes=data.get("notes", "")
        )
        self.audit_write(AuditAction.ADD, check)
        return Response(self.get_serializer(check).data, status=201)
