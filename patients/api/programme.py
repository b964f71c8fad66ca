"""``me/programme/``: the signed-in patient's take-home programme (docs/api.md), as JSON or, with
``?format=pdf``, as the printable PDF the portal serves at /programme.pdf. ``?lang=de|en``
chooses the language; the patient's own is the default."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api.base import ApiMixin, JsonOrPdfMixin
from api.schema import ErrorSerializer, ValidationErrorSerializer
from patients import programme_pdf, selectors
from patients.api.base import IsPatient, caller_patient
from programs.api.serializers import MediaSerializer


class DoseLineSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    text = serializers.CharField()


class ProgrammeExerciseSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    phase = serializers.IntegerField(help_text="The phase the exercise belongs to.")
    goal = serializers.CharField(help_text="The training goal's name.")
    dose = DoseLineSerializer(many=True, help_text="The dose in words: amount, tempo, rest, …")
    equipment = serializers.CharField()
    cues = serializers.ListField(child=serializers.CharField(), help_text="Key points.")
    safety = serializers.CharField(help_text="Safety notes of the exercise.")
    media = MediaSerializer(many=True)


class ProgrammePhaseSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    aim = serializers.CharField()


class ProgrammeSerializer(serializers.Serializer):
    language = serializers.CharField()
    name = serializers.CharField(help_text="The patient's name as printed.")
    practice = serializers.DictField(child=serializers.CharField(), help_text="name, phone")
    phase = ProgrammePhaseSerializer(allow_null=True, help_text="null: no programme yet.")
    exercises = ProgrammeExerciseSerializer(many=True)
    pain_rule = serializers.ListField(child=serializers.CharField())
    red_flags = serializers.ListField(
        child=serializers.CharField(), help_text="What to do on a warning sign (urgent)."
    )
    login_url = serializers.URLField(help_text="The portal's login page (the PDF's QR code).")


@extend_schema(
    tags=["me"],
    parameters=[
        OpenApiParameter("format", str, enum=["json", "pdf"], description="pdf: the A4 PDF."),
        OpenApiParameter("lang", str, enum=["de", "en"], description="Default: the patient's."),
    ],
    responses={
        (200, "application/json"): OpenApiResponse(ProgrammeSerializer, "The programme."),
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, "The printable PDF."),
        (400, "application/json"): OpenApiResponse(
            ValidationErrorSerializer, "Unknown format or language."
        ),
        (401, "application/json"): OpenApiResponse(ErrorSerializer, "Not signed in."),
        (403, "application/json"): OpenApiResponse(ErrorSerializer, "Not a patient."),
    },
)
class ProgrammeView(JsonOrPdfMixin, ApiMixin, GenericAPIView):
    """The patient's take-home programme: phase and aim, each prescribed exercise with its dose
    in words, key points, safety notes and pictures, the pain rule and what to do on a warning
    sign. Without a programme: ``phase`` null and no exercises."""

    permission_classes = [IsPatient]
    serializer_class = ProgrammeSerializer
    pagination_class = None
    filter_backends = []

    def get(self, request):
        patient = caller_patient(request.user)
        language = programme_pdf.language_for(patient, request.query_params.get("lang"))
        if language is None:
            raise exceptions.ValidationError({"lang": [_("Choose de or en.")]})
        programme = selectors.take_home_programme(patient=patient)
        if self.wants_pdf():
            response = Response(programme_pdf.programme_pdf(programme, language=language))
            response["Content-Disposition"] = f'inline; filename="programme-{language}.pdf"'
            response["Content-Language"] = language
            return response
        with translation.override(language):
            assignment = programme.assignment
            phase = None if assignment is None else assignment.current_phase
            body = {
                "language": language,
                "name": str(patient),
                "practice": {"name": settings.PRACTICE_NAME, "phone": settings.PRACTICE_PHONE},
                "phase": None
                if phase is None
                else {"number": phase.number, "name": phase.name, "aim": phase.aim},
                "exercises": [
                    {**vars(sheet), "dose": [{"label": a, "text": b} for a, b in sheet.dose]}
                    for sheet in programme_pdf.exercise_sheets(programme)
                ],
                "pain_rule": programme_pdf.pain_rule(patient),
                "red_flags": programme_pdf.red_flag_rule(),
                "login_url": programme_pdf.login_url(),
            }
            data = ProgrammeSerializer(body, context={"request": request}).data
        response = Response(data)
        response["Content-Language"] = language
        return response
