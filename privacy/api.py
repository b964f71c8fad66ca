"""``me/export/`` and ``me/consent/``: the signed-in patient's data export and consent; and the
consent gate in front of the other resources (``require_consent``, ``API_CALLER_CHECKS``).

Both stay open while consent is missing (``consent_exempt``): the client must be able to show
the text and record the answer, and a patient may always download their data.

``?format=pdf`` is DRF's format override: the export view offers a JSON and a PDF renderer, so
``?format=pdf`` (or ``Accept: application/pdf``) renders the same document as the printable PDF.
Errors are JSON whichever format was asked for.
"""

from django.conf import settings
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.plumbing import build_array_type, build_basic_type, build_object_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api.base import ApiMixin, JsonOrPdfMixin
from api.schema import ErrorSerializer, ValidationErrorSerializer
from patients.api.base import IsPatient, caller_patient
from privacy import selectors, services
from privacy.models import ConsentSource
from privacy.pdf import export_pdf
from privacy.views import export_filename


class ConsentRequired(exceptions.PermissionDenied):
    default_code = "consent_required"

    def __init__(self):
        super().__init__(
            {
                "detail": _(
                    "Please agree to the current consent text first: read it with GET and "
                    "agree with POST /api/v1/me/consent/."
                ),
                "code": self.default_code,
                "consent_version": services.consent_current_version(),
            }
        )


def require_consent(request) -> None:
    """A patient who has not agreed to the consent text in force gets 403 ``consent_required``
    (docs/privacy.md); staff and the views marked ``consent_exempt`` are not asked."""
    patient = caller_patient(request.user)
    if patient is not None and services.consent_required(patient):
        raise ConsentRequired()


_OBJECTS = build_array_type(build_object_type(additionalProperties=True))
EXPORT_SCHEMA = build_object_type(
    description="Everything stored about the patient. Times are ISO 8601 in UTC; codes stay "
    "codes; catalogue names are in the patient's language.",
    properties={
        "format": {"type": "string", "enum": [selectors.EXPORT_FORMAT]},
        "version": {"type": "integer", "enum": [selectors.EXPORT_VERSION]},
        "exported_at": build_basic_type(OpenApiTypes.DATETIME),
        "patient": build_object_type(
            description="Profile: identity, clinical fields, consent and reminder settings.",
            additionalProperties=True,
        ),
        **dict.fromkeys(
            (
                "consent_records",
                "screenings",
                "red_flags",
                "assignments",
                "sessions",
                "alerts",
                "habit_checks",
                "questionnaire_responses",
                "questionnaire_requests",
                "reminder_deliveries",
                "api_tokens",
            ),
            _OBJECTS,
        ),
    },
    required=["format", "version", "exported_at", "patient", "sessions"],
)


@extend_schema(
    tags=["me"],
    parameters=[
        OpenApiParameter(
            "format",
            str,
            enum=["json", "pdf"],
            description="pdf: the same data as a printable PDF (application/pdf).",
        )
    ],
    responses={
        (200, "application/json"): OpenApiResponse(EXPORT_SCHEMA, "The export document."),
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, "The printable PDF."),
        (400, "application/json"): OpenApiResponse(ValidationErrorSerializer, "Unknown format."),
        (401, "application/json"): OpenApiResponse(ErrorSerializer, "Not signed in."),
        (403, "application/json"): OpenApiResponse(ErrorSerializer, "Not a patient."),
    },
)
class ExportView(JsonOrPdfMixin, ApiMixin, GenericAPIView):
    """All the patient's own data (GDPR right of access and portability): profile, screening,
    programmes with prescription and phase history, sessions with exercise entries and next-day
    checks, alerts, habits, questionnaires, reminders, consent. Sent as a file download."""

    permission_classes = [IsPatient]
    pagination_class = None
    filter_backends = []
    consent_exempt = True

    def get(self, request):
        patient = caller_patient(request.user)
        document = selectors.patient_export(patient_id=patient.pk)
        filename = export_filename(request.accepted_renderer.format)
        return Response(
            export_pdf(document) if self.wants_pdf() else document,
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )


class ConsentStateSerializer(serializers.Serializer):
    required = serializers.BooleanField(  # type: ignore[assignment]  # a declared field, not Field.required
        help_text="true: the patient must agree before using the other patient endpoints."
    )
    current_version = serializers.CharField(help_text="The consent text in force.")
    given_version = serializers.CharField(
        allow_null=True, help_text="The version the patient agreed to; null if none."
    )
    given_at = serializers.DateTimeField(allow_null=True)
    text_url = serializers.URLField(help_text="The consent text, to show to the patient.")


class ConsentGiveSerializer(serializers.Serializer):
    version = serializers.CharField(
        max_length=20, help_text="The version shown to the patient: must be the current one."
    )

    def validate_version(self, value):
        if value != services.consent_current_version():
            raise serializers.ValidationError(
                _("This is not the consent text in force; show the current one and try again.")
            )
        return value


def _state(patient) -> dict:
    return {
        "required": services.consent_required(patient),
        "current_version": services.consent_current_version(),
        "given_version": (patient.consent_version or None) if patient.consent_at else None,
        "given_at": patient.consent_at,
        "text_url": settings.SITE_URL + reverse("privacy:consent"),
    }


@extend_schema(tags=["me"])
class ConsentView(ApiMixin, GenericAPIView):
    """The patient's consent to the processing of their health data. Until they agree to the
    version in force, the other patient endpoints answer 403 with ``"code":
    "consent_required"``; export and this endpoint stay open."""

    permission_classes = [IsPatient]
    serializer_class = ConsentStateSerializer
    pagination_class = None
    filter_backends = []
    consent_exempt = True

    def get(self, request):
        return Response(ConsentStateSerializer(_state(caller_patient(request.user))).data)

    @extend_schema(request=ConsentGiveSerializer, responses={201: ConsentStateSerializer})
    def post(self, request):
        patient = caller_patient(request.user)
        serializer = ConsentGiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.consent_give(
            patient=patient,
            by=request.user,
            source=ConsentSource.API,
            version=serializer.validated_data["version"],
        )
        return Response(ConsentStateSerializer(_state(patient)).data, status=201)

    @extend_schema(responses={204: None})
    def delete(self, request):
        """Withdraw consent; the other patient endpoints answer 403 until it is given again."""
        patient = caller_patient(request.user)
        if not services.consent_required(patient):
            services.consent_withdraw(patient=patient, by=request.user, source=ConsentSource.API)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("me/export/", ExportView.as_view(), name="me-export"),
    path("me/consent/", ConsentView.as_view(), name="me-consent"),
]
