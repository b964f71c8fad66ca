"""``sessions/``: session logs with their exercise entries. Patients log their own sessions;
therapists read (and may log for) their patients'. ``POST`` honours ``Idempotency-Key``."""

from functools import cache
from types import SimpleNamespace
from typing import cast

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import F, IntegerField, Prefetch, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.response import Response

from api.base import (
    MAX_ID,
    ApiMixin,
    Conflict,
    CursorPages,
    FieldsBuiltOnce,
    IdFilter,
    Pagination,
)
from api.schema import ErrorSerializer
from audit.api_mixins import AuditedViewSetMixin
from audit.models import AuditAction
from compiled_sql import AnyOf, CompiledQuery, Param
from patients import services
from patients.api.assignments import ScopedPatientField
from patients.api.base import scoped_patient
from patients.api.safety import AdviceSerializer, flag_advice, flag_labels
from patients.models import ExerciseEntry, NextDayCheck, Patient, SessionLog
from programs.catalogue import catalogue
from programs.models import CatalogueRevision

IDEMPOTENCY_KEY_MAX = cast(int, SessionLog._meta.get_field("idempotency_key").max_length)
MAX_ENTRIES = 50
REPLAY_HEADER = "Idempotent-Replayed"
STOPPED_HELP = (
    "Required, unless a safety question was answered yes (then it may be null or absent)."
)


class EntrySerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    # A plain id, checked by the service against the prescription: a related field would cost
    # one query per entry.
    exercise = serializers.IntegerField(source="exercise_id", min_value=1, max_value=MAX_ID)
    load_kg = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=0,
        max_value=300,
        required=False,
        allow_null=True,
        coerce_to_string=False,
    )

    class Meta:
        model = ExerciseEntry
        fields = [
            "id",
            "exercise",
            "sets_done",
            "reps",
            "duration_s",
            "load_kg",
            "pain",
            "skipped",
            "skip_reason",
        ]


class EntryOutSerializer(EntrySerializer):
    exercise_name = serializers.CharField(source="exercise.name")

    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "exercise_name"]


class NextDayCheckRefSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = NextDayCheck
        fields = ["id", "answered_at", "pain", "notes", "flagged"]


class SessionSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    phase = serializers.IntegerField(source="phase.number", help_text="Phase number.")
    flag_reasons = serializers.ListField(child=serializers.CharField())
    flag_labels = serializers.SerializerMethodField(
        help_text="A short label per flag reason, in the request's language."
    )
    advice = serializers.SerializerMethodField(
        help_text="What a flagged session tells the patient to do, most urgent first."
    )
    # ``entry_list``: prefetched by ``session_queryset``, or set by the service on a new session.
    entries = EntryOutSerializer(many=True, source="entry_list")
    next_day_check = serializers.SerializerMethodField()

    class Meta:
        model = SessionLog
        fields = [
            "id",
            "patient",
            "assignment",
            "phase",
            "performed_at",
            "local_date",
            "pain_before",
            "pain_after",
            "rpe",
            "notes",
            "red_flag_saddle_numbness",
            "red_flag_bladder_bowel",
            "red_flag_leg_weakness",
            "flagged",
            "flag_reasons",
            "flag_labels",
            "advice",
            "entries",
            "next_day_check",
            "created_at",
        ]

    def to_representation(self, session):
        """Written out by hand: the list's hot path (a page of 20 sessions with their entries)
        spent most of its time in DRF's per-field machinery. The fields above still define the
        output and the schema; ``tests/api/test_sessions.py`` checks that both give the same."""
        check = None if self.context.get("new_session") else _next_day_check_of(session)
        # A new session is named from the catalogue snapshot (``texts``), a stored one by the
        # rows its query brought along.
        texts = self.context.get("texts")
        return {
            "id": session.pk,
            "patient": session.patient_id,
            "assignment": session.assignment_id,
            "phase": texts.phases[session.phase_id].number if texts else session.phase.number,
            "performed_at": _DATETIME.to_representation(session.performed_at),
            "local_date": session.local_date.isoformat(),
            "pain_before": session.pain_before,
            "pain_after": session.pain_after,
            "rpe": session.rpe,
            "notes": session.notes,
            "red_flag_saddle_numbness": session.red_flag_saddle_numbness,
            "red_flag_bladder_bowel": session.red_flag_bladder_bowel,
            "red_flag_leg_weakness": session.red_flag_leg_weakness,
            "flagged": session.flagged,
            "flag_reasons": [str(reason) for reason in session.flag_reasons],
            "flag_labels": flag_labels(session.flag_reasons),
            "advice": self.get_advice(session),
            "entries": [_entry(entry, texts) for entry in session.entry_list],
            "next_day_check": None
            if check is None
            else {
                "id": check.pk,
                "answered_at": _DATETIME.to_representation(check.answered_at),
                "pain": check.pain,
                "notes": check.notes,
                "flagged": check.flagged,
            },
            "created_at": _DATETIME.to_representation(session.created_at),
        }

    def field_by_field(self, session):
        """DRF's own representation from the declared fields (for the test of the above)."""
        return super().to_representation(session)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_flag_labels(self, session) -> list[str]:
        return flag_labels(session.flag_reasons)

    @extend_schema_field(AdviceSerializer(many=True))
    def get_advice(self, session) -> list[dict]:
        return flag_advice(session)

    @extend_schema_field(NextDayCheckRefSerializer(allow_null=True))
    def get_next_day_check(self, session) -> dict | None:
        if self.context.get("new_session"):
            return None
        check = getattr(session, "next_day_check", None)
        return None if check is None else NextDayCheckRefSerializer(check).data


