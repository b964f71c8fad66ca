"""What the API tells a patient to do, and ``me/symptom-reports/``: "something is wrong" on any
day, without a session (docs/api.md "me/symptom-reports/", docs/clinical-safety.md).

Advice comes from ``patients.rules`` (``session_advice``, ``red_flag_advice``) and is answered
as ``[{"code", "level", "text"}]``, most urgent first, so a client shows it as it comes."""

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListCreateAPIView
from rest_framework.response import Response

from api.base import ApiMixin
from patients import rules, services
from patients.api.base import IsPatient, caller_patient
from patients.models import AssignmentStatus, SymptomReport
from patients.models import flag_labels as models_flag_labels

NOTES_MAX = SymptomReport._meta.get_field("notes").max_length
PAUSED_TEXT = _("Your programme is paused: nothing is due until your therapist resumes it.")


class StrictCharField(serializers.CharField):
    """Text that must be sent as a JSON string: DRF's CharField would store ``0`` as "0",
    which the schema (``type: string``) does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class AdviceSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable code of the advice, e.g. emergency_now, doctor_today, "
        "programme_stopped, stop_today, programme_paused."
    )
    level = serializers.ChoiceField(
        choices=[level.value for level in rules.AdviceLevel],
        help_text="urgent: act now (emergency department, doctor today); warning: stop or change "
        "training; info: good to know.",
    )
    text = serializers.CharField(help_text="What to tell the patient, in the request's language.")


class PracticeSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Empty when the practice has not set one.")


def advice_rows(advice: Iterable[rules.Advice]) -> list[dict]:
    return [
        {"code": item.code, "level": str(item.level), "text": str(item.message)} for item in advice
    ]


def today_advice(*, state, status: str | None) -> list[dict]:
    """``me/today/``: the safety advice (open red flags, high pain today) from
    ``selectors.safety_state``, then what the today page says about the programme's state."""
    advice = list(state.advice)
    if status == AssignmentStatus.STOPPED and rules.Advice.PROGRAMME_STOPPED not in advice:
        advice.append(rules.Advice.PROGRAMME_STOPPED)
    rows = advice_rows(advice)
    if status == AssignmentStatus.PAUSED:
        rows.append(
            {
                "code": "programme_paused",
                "level": str(rules.AdviceLevel.INFO),
                "text": str(PAUSED_TEXT),
            }
        )
    return rows


def answered_signs(obj) -> list[str]:
    """The warning signs a session or a symptom report answered yes to."""
    return [
        sign for field, sign in services.SESSION_RED_FLAGS.items() if getattr(obj, field, False)
    ]


def flag_advice(obj) -> list[dict]:
    """The advice for a stored session or symptom report, from its flag reasons and signs."""
    known = [code for code in obj.flag_reasons if code in rules.FlagReason]
    return advice_rows(rules.session_advice(known, red_flags=answered_signs(obj)))


def flag_labels(codes: Iterable[str]) -> list[str]:
    """A short label per flag reason code, in the request's language."""
    return models_flag_labels(codes)


def practice() -> dict:
    return {"name": settings.PRACTICE_NAME, "phone": settings.PRACTICE_PHONE}


# --- me/symptom-reports/ ----------------------------------------------------------------------


class SymptomReportCreateSerializer(serializers.Serializer):
    red_flag_saddle_numbness = serializers.BooleanField(
        help_text="New numbness in the saddle area (between the legs). Required: no default."
    )
    red_flag_bladder_bowel = serializers.BooleanField(
        help_text="New changes in bladder or bowel control. Required: no default."
    )
    red_flag_leg_weakness = serializers.BooleanField(
        help_text="New or worsening weakness in a leg. Required: no default."
    )
    pain = serializers.IntegerField(min_value=0, max_value=10, help_text="Pain now, NRS 0–10.")
    notes = StrictCharField(max_length=NOTES_MAX, required=False, allow_blank=True, default="")


class SymptomReportSerializer(serializers.ModelSerializer):
    flag_reasons = serializers.ListField(child=serializers.CharField())
    flag_labels = serializers.SerializerMethodField()
    advice = serializers.SerializerMethodField(
        help_text="What the patient should do now, most urgent first."
    )
    practice = serializers.SerializerMethodField(
        help_text="Whom to call: the practice's name and phone number."
    )

    class Meta:
        model = SymptomReport
        fields = [
            "id",
            "reported_at",
            "local_date",
            "red_flag_saddle_numbness",
            "red_flag_bladder_bowel",
            "red_flag_leg_weakness",
            "pain",
            "notes",
            "flagged",
            "flag_reasons",
            "flag_labels",
            "advice",
            "practice",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_flag_labels(self, report) -> list[str]:
        return flag_labels(report.flag_reasons)

    @extend_schema_field(AdviceSerializer(many=True))
    def get_advice(self, report) -> list[dict]:
        return flag_advice(report)

    @extend_schema_field(PracticeSerializer)
    def get_practice(self, report) -> dict:
        return practice()


def symptom_report_queryset(patient):
    return SymptomReport.objects.filter(patient=patient).order_by("-reported_at", "-id")


@extend_schema(tags=["me"])
class SymptomReportView(ApiMixin, ListCreateAPIView):
    """ "Something is wrong": the patient reports warning signs and pain on any day, with or
    without a programme. A yes to a warning sign stops the programme and tells the therapist
    at once; pain above 5 reaches the therapist the same day. ``GET`` lists the patient's own
    reports, newest first."""

    permission_classes = [IsPatient]
    filter_backends = []
    # A warning sign is taken even before the patient agreed to a new consent text: the
    # programme must stop and the therapist must hear of it (docs/clinical-safety.md).
    consent_exempt = True

    def get_queryset(self):
        return symptom_report_queryset(caller_patient(self.request.user))

    def get_serializer_class(self):
        if self.request.method == "POST":
            return SymptomReportCreateSerializer
        return SymptomReportSerializer

    @extend_schema(
        request=SymptomReportCreateSerializer,
        responses={201: SymptomReportSerializer},
    )
    def post(self, request, *args, **kwargs):
        serializer = SymptomReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.symptom_report_create(
            patient=caller_patient(request.user), **serializer.validated_data
        )
        return Response(SymptomReportSerializer(report).data, status=201)
