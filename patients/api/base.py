"""What every API resource shares: who may call it, pagination, lazy filtering, the caller's
patient profile and day."""

from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser

from patients import rules
from patients.models import Patient
from privacy.services import consent_current_version, consent_required


def caller_patient(user) -> Patient | None:
    """The caller's own patient profile (None for staff and for logins without one). Token
    requests have it already: the authentication fetched it with the user."""
    if not user.is_authenticated or user.is_staff:
        return None
    try:
        return user.patient
    except Patient.DoesNotExist:
        return None


def patient_day(patient: Patient) -> date:
    """Today in the patient's own calendar (docs/product.md, what is due)."""
    return rules.local_day(timezone.now(), patient.time_zone)


def practice_day() -> date:
    return rules.local_day(timezone.now(), settings.TIME_ZONE)


class IsPatient(permissions.BasePermission):
    message = _("Only patients can use this; therapists work with patients/ and sessions/.")

    def has_permission(self, request, view):
        return caller_patient(request.user) is not None


class IsTherapist(permissions.BasePermission):
    """Staff: the practice's therapists and the practice admin."""

    message = _("Only therapists can do this.")

    def has_permission(self, request, view):
        return bool(request.user.is_authenticated and request.user.is_staff)


class TherapistWrites(permissions.BasePermission):
    """Everyone signed in reads (querysets are scoped); only therapists write."""

    message = IsTherapist.message

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or request.user.is_staff


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "18:00"}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time as "HH:MM" (seconds are accepted on input and dropped)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_description = "Page number (from 1)."
    page_size_query_description = "Results per page (at most 100; default 20)."


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """An id in a query parameter: a whole number, so a fraction answers 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


class LazyFilterBackend(DjangoFilterBackend):
    """django-filter that builds its filterset (and the form behind it) only when the request
    sends one of its parameters: an unfiltered list, the common case, skips that work."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not set(filterset_class.base_filters) & set(
            request.query_params
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


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
                "consent_version": consent_current_version(),
            }
        )


class ApiMixin:
    """Defaults for the patient-data resources: JSON in, signed-in callers, pages of 20. A
    patient who has not agreed to the consent text in force gets 403 ``consent_required``
    everywhere but the views marked ``consent_exempt`` (consent and data export)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]
    pagination_class = Pagination
    filter_backends = [LazyFilterBackend]
    consent_exempt = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not self.consent_exempt:
            patient = caller_patient(request.user)
            if patient is not None and consent_required(patient):
                raise ConsentRequired()


def scoped_patient(request, patient: Patient | None) -> Patient:
    """The patient a write is for: a patient writes for themselves; a therapist names one of
    their patients (the serializer's field is scoped already)."""
    own = caller_patient(request.user)
    if own is not None:
        if patient is not None and patient.pk != own.pk:
            raise exceptions.ValidationError({"patient": [_("You can only write your own data.")]})
        return own
    if patient is None:
        raise exceptions.ValidationError({"patient": [_("Name the patient.")]})
    return patient


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = _("This request conflicts with an earlier one.")
    default_code = "conflict"