_DATETIME = serializers.DateTimeField()
_LOAD = EntrySerializer._declared_fields["load_kg"]


def _next_day_check_of(session):
    return getattr(session, "next_day_check", None)


def _entry(entry, texts=None) -> dict:
    return {
        "id": entry.pk,
        "exercise": entry.exercise_id,
        "sets_done": entry.sets_done,
        "reps": entry.reps,
        "duration_s": entry.duration_s,
        "load_kg": None if entry.load_kg is None else _LOAD.to_representation(entry.load_kg),
        "pain": entry.pain,
        "skipped": entry.skipped,
        "skip_reason": entry.skip_reason,
        "exercise_name": (
            texts.exercises[entry.exercise_id].name if texts else entry.exercise.name
        ),
    }


class SessionCreateSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    patient = ScopedPatientField(
        required=False, help_text="Therapists name the patient; patients leave it out."
    )
    # The safety questions, asked before any exercise: required, never taken as "no"
    # (docs/clinical-safety.md). A yes saves the session as it is and stops the programme.
    red_flag_saddle_numbness = serializers.BooleanField(
        help_text="New numbness in the saddle area (between the legs)."
    )
    red_flag_bladder_bowel = serializers.BooleanField(
        help_text="New changes in bladder or bowel control."
    )
    red_flag_leg_weakness = serializers.BooleanField(help_text="New or worsening leg weakness.")
    entries = EntrySerializer(  # type: ignore[call-arg]  # many=True: a ListSerializer's max_length
        many=True,
        max_length=MAX_ENTRIES,
        required=False,
        default=list,
        help_text="At least one, unless a safety question was answered yes (then it may be "
        "empty or absent).",
    )

    class Meta:
        model = SessionLog
        fields = [
            "patient",
            "performed_at",
            "pain_before",
            "pain_after",
            "rpe",
            "notes",
            "red_flag_saddle_numbness",
            "red_flag_bladder_bowel",
            "red_flag_leg_weakness",
            "entries",
        ]
        extra_kwargs = {
            "pain_after": {"help_text": STOPPED_HELP},
            "rpe": {"help_text": "Effort, Borg CR10 0–10. " + STOPPED_HELP},
            "performed_at": {
                "help_text": "Not in the future, not before the programme started, at most "
                "14 days back (SESSION_BACKDATE_DAYS)."
            },
        }


class SessionCreateSchema(OpenApiSerializerExtension):
    """States the rule the service enforces, so generated clients and the schemathesis run
    know it: ``pain_after``, ``rpe`` and at least one entry are required unless a safety
    question was answered yes."""

    target_class = SessionCreateSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        answered_yes = [
            {"properties": {name: {"type": "boolean", "enum": [True]}}, "required": [name]}
            for name in services.SESSION_RED_FLAGS
        ]
        completed = {
            "properties": {
                "pain_after": {"type": "integer"},
                "rpe": {"type": "integer"},
                "entries": {"type": "array", "minItems": 1},
            },
            "required": ["pain_after", "rpe", "entries"],
        }
        return {**schema, "anyOf": [*answered_yes, completed]}


class DayOrInstantFilter(filters.CharFilter):
    """A day (``2026-03-01``, the patient's calendar day, inclusive) or an instant (ISO 8601
    with time zone)."""

    def __init__(self, *, bound: str, **kwargs):
        self.bound = bound
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        lookup = "gte" if self.bound == "after" else "lte"
        try:
            instant = parse_datetime(value) if "T" in value else None
            day = None if instant else parse_date(value)
        except ValueError:
            instant = day = None
        if instant is not None:
            if timezone.is_naive(instant):
                instant = timezone.make_aware(instant)
            return qs.filter(**{f"performed_at__{lookup}": instant})
        if day is None:
            raise exceptions.ValidationError(
                {self.field_name: [_("Give a date (YYYY-MM-DD) or a date and time (ISO 8601).")]}
            )
        return qs.filter(**{f"local_date__{lookup}": day})


