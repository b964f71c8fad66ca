"""Reads for questionnaires: definitions with everything scoring and export need, and which
questionnaires are due for a patient.

Schedule: a questionnaire with ``schedule_weeks = [0, 4, 12]`` and ``due_window_days = 14`` is
due, counting from the programme start S, on days S … S+13 (week 0, the baseline), S+28 … S+41
(week 4) and S+84 … S+97 (week 12) — as long as the patient has not yet answered it for that
week since S. Outside the windows nothing is due: a missed follow-up is not chased for ever.
The programme start is the start date of the open (active or paused) assignment, else of the
most recent one.

On demand: a questionnaire a therapist sent (``QuestionnaireRequest``) is due from the moment it
was sent until it is answered or cancelled, with or without a programme; ``due_on`` is the day
it should be answered by. A questionnaire due both ways is listed once (docs/product.md,
"Questionnaires on demand").
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    DateTimeField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import translation

from compiled_sql import CompiledQuery, Param, model_columns, model_from_row
from patients.models import Assignment, AssignmentStatus, Patient
from patients.rules import local_day
from questionnaires.models import Option, Questionnaire, QuestionnaireRequest, Response, ScoreBand
from questionnaires.scoring import Band, ItemRule, ScoringDefinition

OPEN_STATUSES = (AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED)


@dataclass(frozen=True)
class Due:
    questionnaire: Questionnaire
    due_week: int | None  # None: sent on demand only
    opens_on: date
    closes_on: date  # last day, inclusive; a request's due date (it stays open after it)
    request: QuestionnaireRequest | None = None


def questionnaires_with_definition(
    queryset: QuerySet[Questionnaire] | None = None,
) -> QuerySet[Questionnaire]:
    """Questionnaires with items, options and bands prefetched: three queries however many."""
    queryset = Questionnaire.objects.all() if queryset is None else queryset
    return queryset.prefetch_related(
        "items",
        Prefetch("items__options", queryset=Option.objects.order_by("order", "value")),
        "bands",
    )


def scoring_definition(questionnaire: Questionnaire) -> ScoringDefinition:
    """The pure scoring definition of a questionnaire (prefetch with
    ``questionnaires_with_definition`` to keep it to a fixed number of queries)."""
    items = []
    for item in questionnaire.items.all():
        values = [option.value for option in item.options.all()]
        items.append(
            ItemRule(
                link_id=item.link_id,
                low=min(values, default=0),
                high=max(values, default=0),
                reversed=item.reversed,
            )
        )
    bands = tuple(
        Band(
            code=band.code,
            lower=band.lower,
            upper=band.upper,
            label_de=band.label_de,
            label_en=band.label_en,
        )
        for band in questionnaire.bands.all()
    )
    return ScoringDefinition(
        method=questionnaire.scoring_method,
        items=tuple(items),
        max_missing=questionnaire.max_missing,
        bands=bands,
    )


def program_starts(patient_ids: Iterable[int]) -> dict[int, date]:
    """patient → programme start (open assignment first, else the latest), in one query."""
    rows = (
        Assignment.objects.filter(patient_id__in=list(patient_ids))
        .annotate(
            is_open=Case(
                When(status__in=OPEN_STATUSES, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("patient_id", "-is_open", "-start_date", "-id")
        .values_list("patient_id", "start_date")
    )
    starts: dict[int, date] = {}
    for patient_id, start_date in rows:
        starts.setdefault(patient_id, start_date)
    return starts


def program_start(patient: Patient) -> date | None:
    return program_starts([patient.pk]).get(patient.pk)


def _windows(
    questionnaire: Questionnaire, start: date, today: date
) -> Iterable[tuple[int, date, date]]:
    for week in questionnaire.schedule_weeks or []:
        opens_on = start + timedelta(weeks=week)
        closes_on = opens_on + timedelta(days=questionnaire.due_window_days - 1)
        if opens_on <= today <= closes_on:
            yield week, opens_on, closes_on


def _start_instant(start: date, time_zone: str) -> datetime:
    return datetime.combine(start, time.min, tzinfo=ZoneInfo(time_zone))


def due_questionnaires(*, patient: Patient, today: date, program_start: date) -> list[Due]:
    """What the patient should fill in today by the schedule, in two queries."""
    questionnaires = list(Questionnaire.objects.filter(is_active=True).order_by("title_de", "id"))
    return _scheduled(questionnaires, patient=patient, today=today, program_start=program_start)


# A request neither answered nor cancelled.
OPEN_REQUEST = Q(answered_at__isnull=True, cancelled_at__isnull=True)

# The questionnaires the patient answered for a scheduled week since the programme started, and
# the active questionnaires with the patient's open request for each: what /today/ asks on every
# visit, compiled once per process (compiled_sql).
_ANSWERED = CompiledQuery(
    lambda: (
        Response.objects.filter(
            patient_id=Param("patient", IntegerField()),
            due_week__isnull=False,
            submitted_at__gte=Param("since", DateTimeField()),
        )
        .order_by()
        .values_list("questionnaire_id", "due_week")
    )
)


def _questionnaires_with_open_request() -> Any:
    requested = QuestionnaireRequest.objects.filter(
        OPEN_REQUEST, patient_id=Param("patient", IntegerField()), questionnaire=OuterRef("pk")
    ).order_by()
    return (
        Questionnaire.objects.filter(is_active=True)
        .order_by("title_de", "id")
        .values(
            *model_columns(Questionnaire),
            request_pk=Subquery(requested.values("pk")[:1]),
            request_due_on=Subquery(requested.values("due_on")[:1]),
            request_requested_at=Subquery(requested.values("requested_at")[:1]),
        )
    )


_WITH_OPEN_REQUEST = CompiledQuery(_questionnaires_with_open_request)


def _scheduled(
    questionnaires: Sequence[Questionnaire], *, patient: Patient, today: date, program_start: date
) -> list[Due]:
    answered = set(
        _ANSWERED.tuples(patient=patient.pk, since=_start_instant(program_start, patient.time_zone))
    )
    return [
        Due(questionnaire=questionnaire, due_week=week, opens_on=opens_on, closes_on=closes_on)
        for questionnaire in questionnaires
        for week, opens_on, closes_on in _windows(questionnaire, program_start, today)
        if (questionnaire.pk, week) not in answered
    ]


def open_requests(*, patient: Patient) -> QuerySet[QuestionnaireRequest]:
    """The patient's requests that are neither answered nor cancelled."""
    return QuestionnaireRequest.objects.filter(OPEN_REQUEST, patient=patient)


