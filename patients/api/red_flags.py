"""Screening and clearance for practice systems (docs/api.md "Screening and red flags"): the
red-flag codes with their labels, the red flags of the caller's patients, and medical
clearance. A screening is recorded at ``patients/{id}/screenings/`` (``patients.api.patients``).
The rules — which signs stop a programme, what clearance resumes — are ``patients.services``'
(docs/clinical-safety.md)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import ApiMixin, IdFilter, IsTherapist
from audit.api_mixins import AuditedViewSetMixin
from audit.models import AuditAction
from patients import services
from patients.api.safety import StrictCharField
from patients.models import Patient, RedFlag, RedFlagSign, RedFlagSource, Screening, ScreeningPrompt

NOTE_MAX = RedFlag._meta.get_field("clearance_note").max_length
SCREENING_NOTES_MAX = Screening._meta.get_field("notes").max_length

GROUPS = {
    "fracture": _("Fracture"),
    "tumour": _("Tumour"),
    "infection": _("Infection"),
    "radicular": _("Radiculopathy"),
    "cauda": _("Cauda equina"),
    "inflammatory": _("Inflammatory back pain"),
}
# The group each screening prompt asks about (its label says the same in words).
PROMPT_GROUPS: dict[str, str] = {
    ScreeningPrompt.AGE_OVER_50: "tumour",
    ScreeningPrompt.CHRONIC_INFLAMMATORY: "inflammatory",
}


def prompt_group(code: str) -> str:
    return PROMPT_GROUPS.get(code, "inflammatory")


def red_flag_codes() -> list[dict[str, Any]]:
    """Every red-flag sign of the screening, then the prompts (``prompt`` true: looked into,
    never blocking by themselves)."""
    rows: list[dict[str, Any]] = [
        {
            "code": sign.value,
            "label": sign.label,
            "group": RedFlagSign.group_of(sign),
            "prompt": False,
        }
        for sign in RedFlagSign
    ]
    rows += [
        {"code": prompt.value, "label": prompt.label, "group": prompt_group(prompt), "prompt": True}
        for prompt in ScreeningPrompt
    ]
    for row in rows:
        row["label"] = str(row["label"])
        row["group_label"] = str(GROUPS[row["group"]])
    return rows


class RedFlagCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField(help_text="In the request's language.")  # type: ignore[assignment]  # a declared field, not Field.label
    group = serializers.ChoiceField(choices=list(GROUPS))
    group_label = serializers.CharField()
    prompt = serializers.BooleanField(
        help_text="true: a prompt to look into (send it in a screening's `prompts`); false: a "
        "red flag (`red_flags`) that stops the programme until clearance."
    )


@extend_schema(tags=["red-flags"], responses=RedFlagCodeSerializer(many=True))
class RedFlagCodesView(ApiMixin, APIView):
    """The codes a screening takes: the guideline's red flags by group, and the prompts. A
    fixed list, not paginated."""

    pagination_class = None
    filter_backends = []

    def get(self, request):
        return Response(red_flag_codes())


# --- screenings (an action of patients/) ------------------------------------------------------


class ScreeningCreateSerializer(serializers.Serializer):
    red_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=RedFlagSign.choices),
        max_length=len(RedFlagSign.values),
        help_text="The red flags found (codes from red-flag-codes/; empty: none found). Each "
        "becomes an open red flag unless the same one is open already, and stops a running "
        "programme.",
    )
    prompts = serializers.ListField(
        child=serializers.ChoiceField(choices=ScreeningPrompt.choices),
        max_length=len(ScreeningPrompt.values),
        required=False,
        default=list,
        help_text="The prompts the screener looked into (codes marked `prompt`).",
    )
    notes = StrictCharField(
        max_length=SCREENING_NOTES_MAX, required=False, allow_blank=True, default=""
    )


class ScreeningSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    screened_at = serializers.DateTimeField()
    screened_by = serializers.CharField(allow_null=True, help_text="Who screened (username).")
    red_flags = serializers.ListField(
        child=serializers.CharField(), help_text="The red flags this screening found."
    )
    prompts = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField()
    open_red_flags = serializers.ListField(
        child=serializers.CharField(),
        help_text="Every red flag of the patient that is open now (found before included).",
    )


def screening_answer(screening: Screening, *, signs: list[str], screened_by) -> dict:
    open_signs = RedFlag.objects.filter(
        patient_id=screening.patient_id, cleared_at__isnull=True
    ).values_list("sign", flat=True)
    return ScreeningSerializer(
        {
            "id": screening.pk,
            "patient_id": screening.patient_id,
            "screened_at": screening.screened_at,
            "screened_by": screened_by.get_username(),
            "red_flags": list(dict.fromkeys(signs)),
            "prompts": screening.prompts,
            "notes": screening.notes,
            "open_red_flags": sorted(set(open_signs)),
        }
    ).data


# --- red-flags/ -------------------------------------------------------------------------------


class RedFlagSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="sign")
    label = serializers.CharField(source="get_sign_display")  # type: ignore[assignment]  # a declared field, not Field.label
    raised_at = serializers.DateTimeField(source="recorded_at")
    cleared_by = serializers.CharField(
        source="cleared_by.username", allow_null=True, help_text="Who recorded the clearance."
    )
    note = serializers.CharField(source="clearance_note", help_text="The clearance note.")

    class Meta:
        model = RedFlag
        fields = [
            "id",
            "patient",
            "code",
            "label",
            "source",
            "raised_at",
            "cleared_at",
            "cleared_by",
            "note",
        ]


class ClearSerializer(serializers.Serializer):
    note = StrictCharField(
        max_length=NOTE_MAX,
        help_text="The medical clearance: who cleared what, and why training may go on.",
    )


class RedFlagFilter(filters.FilterSet):
    patient = IdFilter(field_name="patient_id", help_text="Patient id.")
    # "true"/"false" only: django-filter's BooleanFilter quietly ignores anything else.
    open = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_open",
        help_text="true: not cleared yet; false: cleared.",
    )
    source = filters.ChoiceFilter(choices=RedFlagSource.choices)

    class Meta:
        model = RedFlag
        fields = ["patient", "open", "source"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(cleared_at__isnull=value == "true")


def red_flag_queryset(user):
    return (
        RedFlag.objects.filter(patient__in=Patient.objects.for_user(user))
        .select_related("cleared_by")
        .order_by("-recorded_at", "-id")
    )


@extend_schema(tags=["red-flags"])
class RedFlagViewSet(
    AuditedViewSetMixin,
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Red flags of the caller's patients (a patient: their own), newest first: from
    screenings, sessions and symptom reports. Open ones stop the programme until a therapist
    of the patient records clearance (``clear/``)."""

    serializer_class = RedFlagSerializer
    lookup_value_regex = r"\d+"
    filterset_class = RedFlagFilter

    def get_queryset(self):
        return red_flag_queryset(self.request.user)

    @extend_schema(request=ClearSerializer, responses=RedFlagSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsTherapist])
    def clear(self, request, pk=None):
        """Record medical clearance with a note. Clearing the patient's last open red flag
        resumes the programme the red flags stopped; the programme's history keeps who, when
        and why."""
        red_flag = self.get_object()
        serializer = ClearSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        red_flag = services.red_flag_clear(
            red_flag=red_flag, cleared_by=request.user, note=serializer.validated_data["note"]
        )
        self.audit_write(
            AuditAction.CHANGE, red_flag, fields=("cleared_at", "cleared_by", "clearance_note")
        )
        return Response(RedFlagSerializer(red_flag).data)