class SessionFilter(filters.FilterSet):
    patient = IdFilter(field_name="patient_id", help_text="Patient id.")
    performed_after = DayOrInstantFilter(
        bound="after",
        field_name="performed_after",
        help_text="From this day (YYYY-MM-DD, inclusive) or instant (ISO 8601).",
    )
    performed_before = DayOrInstantFilter(
        bound="before",
        field_name="performed_before",
        help_text="Up to this day (YYYY-MM-DD, inclusive) or instant (ISO 8601).",
    )
    flagged = filters.BooleanFilter()

    class Meta:
        model = SessionLog
        fields = ["patient", "performed_after", "performed_before", "flagged"]


def entries_prefetch() -> Prefetch:
    return Prefetch(
        "entries",
        ExerciseEntry.objects.select_related("exercise").order_by("id"),
        to_attr="entry_list",
    )


SESSION_VALUES = (
    "id",
    "patient_id",
    "assignment_id",
    "phase_id",
    "performed_at",
    "local_date",
    "pain_before",
    "pain_after",
    "rpe",
    "notes",
    "red_flag_saddle_numbness",
    "red_flag_bladder_bowel",
    "red_flag_leg_weakness",
    "flagged",
    "flag_reasons",
    "created_at",
)
CHECK_VALUES = {
    "check_id": F("next_day_check__id"),
    "check_answered_at": F("next_day_check__answered_at"),
    "check_pain": F("next_day_check__pain"),
    "check_notes": F("next_day_check__notes"),
    "check_flagged": F("next_day_check__flagged"),
}
ENTRY_VALUES = (
    "id",
    "session_id",
    "exercise_id",
    "sets_done",
    "reps",
    "duration_s",
    "load_kg",
    "pain",
    "skipped",
    "skip_reason",
)


@cache
def _session_values_base():
    # Resolving the columns is most of the work of building this queryset; it is done once per
    # process and each request clones the result and adds its scope (make bench profiles).
    return SessionLog.objects.values(
        *SESSION_VALUES,
        **CHECK_VALUES,
        catalogue_revision=Subquery(CatalogueRevision.objects.filter(pk=1).values("number")),
    )


def session_values(user):
    """The list's rows as plain values, scoped like ``session_queryset``, with the next-day
    check joined and the catalogue revision folded in (an uncorrelated subquery PostgreSQL runs
    once per query, not per row)."""
    return _session_values_base().filter(patient__in=Patient.objects.for_user(user))


# The entries of a page of sessions, compiled once (compiled_sql): ``session_id = ANY(%s)``
# with the page's ids as one array parameter, so the SQL is the same for every page.
_PAGE_ENTRIES = CompiledQuery(
    lambda: (
        ExerciseEntry.objects.filter(
            AnyOf(F("session_id"), Param("sessions", ArrayField(IntegerField())))
        )
        .order_by("id")
        .values(*ENTRY_VALUES)
    )
)


def page_entries(session_ids: list[int]) -> list[dict]:
    if connection.vendor == "postgresql":
        return _PAGE_ENTRIES.rows(sessions=session_ids)
    else:  # pragma: no cover - SQLite (make run's default, tests/smoke) has no arrays
        entries = ExerciseEntry.objects.filter(session_id__in=session_ids)
        return list(entries.order_by("id").values(*ENTRY_VALUES))


def session_rows(rows: list[dict]) -> list[dict]:
    """``SessionSerializer``'s output for a page of ``session_values`` rows: the entries in one
    query, phase numbers and exercise names from the catalogue snapshot."""
    if not rows:
        return []
    texts = catalogue(revision=rows[0]["catalogue_revision"])
    entries: dict[int, list[dict]] = {row["id"]: [] for row in rows}
    for entry in page_entries(list(entries)):
        entries[entry["session_id"]].append(entry)
    return [_session_row(row, entries[row["id"]], texts) for row in rows]


def _session_row(row: dict, entries: list[dict], texts) -> dict:
    reasons = row["flag_reasons"]
    return {
        "id": row["id"],
        "patient": row["patient_id"],
        "assignment": row["assignment_id"],
        "phase": texts.phases[row["phase_id"]].number,
        "performed_at": _DATETIME.to_representation(row["performed_at"]),
        "local_date": row["local_date"].isoformat(),
        "pain_before": row["pain_before"],
        "pain_after": row["pain_after"],
        "rpe": row["rpe"],
        "notes": row["notes"],
        "red_flag_saddle_numbness": row["red_flag_saddle_numbness"],
        "red_flag_bladder_bowel": row["red_flag_bladder_bowel"],
        "red_flag_leg_weakness": row["red_flag_leg_weakness"],
        "flagged": row["flagged"],
        "flag_reasons": [str(reason) for reason in reasons],
        "flag_labels": flag_labels(reasons),
        "advice": flag_advice(SimpleNamespace(**row)),
        "entries": [_entry_row(entry, texts) for entry in entries],
        "next_day_check": None
        if row["check_id"] is None
        else {
            "id": row["check_id"],
            "answered_at": _DATETIME.to_representation(row["check_answered_at"]),
            "pain": row["check_pain"],
            "notes": row["check_notes"],
            "flagged": row["check_flagged"],
        },
        "created_at": _DATETIME.to_representation(row["created_at"]),
    }


