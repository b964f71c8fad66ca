"""What every API resource shares: who may call it, pagination, lazy filtering, strict query
numbers, conflicts and documents as JSON or PDF. Nothing here knows an app's models: the
caller's patient profile is in ``patients.api.base``, the consent gate in ``privacy.api``
(``API_CALLER_CHECKS``)."""

import copy
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.http import Http404
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.filters import BooleanFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers
from rest_framework.filters import OrderingFilter as DrfOrderingFilter
from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer

from api import strict_types
from api.parsers import JSONObjectParser

if TYPE_CHECKING:  # the mixins below are read as the DRF views they are mixed into
    from rest_framework.generics import GenericAPIView
    from rest_framework.views import APIView

    _GenericView = GenericAPIView[Any]
    _View = APIView
else:
    _GenericView = _View = object

strict_types.install()  # JSON bodies: each field takes its own JSON type only


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


# The largest key a column can hold on both databases (bigint on PostgreSQL, SQLite's INTEGER):
# a larger id in a query or a body answers 400, never an overflow in the database driver.
MAX_ID = 2**63 - 1
MAX_PAGE = 2**31 - 1
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,20}")


def query_int(request, name: str, *, minimum: int, maximum: int) -> int | None:
    """A whole number from the query string (None when the parameter is absent); anything else,
    or a number out of bounds, answers 400 naming the parameter."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not WHOLE_NUMBER.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise exceptions.ValidationError(
            {
                name: [
                    _("Enter a whole number from %(minimum)d to %(maximum)d.")
                    % {"minimum": minimum, "maximum": maximum}
                ]
            }
        )
    return int(raw)


class PageNumbers(PageNumberPagination):
    """Pages by number, strictly: ``page`` and ``page_size`` that are no whole number or out of
    bounds answer 400 (DRF would quietly use another page size and answer 404 for "abc"); a
    page past the last answers 404. The schema states the same bounds. The catalogue's
    pagination (``DEFAULT_PAGINATION_CLASS``); the patient-data lists use ``Pagination``."""

    page_query_description = "Page number (from 1); past the last page answers 404."

    def get_page_number(self, request, paginator):
        number = query_int(request, self.page_query_param, minimum=1, maximum=MAX_PAGE)
        return 1 if number is None else number

    def get_page_size(self, request):
        if not self.page_size_query_param:
            return self.page_size
        size = query_int(request, self.page_size_query_param, minimum=1, maximum=self.max_page_size)
        return self.page_size if size is None else size

    def get_schema_operation_parameters(self, view):
        return bounded_parameters(
            super().get_schema_operation_parameters(view),
            {self.page_query_param: MAX_PAGE, self.page_size_query_param: self.max_page_size},
        )


def bounded_parameters(parameters: list[dict], maximum: dict) -> list[dict]:
    """Query parameters with ``{"type": "integer", "minimum": 1, "maximum": …}`` for the named
    ones."""
    for parameter in parameters:
        if parameter["name"] in maximum:
            parameter["schema"] = {
                "type": "integer",
                "minimum": 1,
                "maximum": maximum[parameter["name"]],
            }
    return parameters


class CursorPages(CursorPagination):
    """Cursor pagination with the same strict ``page_size`` as ``PageNumbers``; a cursor that
    was not handed out answers 404."""

    get_page_size = PageNumbers.get_page_size

    def get_schema_operation_parameters(self, view):
        return bounded_parameters(
            super().get_schema_operation_parameters(view),
            {self.page_size_query_param: self.max_page_size},
        )


# For a ``ModelSerializer`` on a busy endpoint: its fields are built from the model once per
# process and language and copied for each instance, as DRF copies declared fields, instead of
# being built from the model's metadata every time (a tenth of logging a session, make bench).
# Per language, because DRF words some validators' messages when it builds the field. Only for
# serializers whose fields depend on nothing else of the request or the instance. (No
# docstring: the OpenAPI schema would take it as the description of every serializer without
# one.)
class FieldsBuiltOnce:
    _fields_built: dict[str | None, dict[str, serializers.Field]]

    def get_fields(self):
        kept = type(self).__dict__.get("_fields_built")
        if kept is None:
            kept = type(self)._fields_built = {}
        language = get_language()
        built = kept.get(language)
        if built is None:
            built = kept[language] = super().get_fields()  # type: ignore[misc]
        # The kept fields are never bound: binding (name, parent, source, label) happens on the
        # copies, so a shallow copy of a plain field is a fresh one. A field holding fields of
        # its own (a nested serializer, a list's child) is copied deeply, as DRF does, so they
        # are bound to the copy.
        return {name: _copy_field(field) for name, field in built.items()}


def _copy_field(field: serializers.Field) -> serializers.Field:
    nested = isinstance(field, serializers.BaseSerializer) or any(
        hasattr(field, name) for name in ("child", "child_relation")
    )
    return copy.deepcopy(field) if nested else copy.copy(field)


class Pagination(PageNumbers):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_size_query_description = "Results per page (1–100; default 20)."


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An id in a query parameter: a whole number from 1 to ``MAX_ID``, else 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
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
        for name, filter_ in filterset_class.base_filters.items():
            # django-filter ignores a boolean it cannot read; the schema says true or false.
            value = request.query_params.get(name)
            if isinstance(filter_, BooleanFilter) and value not in (None, "true", "false"):
                raise exceptions.ValidationError({name: [_("Enter true or false.")]})
        return super().filter_queryset(request, queryset, view)


class OrderingFilter(DrfOrderingFilter):
    """``?ordering=<name>`` or ``-<name>``, one of the names in the view's ``ordering_fields``:
    a list of model fields, or a dict of public names → the field path each sorts by
    (``{"last_name": "user__last_name"}``). The schema lists every accepted value as an enum;
    anything else answers 400 (DRF would ignore it), and ``id`` breaks ties so pages are stable.
    """

    def public_fields(self, view) -> dict[str, str]:
        fields = getattr(view, "ordering_fields", None) or []
        if isinstance(fields, dict):
            return dict(fields)
        return {name: name for name in fields}

    def accepted_values(self, view) -> list[str]:
        names = list(self.public_fields(view))
        return [value for name in names for value in (name, f"-{name}")]

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get(self.ordering_param, "").strip()
        if not value:
            return self.get_default_ordering(view)
        fields = self.public_fields(view)
        name = value.removeprefix("-")
        if name not in fields:
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("Unknown ordering. Use one of: %(values)s.")
                        % {"values": ", ".join(self.accepted_values(view))}
                    ]
                }
            )
        direction = "-" if value.startswith("-") else ""
        return [f"{direction}{fields[name]}", f"{direction}id"]

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by this field; a leading `-` sorts descending.",
                "schema": {"type": "string", "enum": self.accepted_values(view)},
            }
        ]


@cache
def caller_checks(paths: tuple[str, ...]) -> list:
    """The callables named in a setting (``API_CALLER_CHECKS``, ``PORTAL_CALLER_CHECKS``)."""
    return [import_string(path) for path in paths]


class ApiMixin(_GenericView):
    """Defaults for the patient-data resources: JSON in, signed-in callers, pages of 20. Each
    check named in ``API_CALLER_CHECKS`` runs on every request but in the views marked
    ``consent_exempt`` (consent, data export, a warning sign): privacy's consent gate answers a
    patient who has not agreed to the consent text in force 403 ``consent_required``."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONObjectParser]
    pagination_class: type[BasePagination] | None = Pagination
    filter_backends = [LazyFilterBackend]
    consent_exempt = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not self.consent_exempt:
            for check in caller_checks(tuple(settings.API_CALLER_CHECKS)):
                check(request)


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = _("This request conflicts with an earlier one.")
    default_code = "conflict"


class PdfRenderer(BaseRenderer):
    """Passes on the PDF bytes the view made; errors are rendered as JSON (``JsonOrPdfMixin``)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class JsonOrPdfMixin(_View):
    """A document as JSON, or with ``?format=pdf`` as a PDF the view renders itself. Any other
    format answers 400, and an error is JSON even when the PDF was asked for."""

    renderer_classes = [JSONRenderer, PdfRenderer]

    def perform_content_negotiation(self, request, force=False):
        # An empty ?format= would quietly mean JSON; the schema lists json and pdf only.
        if not force and request.query_params.get("format", "json") not in ("json", "pdf"):
            raise exceptions.ValidationError({"format": [_("Choose json or pdf.")]})
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            raise exceptions.ValidationError({"format": [_("Choose json or pdf.")]}) from None

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), PdfRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def wants_pdf(self) -> bool:
        return self.request.accepted_renderer.format == "pdf"
