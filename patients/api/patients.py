"""``patients/``: therapists list, read, create and change their own patients; a patient reads
only themselves; the practice admin everyone. Another therapist's patient answers 404."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from audit.api_mixins import AuditedViewSetMixin
from audit.models import AuditAction
from patients import selectors, services
from patients.api.base import (
    ApiMixin,
    IdFilter,
    LazyFilterBackend,
    LocalTimeField,
    OrderingFilter,
    TherapistWrites,
    practice_day,
)
from patients.models import Patient

PROFILE_FIELDS = [
    "date_of_birth",
    "language",
    "time_zone",
    "reminder_time",
    "reminder_opt_out",
    "habit_reminders",
    "pain_limit",
    "diagnosis",
    "chronic_inflammatory_disease",
    "relevant_conditions",
]


USER_FIELDS = {"first_name", "last_name", "email"}


def changed_fields(patient: Patient, values: dict, therapist) -> list[str]:
    """Names of the fields an update changes (for the audit log; no values)."""
    names = [
        name
        for name, value in values.items()
        if getattr(patient.user if name in USER_FIELDS else patient, name) != value
    ]
    return [*names, "therapist"] if therapist is not None else names


class StaffField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return get_user_model()._default_manager.filter(is_staff=True, is_active=True)


class PatientSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", max_length=150)
    first_name = serializers.CharField(source="user.first_name", max_length=150)
    last_name = serializers.CharField(source="user.last_name", max_length=150)
    email = serializers.EmailField(source="user.email", max_length=254)
    therapist = StaffField(
        required=False, help_text="Only the practice admin sets it; therapists get their own."
    )
    reminder_time = LocalTimeField(required=False, help_text="HH:MM, the patient's local time.")
    current_phase = serializers.IntegerField(
        source="current_phase_number", read_only=True, allow_null=True
    )
    assignment_status = serializers.CharField(read_only=True, allow_null=True)
    last_session_at = serializers.DateTimeField(read_only=True, allow_null=True)
    sessions_14d = serializers.IntegerField(read_only=True)
    open_alerts = serializers.IntegerField(read_only=True)
    open_red_flag = serializers.BooleanField(read_only=True)
    adherence_14d = serializers.SerializerMethodField(
        help_text="Sessions done ÷ prescribed, last 14 days (0–1); null without a programme."
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "therapist",
            *PROFILE_FIELDS,
            "created_at",
            "current_phase",
            "assignment_status",
            "last_session_at",
            "sessions_14d",
            "open_alerts",
            "open_red_flag",
            "adherence_14d",
        ]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_adherence_14d(self, patient) -> float | None:
        value = self.context.get("adherence", {}).get(patient.pk)
        return None if value is None else float(value)

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["username"].read_only = True  # the login name stays once created
        return fields


class PatientFilter(filters.FilterSet):
    therapist = IdFilter(field_name="therapist_id", help_text="Therapist's user id.")
    phase = IdFilter(field_name="current_phase_number", help_text="Current phase number (1–4).")

    class Meta:
        model = Patient
        fields = ["therapist", "phase"]


@extend_schema(tags=["patients"])
class PatientViewSet(
    AuditedViewSetMixin,
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Patients with what a therapist's list shows: phase, last session, alerts, adherence."""

    serializer_class = PatientSerializer
    permission_classes = [TherapistWrites]
    audit_patient_path = ""
    lookup_value_regex = r"\d+"
    filter_backends = [LazyFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = PatientFilter
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    ordering_fields = {
        "last_name": "user__last_name",
        "created_at": "created_at",
        "last_session_at": "last_session_at",
    }
    ordering = ["user__last_name", "user__first_name", "id"]

    def get_queryset(self):
        return selectors.patient_changelist_annotations(
            Patient.objects.for_user(self.request.user), today=practice_day()
        )

    def _adherence(self, patients) -> dict:
        return selectors.adherence_for_patients(
            [patient.pk for patient in patients], today=practice_day()
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "adherence": self._adherence(page)}
        return self.get_paginated_response(PatientSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    def _answer(self, patient: Patient, status: int = 200) -> Response:
        patient = self.get_queryset().get(pk=patient.pk)
        context = {**self.get_serializer_context(), "adherence": self._adherence([patient])}
        return Response(PatientSerializer(patient, context=context).data, status=status)

    def _therapist(self, data: dict, current):
        """Only the practice admin hands a patient to another therapist."""
        therapist = data.pop("therapist", None)
        if therapist is None or therapist == current:
            return None
        if not self.request.user.is_superuser:
            raise exceptions.ValidationError(
                {"therapist": [_("Only the practice admin can assign another therapist.")]}
            )
        return therapist

    def _values(self, data: dict) -> dict:
        user = data.pop("user", {})
        return {**user, **data}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        therapist = self._therapist(data, current=request.user)
        values = self._values(data)
        patient = services.patient_create(
            username=values.pop("username"),
            email=values.pop("email"),
            first_name=values.pop("first_name"),
            last_name=values.pop("last_name"),
            therapist=therapist or request.user,
            created_by=request.user,
            **values,
        )
        self.audit_write(AuditAction.ADD, patient)
        return self._answer(patient, status=201)

    def update(self, request, *args, **kwargs):
        patient = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = self.get_serializer(patient, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        therapist = self._therapist(data, current=patient.therapist)
        values = self._values(data)
        values.pop("username", None)
        changed = changed_fields(patient, values, therapist)
        services.patient_update(
            patient=patient, changed_by=request.user, therapist=therapist, **values
        )
        self.audit_write(AuditAction.CHANGE, patient, fields=changed)
        return self._answer(patient)
