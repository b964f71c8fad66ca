"""``questionnaires/``: the questionnaire definitions (items with their answer options) and the
patients' responses with their computed scores. Scores come from ``questionnaires.services``."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from api.base import ApiMixin, IdFilter, IsTherapist
from audit.api_mixins import AuditedViewSetMixin
from audit.models import AuditAction
from patients.api.assignments import ScopedPatientField
from patients.api.base import IsPatient, caller_patient, patient_day, scoped_patient
from patients.models import Patient
from questionnaires import selectors as questionnaire_selectors
from questionnaires import services as questionnaire_services
from questionnaires.models import Answer, Item, Questionnaire, QuestionnaireRequest, ScoreBand
from questionnaires.models import Response as QuestionnaireResponse


class OptionSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    text = serializers.CharField()


class ItemSerializer(serializers.ModelSerializer):
    text = serializers.CharField()
    options = OptionSerializer(many=True)

    class Meta:
        model = Item
        fields = ["link_id", "text", "required", "options"]


class BandSerializer(serializers.ModelSerializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    lower = serializers.DecimalField(max_digits=7, decimal_places=2, coerce_to_string=False)
    upper = serializers.DecimalField(max_digits=7, decimal_places=2, coerce_to_string=False)

    class Meta:
        model = ScoreBand
        fields = ["code", "lower", "upper", "label"]


class QuestionnaireSerializer(serializers.ModelSerializer):
    title = serializers.CharField()
    description = serializers.CharField()
    own_wording_note = serializers.CharField()
    items = ItemSerializer(many=True)
    bands = BandSerializer(many=True)

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "slug",
            "version",
            "title",
            "description",
            "own_wording_note",
            "scoring_method",
            "max_missing",
            "higher_is_worse",
            "schedule_weeks",
            "items",
            "bands",
        ]


class DueSerializer(serializers.Serializer):
    questionnaire = serializers.IntegerField(source="questionnaire.pk")
    slug = serializers.CharField(source="questionnaire.slug")
    title = serializers.CharField(source="questionnaire.title")
    due_week = serializers.IntegerField(
        allow_null=True, help_text="The schedule week; null when only sent on demand."
    )
    opens_on = serializers.DateField()
    closes_on = serializers.DateField(
        help_text="Last day, inclusive; for a request its due date (it stays open after it)."
    )
    request = serializers.IntegerField(
        source="request.pk",
        allow_null=True,
        default=None,
        help_text="The therapist's request this answers, if one is open.",
    )


@extend_schema(tags=["questionnaires"])
class QuestionnaireViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """Questionnaires in use, with items, answer options and interpretation bands."""

    serializer_class = QuestionnaireSerializer
    lookup_value_regex = r"\d+"
    filter_backends = []

    def get_queryset(self):
        return questionnaire_selectors.questionnaires_with_definition(
            Questionnaire.objects.filter(is_active=True)
        ).order_by("title_de", "id")

    @extend_schema(responses=DueSerializer(many=True))
    @action(detail=False, methods=["get"], permission_classes=[IsPatient], pagination_class=None)
    def due(self, request):
        """What the signed-in patient should fill in today (baseline, week 4, week 12 …)."""
        patient = caller_patient(request.user)
        due = questionnaire_selectors.due_with_requests(
            patient=patient,
            today=patient_day(patient),
            program_start=questionnaire_selectors.program_start(patient),
        )
        return Response(DueSerializer(due, many=True).data)


class ResponseSerializer(serializers.ModelSerializer):
    questionnaire_slug = serializers.CharField(source="questionnaire.slug")
    score = serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    band_label = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField(help_text="link_id → value (null: unanswered).")

    class Meta:
        model = QuestionnaireResponse
        fields = [
            "id",
            "patient",
            "questionnaire",
            "questionnaire_slug",
            "questionnaire_version",
            "due_week",
            "submitted_at",
            "score",
            "band",
            "band_label",
            "answered",
            "missing",
            "answers",
        ]

    def get_band_label(self, response) -> str:
        bands = {band.code: band for band in response.questionnaire.bands.all()}
        band = bands.get(response.band)
        return band.label if band else ""

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField(allow_null=True)))
    def get_answers(self, response) -> dict:
        return {answer.item.link_id: answer.value for answer in response.answers.all()}


class ResponseCreateSerializer(serializers.Serializer):
    patient = ScopedPatientField(
        required=False, help_text="Therapists name the patient; patients leave it out."
    )
    questionnaire = serializers.PrimaryKeyRelatedField(
        queryset=Questionnaire.objects.filter(is_active=True)
    )
    answers = serializers.DictField(
        child=serializers.IntegerField(allow_null=True, min_value=-1000, max_value=1000),
        help_text="link_id → the value of the chosen option; null or absent: not answered.",
    )
    due_week = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=104,
        help_text="The schedule week this answers (0 = baseline); leave out if ad hoc.",
    )


class ResponseFilter(filters.FilterSet):
    patient = IdFilter(field_name="patient_id")
    questionnaire = IdFilter(field_name="questionnaire_id")

    class Meta:
        model = QuestionnaireResponse
        fields = ["patient", "questionnaire"]


@extend_schema(tags=["questionnaires"])
class ResponseViewSet(
    AuditedViewSetMixin,
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Filled-in questionnaires with their scores, newest first."""

    lookup_value_regex = r"\d+"
    filterset_class = ResponseFilter

    def get_queryset(self):
        return (
            QuestionnaireResponse.objects.filter(
                patient__in=Patient.objects.for_user(self.request.user)
            )
            .select_related("questionnaire")
            .prefetch_related(
                "questionnaire__bands",
                Prefetch("answers", Answer.objects.select_related("item")),
            )
            .order_by("-submitted_at", "-id")
        )

    def get_serializer_class(self):
        return ResponseCreateSerializer if self.action == "create" else ResponseSerializer

    @extend_schema(request=ResponseCreateSerializer, responses={201: ResponseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        response = questionnaire_services.response_submit(
            patient=scoped_patient(request, data.get("patient")),
            questionnaire=data["questionnaire"],
            answers=data["answers"],
            due_week=data.get("due_week"),
        )
        self.audit_write(AuditAction.ADD, response)
        response = self.get_queryset().get(pk=response.pk)
        return Response(ResponseSerializer(response).data, status=201)


class QuestionnaireRequestSerializer(serializers.ModelSerializer):
    questionnaire_slug = serializers.CharField(source="questionnaire.slug")
    questionnaire_title = serializers.CharField(source="questionnaire.title")
    status = serializers.SerializerMethodField(help_text="open, answered or cancelled.")

    class Meta:
        model = QuestionnaireRequest
        fields = [
            "id",
            "patient",
            "questionnaire",
            "questionnaire_slug",
            "questionnaire_title",
            "requested_by",
            "requested_at",
            "due_on",
            "remind",
            "status",
            "answered_at",
            "response",
            "cancelled_at",
        ]

    def get_status(self, request) -> str:
        if request.answered_at is not None:
            return "answered"
        return "cancelled" if request.cancelled_at is not None else "open"


class QuestionnaireRequestCreateSerializer(serializers.Serializer):
    questionnaire = serializers.PrimaryKeyRelatedField(queryset=Questionnaire.objects.all())
    due_on = serializers.DateField(
        required=False,
        help_text="The day to answer by: today (the default, in the patient's time zone) to "
        "60 days ahead.",
    )
    remind = serializers.BooleanField(
        default=False, help_text="One reminder at the patient's reminder time on the due day."
    )


@extend_schema(tags=["questionnaires"])
class QuestionnaireRequestViewSet(AuditedViewSetMixin, ApiMixin, viewsets.GenericViewSet):
    """Questionnaires sent to one patient outside the schedule (docs/product.md,
    "Questionnaires on demand"), newest first. The patient sees a request as due until they
    answer it, which fulfils it."""

    serializer_class = QuestionnaireRequestSerializer
    filter_backends = []

    def get_permissions(self):
        if self.action in ("create", "cancel"):
            return [*super().get_permissions(), IsTherapist()]
        return super().get_permissions()

    def _patient(self):
        return get_object_or_404(Patient.objects.for_user(self.request.user), pk=self.kwargs["pk"])

    def get_queryset(self):
        return (
            QuestionnaireRequest.objects.filter(
                patient__in=Patient.objects.for_user(self.request.user)
            )
            .select_related("questionnaire")
            .order_by("-requested_at", "-id")
        )

    def list(self, request, pk=None):
        """The patient's requests, open and closed."""
        patient = self._patient()
        page = self.paginate_queryset(self.get_queryset().filter(patient=patient))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=QuestionnaireRequestCreateSerializer,
        responses={201: QuestionnaireRequestSerializer},
    )
    def create(self, request, pk=None):
        """Send a questionnaire in use to the patient now (therapists). 400 for a due date in
        the past or more than 60 days ahead, a questionnaire no longer in use, or one that is
        already open for the patient."""
        patient = self._patient()
        serializer = QuestionnaireRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A refusal of the service answers 400 through api.errors.
        sent = questionnaire_services.questionnaire_request_create(
            patient=patient, requested_by=request.user, **serializer.validated_data
        )
        self.audit_write(AuditAction.ADD, sent)
        sent = self.get_queryset().get(pk=sent.pk)
        return Response(QuestionnaireRequestSerializer(sent).data, status=201)

    @extend_schema(request=None, responses={200: QuestionnaireRequestSerializer})
    def cancel(self, request, pk=None, request_id=None):
        """Withdraw an open request (therapists): it is no longer due and no reminder goes out
        for it. 400 when it is already answered or cancelled."""
        sent = get_object_or_404(self.get_queryset(), patient=self._patient(), pk=request_id)
        sent = questionnaire_services.questionnaire_request_cancel(request=sent)
        self.audit_write(AuditAction.CHANGE, sent, fields=("cancelled_at",))
        return Response(QuestionnaireRequestSerializer(sent).data)


router = SimpleRouter()
# Responses first: "questionnaires/responses/" is not a questionnaire's slug.
router.register(
    "questionnaires/responses",
    ResponseViewSet,
    basename="questionnaire-response",
)
router.register("questionnaires", QuestionnaireViewSet, basename="questionnaire")
urlpatterns = [
    path(
        "patients/<int:pk>/questionnaire-requests/",
        QuestionnaireRequestViewSet.as_view({"get": "list", "post": "create"}),
        name="patient-questionnaire-requests",
    ),
    path(
        "patients/<int:pk>/questionnaire-requests/<int:request_id>/cancel/",
        QuestionnaireRequestViewSet.as_view({"post": "cancel"}),
        name="patient-questionnaire-request-cancel",
    ),
    *router.urls,
]