def due_with_requests(*, patient: Patient, today: date, program_start: date | None) -> list[Due]:
    """The schedule's due questionnaires (none without a programme) and the open requests,
    each questionnaire once: two queries, one without a programme. The open request (at most
    one per questionnaire) comes with the questionnaires, in subqueries."""
    rows = _WITH_OPEN_REQUEST.rows(patient=patient.pk)
    if program_start is None:
        rows = [row for row in rows if row["request_pk"] is not None]
    questionnaires = []
    requests = {}
    for row in rows:
        questionnaire = model_from_row(Questionnaire, row)
        questionnaires.append(questionnaire)
        if row["request_pk"] is not None:
            requests[questionnaire.pk] = QuestionnaireRequest(
                pk=row["request_pk"],
                patient=patient,
                questionnaire=questionnaire,
                due_on=row["request_due_on"],
                requested_at=row["request_requested_at"],
            )
    scheduled = (
        _scheduled(questionnaires, patient=patient, today=today, program_start=program_start)
        if program_start is not None
        else []
    )
    due = [
        replace(entry, request=requests.pop(entry.questionnaire.pk, None)) for entry in scheduled
    ]
    due.extend(
        Due(
            questionnaire=request.questionnaire,
            due_week=None,
            opens_on=local_day(request.requested_at, patient.time_zone),
            closes_on=request.due_on,
            request=request,
        )
        for request in requests.values()
    )
    return due