def _entry_row(entry: dict, texts) -> dict:
    load = entry["load_kg"]
    return {
        "id": entry["id"],
        "exercise": entry["exercise_id"],
        "sets_done": entry["sets_done"],
        "reps": entry["reps"],
        "duration_s": entry["duration_s"],
        "load_kg": None if load is None else _LOAD.to_representation(load),
        "pain": entry["pain"],
        "skipped": entry["skipped"],
        "skip_reason": entry["skip_reason"],
        "exercise_name": texts.exercises[entry["exercise_id"]].name,
    }


def session_queryset(user):
    return (
        SessionLog.objects.filter(patient__in=Patient.objects.for_user(user))
        .select_related("phase", "next_day_check")
        .prefetch_related(entries_prefetch())
    )


class SessionPagination(CursorPages):
    """Newest first. A cursor stays correct while new sessions arrive, and costs no count."""

    ordering = ("-performed_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_description = "The cursor from `next` or `previous` of the page before."
    page_size_query_description = Pagination.page_size_query_description


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
    OpenApiParameter.HEADER,
    description=(
        "Any unique string (e.g. a UUID) per session the client logs. A retry with the same key "
        "and body answers the first response again (201, header `Idempotent-Replayed: true`) "
        "and stores nothing; the same key with another body answers 409."
    ),
)


@extend_schema(tags=["sessions"])
class SessionViewSet(
    AuditedViewSetMixin,
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Session logs in the caller's scope with their exercise entries, newest first."""

    lookup_value_regex = r"\d+"
    pagination_class = SessionPagination
    filterset_class = SessionFilter

    def get_queryset(self):
        return session_queryset(self.request.user)

    def get_serializer_class(self):
        return SessionCreateSerializer if self.action == "create" else SessionSerializer

    def list(self, request, *args, **kwargs):
        """Plain values and the catalogue snapshot, no model instances (docs/architecture.md):
        the same answer as ``SessionSerializer`` (tests/api/test_sessions.py compares them)."""
        page = self.paginate_queryset(self.filter_queryset(session_values(request.user)))
        for row in page:
            self.audit_access(
                AuditAction.LIST,
                patient_id=row["patient_id"],
                obj_type=SessionLog,
                obj_id=row["id"],
            )
        return self.get_paginated_response(session_rows(page))

    @extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        request=SessionCreateSerializer,
        responses={
            201: OpenApiResponse(
                SessionSerializer, description="The stored session (also for a replayed retry)."
            ),
            409: OpenApiResponse(
                ErrorSerializer, description="The Idempotency-Key was used for another body."
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        """Log a session, all or nothing. Flags and the therapist's alerts come from the same
        rules as the portal; a flagged session carries advice for the patient."""
        key = self._idempotency_key(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        patient = scoped_patient(request, data.pop("patient", None))
        entries = [{"exercise": entry.pop("exercise_id"), **entry} for entry in data.pop("entries")]
        try:
            session, created = services.session_log_create(
                patient=patient,
                entries=entries,
                idempotency_key=key,
                fingerprint=services.request_fingerprint(request.data) if key else "",
                **data,
            )
        except services.IdempotencyConflict:
            raise Conflict(
                _("This Idempotency-Key was already used for a different session.")
            ) from None
        # A therapist logging for a patient is recorded; a replay only answered it again.
        self.audit_write(AuditAction.ADD if created else AuditAction.VIEW, session)
        if created:
            # Serialize the new session as it is in memory: the service hands back its entries
            # and the catalogue revision it read, which names the phase and the exercises from
            # the snapshot; there is no next-day check yet (the context says so, not a query).
            context = {
                "new_session": True,
                "texts": catalogue(revision=session.catalogue_revision),
            }
            headers = {}
        else:
            session, context = self.get_queryset().get(pk=session.pk), {}
            headers = {REPLAY_HEADER: "true"}
        return Response(
            SessionSerializer(session, context=context).data, status=201, headers=headers
        )

    def _idempotency_key(self, request) -> str | None:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return None
        key = key.strip()
        if not key or len(key) > IDEMPOTENCY_KEY_MAX:
            raise exceptions.ValidationError(
                {
                    "Idempotency-Key": [
                        _("Give a key of 1 to %(max)d characters.") % {"max": IDEMPOTENCY_KEY_MAX}
                    ]
                }
            )
        return key
