"""``patients/``: therapists list, read, create and change their own patients; a patient reads
only themselves; the practice admin everyone. Another therapist's patient answers 404."""

from django.contrib.auth import get_user_model
from django.db.models import Case, OuterRef, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from api.base import (
    ApiMixin,
    IdFilter,
    IsTherapist,
    LazyFilterBackend,
    LocalTimeField,
    OrderingFilter,
    TherapistWrites,
)
from audit.api_mixins import AuditedViewSetMixin
from audit.models import AuditAction
from patients import selectors, services
from patients.api.base import practice_day
from patients.api.red_flags import (
    ScreeningCreateSerializer,
    ScreeningSerializer,
    screening_answer,
)
from patients.models import (
    CHANNEL_FIELDS,
    CONSENT_FIELDS,
    OPEN_STATUSES,
    PROFILE_FIELDS,
    THERAPIST_SETTINGS,
    Assignment,
    AssignmentStatus,
    Patient,
    Screening,
)

# The profile as the API shows and takes it: without the reminder channels and the quiet hours
# (set in the portal and the admin) and without consent (its own flow, privacy.services).
API_PROFILE_FIELDS = [
    name
    for name in PROFILE_FIELDS
    if name not in {*CHANNEL_FIELDS.values(), *THERAPIST_SETTINGS, *CONSENT_FIELDS}
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


def programme_annotations(queryset: QuerySet[Patient]) -> QuerySet[Patient]:
    """The row's programme as the API states it, in the same query: the status of the open
    programme (a stopped one included), else of the last one (completed), and the open
    programme's phase."""
    assignments = Assignment.objects.filter(patient=OuterRef("pk"))
    open_first = assignments.order_by(
        Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1)),
        "-start_date",
        "-id",
    )
    return queryset.annotate(
        programme_status=Subquery(open_first.values("status")[:1]),
        programme_phase=Subquery(
            assignments.filter(status__in=OPEN_STATUSES).values("current_phase__number")[:1]
        ),
    )


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
        source="programme_phase",
        read_only=True,
        allow_null=True,
        help_text="The open (active, paused or stopped) programme's phase number.",
    )
    assignment_status = serializers.ChoiceField(
        source="programme_status",
        choices=AssignmentStatus.choices,
        read_only=True,
        allow_null=True,
        help_text="The open programme's status (stopped: an open red flag), else the last "
        "programme's (completed); null: never had one.",
    )
    last_session_at = serializers.DateTimeField(read_only=True, allow_null=True)
    sessions_14d = serializers.IntegerField(read_only=True)
    open_alerts = serializers.IntegerField(read_only=True)
    open_red_flag = serializers.BooleanField(
        read_only=True, help_text="A red flag is open: no training until clearance."
    )
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
            *API_PROFILE_FIELDS,
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
    phase = IdFilter(field_name="programme_phase", help_text="Current phase number (1–4).")

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
        patients = Patient.objects.for_user(self.request.user)
        if self.action == "screenings":
            return patients
        return programme_annotations(
            selectors.patient_changelist_annotations(patients, today=practice_day())
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

    @extend_schema(request=ScreeningCreateSerializer, responses={201: ScreeningSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsTherapist])
    def screenings(self, request, pk=None):
        """Record a red-flag screening (docs/clinical-safety.md): each red flag found opens
        (unless the same one is open), stops a running programme and blocks a new one until
        clearance (``red-flags/{id}/clear/``). A programme starts only after a screening in
        the last 30 days."""
        patient = self.get_object()
        serializer = ScreeningCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        screening = services.screening_record(
            patient=patient,
            screened_by=request.user,
            signs=data["red_flags"],
            prompts=data["prompts"],
            notes=data["notes"],
        )
        self.audit_access(
            AuditAction.ADD, patient_id=patient.pk, obj_type=Screening, obj_id=screening.pk
        )
        return Response(
            screening_answer(screening, signs=data["red_flags"], screened_by=request.user),
            status=201,
        )

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