def requests_for_patient(*, patient: Patient) -> list[QuestionnaireRequest]:
    """Every request of the patient, newest first, with who sent it and the answer's score
    (``PATIENT_HOOKS["questionnaire_requests"]``: the therapist's patient page). One query."""
    return list(
        QuestionnaireRequest.objects.filter(patient=patient)
        .select_related("questionnaire", "requested_by", "response")
        .order_by("-requested_at", "-id")
    )


def due_counts_for_patients(patient_ids: Iterable[int], today: date) -> dict[int, int]:
    """patient → number of questionnaires due today, for lists and digests: four queries for any
    number of patients. Patients without a programme are left out."""
    patient_ids = list(patient_ids)
    starts = program_starts(patient_ids)
    if not starts:
        return {}
    time_zones = dict(
        Patient.objects.filter(pk__in=starts).values_list("pk", "time_zone").order_by()
    )
    questionnaires = list(Questionnaire.objects.filter(is_active=True))
    answered: dict[int, set[tuple[int, int]]] = defaultdict(set)
    earliest = min(starts.values()) - timedelta(days=1)
    rows = Response.objects.filter(
        patient_id__in=list(starts),
        due_week__isnull=False,
        submitted_at__gte=datetime.combine(earliest, time.min, tzinfo=UTC),
    ).values_list("patient_id", "questionnaire_id", "due_week", "submitted_at")
    for patient_id, questionnaire_id, due_week, submitted_at in rows:
        if due_week is None:  # pragma: no cover - excluded by the query; the column type allows it
            continue
        if submitted_at >= _start_instant(starts[patient_id], time_zones[patient_id]):
            answered[patient_id].add((questionnaire_id, due_week))
    return {
        patient_id: sum(
            1
            for questionnaire in questionnaires
            for week, _opens, _closes in _windows(questionnaire, start, today)
            if (questionnaire.pk, week) not in answered[patient_id]
        )
        for patient_id, start in starts.items()
    }


def responses_for_patient(*, patient: Patient) -> QuerySet[Response]:
    """A patient's responses, oldest first, for trends (score per questionnaire over time)."""
    return (
        Response.objects.filter(patient=patient)
        .select_related("questionnaire")
        .order_by("questionnaire_id", "submitted_at", "id")
    )


def questionnaire_scores(*, patient: Patient) -> list[dict[str, object]]:
    """Scored responses, oldest first, for the trend charts of therapist and patient
    (``PATIENT_HOOKS["questionnaire_scores"]``: the therapist's patient page)."""
    return [
        {
            "date": response.submitted_at.date().isoformat(),
            "slug": response.questionnaire.slug,
            "title": str(response.questionnaire.title),
            "score": float(response.score),
        }
        for response in responses_for_patient(patient=patient).order_by("submitted_at", "id")
        if response.score is not None
    ]


def responses_for_review(
    *, patients: QuerySet[Patient, Any], since: datetime, limit: int
) -> list[Response]:
    """Responses of ``patients`` submitted since ``since``, newest first, with the questionnaire
    and the patient; ``band_label`` is the band's label in the active language (one query).
    ``PATIENT_HOOKS["questionnaires_for_review"]``: the therapist's start page."""
    band = ScoreBand.objects.filter(questionnaire=OuterRef("questionnaire"), code=OuterRef("band"))
    responses: list[Any] = list(
        Response.objects.filter(patient__in=patients, submitted_at__gte=since)
        .annotate(
            band_label_de=Subquery(band.values("label_de")[:1]),
            band_label_en=Subquery(band.values("label_en")[:1]),
        )
        .select_related("patient__user", "questionnaire")
        .order_by("-submitted_at", "-id")[:limit]
    )
    english = (translation.get_language() or "").startswith("en")
    for response in responses:
        labels = (response.band_label_en, response.band_label_de)
        response.band_label = (labels[0] or labels[1]) if english else labels[1]
    return responses
