"""Reads for patients: each selector fetches what one screen needs in a fixed number of queries
and hands the numbers to the pure functions in ``patients.rules``."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, TypedDict, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Greatest, JSONObject, Least

from compiled_sql import CompiledQuery, Param, model_columns, model_from_row
from patients import rules
from patients.hooks import hook
from patients.models import (
    OPEN_STATUSES,
    Alert,
    Assignment,
    AssignmentStatus,
    ExerciseEntry,
    FlagKind,
    HabitCheck,
    Patient,
    PrescriptionItem,
    RedFlag,
    ReminderChannel,
    SessionLog,
)
from programs.catalogue import Catalogue, HabitView
from programs.models import CatalogueRevision, DailyHabit, Dosage, Exercise, Phase, ProgramPhase
from programs.selectors import attach_media

ADHERENCE_WINDOW_DAYS = rules.ADHERENCE_WINDOW_DAYS
FLAG_WINDOW_DAYS = rules.FLAG_WINDOW_DAYS


def push_configured() -> bool:
    """Web Push needs the server's VAPID key pair (docs/operations.md, "Push reminders");
    without it the push channel is not offered anywhere."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def offered_channels() -> list[str]:
    """The reminder channels this server can send by."""
    return [
        channel
        for channel in ReminderChannel.values
        if channel != ReminderChannel.PUSH or push_configured()
    ]


@dataclass(frozen=True)
class PlannedExercise:
    item: PrescriptionItem
    due: bool
    done_today: bool
    next_due: date


def open_assignment(patient: Patient) -> Assignment | None:
    """The active, paused or stopped programme (at most one, by constraint)."""
    return (
        Assignment.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .select_related("program", "current_phase")
        .first()
    )


# The open programme's active prescription with everything the today screens show of it, as
# select_related("assignment__program", "assignment__current_phase", "exercise__goal", "phase")
# would fetch it: one query compiled once per process (compiled_sql); the model objects are made
# from its row and linked as the ORM links them.
_PRESCRIPTION_JOINS = (
    ("assignment", "assignment__"),
    ("assignment__program", "assignment__program__"),
    ("assignment__current_phase", "assignment__current_phase__"),
    ("exercise", "exercise__"),
    ("exercise__goal", "exercise__goal__"),
    ("phase", "phase__"),
)


@cache
def _related_model(path: str) -> Any:
    model: Any = PrescriptionItem
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def _open_prescription_query() -> Any:  # a values() queryset of dynamic columns
    columns = model_columns(PrescriptionItem)
    for path, prefix in _PRESCRIPTION_JOINS:
        columns += model_columns(_related_model(path), prefix)
    return (
        PrescriptionItem.objects.filter(
            assignment__patient_id=Param("patient", IntegerField()),
            assignment__status__in=OPEN_STATUSES,
            removed_at__isnull=True,
        )
        # Sorted here, not by the model's ordering: ORDER BY over the joins doubled the cost
        # of building and running this query (make bench, docs/benchmarks.md).
        .order_by()
        .values(*columns)
    )


_OPEN_PRESCRIPTION_OBJECTS = CompiledQuery(_open_prescription_query)


def _prescription_item(row: dict[str, Any], assignment: Assignment | None) -> PrescriptionItem:
    """A row of ``_OPEN_PRESCRIPTION_OBJECTS`` as the item with its related objects cached;
    ``assignment``: the one made for an earlier item (all items share it, as before)."""
    item = model_from_row(PrescriptionItem, row)
    objects: dict[str, Any] = {"": item}
    for path, prefix in _PRESCRIPTION_JOINS:
        if assignment is not None and path.startswith("assignment__"):
            continue  # the shared assignment has its programme and phase already
        # Every join is a required foreign key (an inner join): each row has all six objects.
        if path == "assignment" and assignment is not None:
            related: Any = assignment
        else:
            related = model_from_row(_related_model(path), row, prefix)
        owner_path, _, name = path.rpartition("__")
        owner = objects[owner_path]
        objects[path] = related
        owner._meta.get_field(name).set_cached_value(owner, related)
    return item


def open_assignment_and_items(patient: Patient) -> tuple[Assignment | None, list[PrescriptionItem]]:
    """The open programme with its active prescription, in one query (two when the programme
    has no active exercise): what the today screens of the portal and the API start from."""
    items: list[PrescriptionItem] = []
    assignment: Assignment | None = None
    for row in _OPEN_PRESCRIPTION_OBJECTS.rows(patient=patient.pk):
        item = _prescription_item(row, assignment)
        assignment = item.assignment
        items.append(item)
    items.sort(key=lambda item: (item.phase.number, item.order, item.pk))
    if not items:
        return open_assignment(patient), []
    return assignment, items


def active_items(assignment: Assignment) -> QuerySet[PrescriptionItem]:
    return assignment.items.filter(removed_at__isnull=True).select_related(
        "exercise__goal", "phase"
    )


def _done_entries(since: Any, until: Any) -> QuerySet[ExerciseEntry]:
    """Exercise entries done (not skipped) in sessions from ``since`` to ``until`` (values or
    ``Param``s), unordered: the model's default would add the entry id to a DISTINCT."""
    return ExerciseEntry.objects.filter(
        session__local_date__gte=since, session__local_date__lte=until, skipped=False
    ).order_by()


def done_days(
    *, patient_ids: Iterable[int], since: date, until: date
) -> dict[int, dict[int, list[date]]]:
    """patient → exercise → days it was done (not skipped), in one query."""
    rows = (
        _done_entries(since, until)
        .filter(session__patient_id__in=list(patient_ids))
        .values_list("session__patient_id", "exercise_id", "session__local_date")
        .distinct()
    )
    result: dict[int, dict[int, list[date]]] = defaultdict(lambda: defaultdict(list))
    for patient_id, exercise_id, day in rows:
        result[patient_id][exercise_id].append(day)
    return result


_DONE_DAYS = CompiledQuery(
    lambda: (
        _done_entries(Param("since", DateField()), Param("until", DateField()))
        .filter(session__patient_id=Param("patient", IntegerField()))
        .values_list("exercise_id", "session__local_date")
        .distinct()
    )
)


def done_days_of(patient_id: int, *, since: date, until: date) -> dict[int, list[date]]:
    """``done_days`` for one patient (exercise → days), the query compiled once."""
    result: dict[int, list[date]] = defaultdict(list)
    for exercise_id, day in _DONE_DAYS.tuples(patient=patient_id, since=since, until=until):
        result[exercise_id].append(day)
    return result


def _history_start(today: date) -> date:
    # Due-ness needs the ISO week so far and the longest interval (14 days) before it.
    return today - timedelta(days=max(ADHERENCE_WINDOW_DAYS, 21))


def today_plan(
    *,
    patient: Patient,
    assignment: Assignment,
    today: date,
    items: list[PrescriptionItem] | None = None,
) -> list[PlannedExercise]:
    """The prescription with what is due today (docs/product.md scheduling rule, patient's
    calendar). Only an active programme has anything due: a paused one waits, a stopped one
    (red flag) must not invite training. ``items``: the active prescription when the caller
    has it already."""
    items = list(active_items(assignment)) if items is None else items
    active = assignment.status == AssignmentStatus.ACTIVE
    days_by_exercise = done_days_of(patient.pk, since=_history_start(today), until=today)
    plan = []
    for item in items:
        days = days_by_exercise.get(item.exercise_id, [])
        plan.append(
            PlannedExercise(
                item=item,
                due=active
                and rules.is_due(
                    day=today,
                    done_days=days,
                    interval_days=item.interval_days,
                    weekly_max=item.weekly_max,
                ),
                done_today=today in days,
                next_due=rules.next_due_day(
                    after=today,
                    done_days=days,
                    interval_days=item.interval_days,
                    weekly_max=item.weekly_max,
                ),
            )
        )
    return plan


def adherence_for_patients(
    patient_ids: Iterable[int], *, today: date, days: int = rules.ADHERENCE_WINDOW_DAYS
) -> dict[int, Decimal]:
    """Overall adherence over the last ``days`` days (or since the programme started, if that
    is later) for many patients, in two queries."""
    patient_ids = list(patient_ids)
    window_start = today - timedelta(days=days - 1)
    items = PrescriptionItem.objects.filter(
        assignment__patient_id__in=patient_ids,
        assignment__status=AssignmentStatus.ACTIVE,
        removed_at__isnull=True,
    ).values_list(
        "assignment__patient_id", "exercise_id", "weekly_target", "assignment__start_date"
    )
    history = done_days(patient_ids=patient_ids, since=window_start, until=today)
    per_patient: dict[int, list[tuple[list[date], Decimal]]] = defaultdict(list)
    starts: dict[int, date] = {}
    for patient_id, exercise_id, weekly_target, start_date in items:
        starts[patient_id] = min(max(window_start, start_date), today)
        per_patient[patient_id].append(
            (history.get(patient_id, {}).get(exercise_id, []), weekly_target)
        )
    return {
        patient_id: rules.overall_adherence(
            per_patient[patient_id], start=starts[patient_id], end=today
        )
        for patient_id in patient_ids
        if per_patient.get(patient_id)
    }


def pain_values(*, patient: Patient, since: date, until: date) -> list[tuple[date, int, int]]:
    # A session stopped at the safety questions has no "after" and says nothing of a trend.
    rows = SessionLog.objects.filter(
        patient=patient, local_date__gte=since, local_date__lte=until, pain_after__isnull=False
    ).values_list("local_date", "pain_before", "pain_after")
    return [(day, before, after) for day, before, after in rows if after is not None]


def assignment_readiness(*, assignment: Assignment, today: date) -> rules.Readiness:
    patient = assignment.patient
    program_phase = assignment.program.program_phases.filter(phase=assignment.current_phase).first()
    min_days = program_phase.min_days if program_phase else 14
    adherence = adherence_for_patients([patient.pk], today=today).get(patient.pk, Decimal(0))
    flagged_last_week = SessionLog.objects.filter(
        patient=patient, flagged=True, local_date__gt=today - timedelta(days=FLAG_WINDOW_DAYS)
    ).count()
    pains = pain_values(patient=patient, since=today - timedelta(days=13), until=today)
    cut = today - timedelta(days=6)
    has_next = assignment.program.program_phases.filter(
        phase__number__gt=assignment.current_phase.number
    ).exists()
    return rules.readiness(
        today=today,
        phase_started=assignment.phase_started_on,
        min_days=min_days,
        adherence_14d=adherence,
        flagged_last_7d=flagged_last_week,
        pain_trend=rules.pain_trend(
            recent=[after for day, _before, after in pains if day >= cut],
            earlier=[after for day, _before, after in pains if day < cut],
        ),
        has_next_phase=has_next,
        open_red_flag=patient.red_flags.filter(cleared_at__isnull=True).exists(),
    )


def programme_phases(assignment: Assignment) -> list[Phase]:
    """The phases of the assignment's programme, in order (one query): which moves the patient
    page offers (``rules.phase_moves``) and where the builder may add an exercise."""
    return list(
        Phase.objects.filter(program_phases__program_id=assignment.program_id).order_by("number")
    )


def exercises_to_add(assignment: Assignment) -> list[Exercise]:
    """Every catalogue exercise not prescribed now, by training goal and phase, for the
    builder's "add exercise" (one query)."""
    return list(
        Exercise.objects.exclude(
            pk__in=assignment.items.filter(removed_at__isnull=True).values("exercise_id")
        )
        .select_related("goal", "phase")
        .order_by("goal__order", "goal_id", "phase__number", "order", "pk")
    )


def weekly_adherence(
    *, patient: Patient, today: date, weeks: int = 12, since_start: bool = False
) -> list[dict[str, object]]:
    """Adherence per ISO week (Monday start) for the chart, oldest first, in two queries.
    ``since_start``: only the weeks since the programme started (the patient's chart: a week
    before it is not a week of no training)."""
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    rows = list(
        PrescriptionItem.objects.filter(
            assignment__patient=patient, removed_at__isnull=True
        ).values_list("exercise_id", "weekly_target", "assignment__start_date")
    )
    items = [(exercise_id, target) for exercise_id, target, _start in rows]
    if since_start:
        started = min((start for _e, _t, start in rows), default=today + timedelta(days=1))
        first = max(first, started - timedelta(days=started.weekday()))
    history = done_days(patient_ids=[patient.pk], since=first, until=today).get(patient.pk, {})
    result = []
    for week in range((monday - first).days // 7 + 1 if first <= monday else 0):
        start = first + timedelta(weeks=week)
        end = min(start + timedelta(days=6), today)
        value = rules.overall_adherence(
            [(history.get(exercise_id, []), target) for exercise_id, target in items],
            start=start,
            end=end,
        )
        result.append({"week": start.isoformat(), "value": float(value)})
    return result


def patient_overview(*, patient: Patient, today: date) -> dict[str, Any]:
    """Everything the therapist's patient page shows."""
    assignment = open_assignment(patient)
    flagged = list(
        SessionLog.objects.filter(patient=patient, flagged=True)
        .select_related("phase")
        .order_by("-performed_at")[:20]
    )
    pains = pain_values(patient=patient, since=today - timedelta(weeks=12), until=today)
    pains.sort()
    overview = {
        "assignment": assignment,
        "items": list(active_items(assignment)) if assignment else [],
        "readiness": assignment_readiness(assignment=assignment, today=today)
        if assignment
        else None,
        "adherence_14d": adherence_for_patients([patient.pk], today=today).get(patient.pk),
        "flagged_sessions": flagged,
        # With where each came from: the patient page shows the screening, session or
        # symptom report behind a red flag (one query).
        "open_red_flags": list(
            patient.red_flags.filter(cleared_at__isnull=True).select_related(
                "screening__screened_by", "session", "symptom_report", "recorded_by"
            )
        ),
        "phase_changes": list(
            assignment.phase_changes.select_related(
                "from_phase", "to_phase", "from_exercise", "to_exercise", "changed_by"
            )
        )
        if assignment
        else [],
        "chart": {
            "days": [day.isoformat() for day, _before, _after in pains],
            "pain_before": [before for _day, before, _after in pains],
            "pain_after": [after for _day, _before, after in pains],
            "weekly_adherence": weekly_adherence(patient=patient, today=today),
            "questionnaire_scores": questionnaire_scores(patient=patient),
        },
    }
    return overview


def patient_changelist_annotations(
    queryset: QuerySet[Patient], *, today: date
) -> QuerySet[Patient]:
    """Every column of the therapist's patient list as correlated subqueries (index-backed) of
    the one query that reads the page, so the list costs the same number of queries for 20 or
    2000 patients. Adherence comes as counts (``adherence_counts``) for ``changelist_adherence``
    to apply the rule to."""
    sessions = SessionLog.objects.filter(patient=OuterRef("pk"))
    open_assignment_qs = Assignment.objects.filter(patient=OuterRef("pk"), status__in=OPEN_STATUSES)
    active_assignment_qs = Assignment.objects.filter(
        patient=OuterRef("pk"), status=AssignmentStatus.ACTIVE
    )
    return queryset.annotate(
        active_start_date=Subquery(active_assignment_qs.values("start_date")[:1]),
        adherence_counts=Subquery(_adherence_counts(today=today)),
        last_session_at=Subquery(sessions.order_by("-performed_at").values("performed_at")[:1]),
        sessions_14d=Coalesce(
            Subquery(
                sessions.filter(local_date__gt=today - timedelta(days=ADHERENCE_WINDOW_DAYS))
                .values("patient")
                # COUNT(*): an index-only scan of (patient, local_date), no table rows read.
                .annotate(n=Count("*"))
                .values("n")
            ),
            0,
        ),
        open_alerts=Coalesce(
            Subquery(
                Alert.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)
                .values("patient")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
        open_red_flag=Exists(
            RedFlag.objects.filter(patient=OuterRef("pk"), cleared_at__isnull=True)
        ),
        current_phase_number=Subquery(open_assignment_qs.values("current_phase__number")[:1]),
        assignment_status=Subquery(open_assignment_qs.values("status")[:1]),
    ).select_related("user", "therapist")


def _adherence_counts(*, today: date) -> QuerySet[Any, Any]:
    """For the patient of the outer query: ``"<weekly target>:<days done>"`` for each goal of
    the active programme, comma-separated — the days counted as ``rules.overall_adherence``
    counts them (distinct days, not skipped, from the later of the window's and the
    programme's start until ``today``), as ``adherence_for_patients`` reads them."""
    window_start = today - timedelta(days=ADHERENCE_WINDOW_DAYS - 1)
    counted_from = Least(
        Greatest(Value(window_start), OuterRef("assignment__start_date")), Value(today)
    )
    days_done = (
        ExerciseEntry.objects.filter(
            session__patient_id=OuterRef(OuterRef("pk")),
            exercise_id=OuterRef("exercise_id"),
            session__local_date__gte=counted_from,
            session__local_date__lte=today,
            skipped=False,
        )
        .order_by()
        .values("exercise_id")
        .annotate(n=Count("session__local_date", distinct=True))
        .values("n")
    )
    return (
        PrescriptionItem.objects.filter(
            assignment__patient_id=OuterRef("pk"),
            assignment__status=AssignmentStatus.ACTIVE,
            removed_at__isnull=True,
        )
        .order_by()
        .annotate(days_done=Coalesce(Subquery(days_done), 0))
        .values("assignment__patient_id")
        .annotate(
            counts=StringAgg(
                Concat(
                    Cast("weekly_target", CharField()),
                    Value(":"),
                    Cast("days_done", CharField()),
                ),
                delimiter=Value(","),
            )
        )
        .values("counts")
    )


def changelist_adherence(
    *, counts: str | None, start_date: date | None, today: date
) -> Decimal | None:
    """Adherence over the window from a row of ``patient_changelist_annotations``; ``None``
    without an active programme with goals."""
    if not counts or start_date is None:
        return None
    window_start = today - timedelta(days=ADHERENCE_WINDOW_DAYS - 1)
    items = []
    for pair in counts.split(","):
        target, done = pair.split(":")
        items.append((int(done), Decimal(target)))
    return rules.overall_adherence_of_counts(
        items, start=min(max(window_start, start_date), today), end=today
    )


# --- Portal ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HabitDay[H: (DailyHabit, HabitView)]:
    """A daily habit with the day's ticks; the habit is a model instance or, on the portal's
    /today/, the catalogue snapshot's view of it."""

    habit: H
    count: int

    @property
    def done(self) -> bool:
        return self.count >= self.habit.times_per_day


def habit_days(
    *, patient: Patient, assignment: Assignment | None, day: date
) -> list[HabitDay[DailyHabit]]:
    """The programme's daily habits with how often each was ticked off on ``day`` (1 query)."""
    if assignment is None:
        return []
    return habit_days_for_program(patient=patient, program_id=assignment.program_id, day=day)


def next_day_check_pending(*, patient: Patient, today: date) -> SessionLog | None:
    """Yesterday's last session when its 24-hour response is still missing. A session stopped
    at the safety questions had no training to respond to."""
    rows = _PENDING_CHECK.rows(patient=patient.pk, day=today - timedelta(days=1))
    return model_from_row(SessionLog, rows[0]) if rows else None


_PENDING_CHECK = CompiledQuery(
    lambda: (
        SessionLog.objects.filter(
            patient_id=Param("patient", IntegerField()),
            local_date=Param("day", DateField()),
            next_day_check__isnull=True,
            pain_after__isnull=False,
        )
        .order_by("-performed_at", "-id")
        .values(*model_columns(SessionLog))[:1]
    )
)


def session_history(*, patient: Patient) -> QuerySet[SessionLog]:
    """The patient's sessions, newest first, with what a history page shows of each."""
    return (
        SessionLog.objects.filter(patient=patient)
        .select_related("phase", "next_day_check")
        .prefetch_related(
            Prefetch("entries", ExerciseEntry.objects.select_related("exercise").order_by("id"))
        )
        .order_by("-performed_at", "-id")
    )


# --- API ------------------------------------------------------------------------------------


def habit_days_for_program(
    *, patient: Patient, program_id: int, day: date
) -> list[HabitDay[DailyHabit]]:
    """The habits of a programme with the day's count as a subquery: one query, which keeps
    ``me/today/`` and the today page within their budgets."""
    counts = HabitCheck.objects.filter(patient=patient, habit=OuterRef("pk"), day=day)
    habits = DailyHabit.objects.filter(programs=program_id).annotate(
        day_count=Coalesce(Subquery(counts.values("count")[:1]), 0)
    )
    return [HabitDay(habit=habit, count=habit.day_count) for habit in habits]


def questionnaire_scores(*, patient: Patient) -> list[dict[str, object]]:
    """Scored responses, oldest first, for the trend charts of therapist and patient: from
    questionnaires (``PATIENT_HOOKS["questionnaire_scores"]``), which imports patients."""
    scores: list[dict[str, object]] = hook("questionnaire_scores")(patient=patient)
    return scores


@dataclass(frozen=True)
class SafetyState:
    """What the patient must be told before anything else (docs/clinical-safety.md): the open red
    flags (a stopped programme) and today's high pain, with the advice for them."""

    open_signs: list[str]
    high_pain_today: bool
    advice: list[rules.Advice]

    @property
    def stopped(self) -> bool:
        return bool(self.open_signs)


def _safety_annotations(patient: Any, midnight: Any) -> dict[str, Exists]:
    """Whether a red flag is open and whether pain reached the high-risk zone since
    ``midnight``; ``patient`` and ``midnight`` are values or ``Param``s."""
    high = Alert.objects.filter(
        patient_id=patient,
        kind__in=[rules.FlagReason.PAIN_HIGH, rules.FlagReason.NEXT_DAY_PAIN_HIGH],
        created_at__gte=midnight,
    )
    return {"stopped": Exists(_open_flags(patient)), "high": Exists(high)}


def _open_flags(patient: Any) -> QuerySet[RedFlag]:
    """The patient's red flags not yet cleared; ``patient`` is an id or a ``Param``."""
    return RedFlag.objects.filter(patient_id=patient, cleared_at__isnull=True)


def _safety_from(patient: Patient, row: dict[str, Any] | None) -> SafetyState:
    row = row or {"stopped": False, "high": False}
    open_signs = (
        sorted(set(_open_flags(patient.pk).values_list("sign", flat=True)))
        if row["stopped"]
        else []
    )
    advice = rules.red_flag_advice(open_signs)
    if not open_signs and row["high"]:
        advice = [rules.Advice.STOP_TODAY]
    return SafetyState(open_signs=open_signs, high_pain_today=row["high"], advice=advice)


def _patient_midnight(patient: Patient, today: date) -> datetime:
    return datetime.combine(today, time.min, tzinfo=ZoneInfo(patient.time_zone or "UTC"))


def _day_row_query(*, ticks: bool) -> Any:  # a values() queryset of dynamic columns
    """The patient's row carrying the safety state, the catalogue revision and (PostgreSQL's
    array subquery) today's habit ticks: what every portal page and ``me/today/`` ask first."""
    patient = Param("patient", IntegerField())
    annotations: dict[str, Any] = _safety_annotations(
        patient, Param("midnight", DateTimeField())
    ) | {
        "catalogue_revision": Subquery(CatalogueRevision.objects.filter(pk=1).values("number")),
    }
    if ticks:
        annotations["ticks"] = ArraySubquery(
            HabitCheck.objects.filter(patient_id=OuterRef("pk"), day=Param("today", DateField()))
            .order_by()
            .values(tick=JSONObject(habit="habit_id", count="count"))
        )
    return Patient.objects.filter(pk=patient).annotate(**annotations).values(*annotations)[:1]


# Compiled once per process (compiled_sql): building these costs more than running them.
_DAY_ROW = CompiledQuery(lambda: _day_row_query(ticks=False))
_DAY_ROW_WITH_TICKS = CompiledQuery(lambda: _day_row_query(ticks=True))


def _first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def safety_state(*, patient: Patient, today: date) -> SafetyState:
    """The open red flags and whether pain reached the high-risk zone today (a session, a
    symptom report or a next-day check raised such an alert since the patient's midnight): one
    query, two when a red flag is open. The portal's banner, ``/today/`` and ``me/today/`` use
    it."""
    # The day's row without the ticks; its catalogue revision costs a primary-key read.
    row = _first(_DAY_ROW.rows(patient=patient.pk, midnight=_patient_midnight(patient, today)))
    return _safety_from(patient, row)


@dataclass(frozen=True)
class DayState:
    """``safety_state`` with the catalogue revision and the day's habit ticks, read in the same
    query: what ``me/today/`` asks before it takes the catalogue from the snapshot."""

    safety: SafetyState
    catalogue_revision: int | None
    habit_ticks: dict[int, int]


def day_state(*, patient: Patient, today: date) -> DayState:
    """One query on PostgreSQL (two when a red flag is open); SQLite, which has no array
    subqueries, reads the habit ticks in a second one."""
    midnight = _patient_midnight(patient, today)
    if connection.vendor == "postgresql":
        row = _first(_DAY_ROW_WITH_TICKS.rows(patient=patient.pk, midnight=midnight, today=today))
        habit_ticks = {tick["habit"]: tick["count"] for tick in (row and row["ticks"]) or []}
    else:  # pragma: no cover - SQLite, the make run default (tests/smoke)
        row = _first(_DAY_ROW.rows(patient=patient.pk, midnight=midnight))
        habit_ticks = dict(
            HabitCheck.objects.filter(patient=patient, day=today).values_list("habit_id", "count")
        )
    return DayState(
        safety=_safety_from(patient, row),
        catalogue_revision=None if row is None else row["catalogue_revision"],
        habit_ticks=habit_ticks,
    )


@dataclass(frozen=True)
class TakeHomeProgramme:
    """What the printable programme shows: the open programme's phase and its active
    prescription, each exercise with its goal and media (``exercise.media.all()``)."""

    patient: Patient
    assignment: Assignment | None
    items: list[PrescriptionItem]


def take_home_programme(*, patient: Patient) -> TakeHomeProgramme:
    """The take-home programme (docs/product.md) in two queries (three without an active
    exercise): the prescription with its joins, then the exercises' media."""
    assignment, items = open_assignment_and_items(patient)
    attach_media(item.exercise for item in items)
    return TakeHomeProgramme(patient=patient, assignment=assignment, items=items)


def attach_variant_options(
    items: Iterable[PrescriptionItem], *, texts: Catalogue | None = None
) -> None:
    """``item.variant_options``: the ``(switch, exercise)`` pairs the patient may choose now
    (``rules.variant_options``); ``item.variant_ask``: the exercise's other variants, which
    need the therapist first. This is per patient, so it is never part of a fragment cached
    for the catalogue (``patients/portal/fragments.py``). With ``texts`` (the catalogue
    snapshot) the variants' names cost no query; without, the easier and harder variants must
    be attached already (``programs.selectors.attach_display``) and the exercises switched
    from cost one query, only when the patient does a variant."""
    items = list(items)
    back_ids = {
        item.prescribed_exercise_id
        for item in items
        if item.prescribed_exercise_id is not None
        and item.prescribed_exercise_id != item.exercise_id
    }
    known: dict[int, Any]
    pairs: dict[int, tuple[Any, Any]]
    if texts is not None:
        known = {pk: texts.exercises[pk] for pk in back_ids if pk in texts.exercises}
        pairs = {
            item.pk: (
                texts.exercises[item.exercise_id].easier_variant,
                texts.exercises[item.exercise_id].harder_variant,
            )
            for item in items
        }
    else:
        known = (
            Exercise.objects.only("id", "slug", "name_de", "name_en").in_bulk(back_ids)
            if back_ids
            else {}
        )
        pairs = {
            item.pk: (item.exercise.easier_variant, item.exercise.harder_variant) for item in items
        }
    prescribed = {item.exercise_id for item in items}
    for item in items:
        easier, harder = pairs[item.pk]
        variants = {
            **{variant.id: variant for variant in (easier, harder) if variant is not None},
            **known,
        }
        options = rules.variant_options(
            allowed=item.variant_allowed,
            exercise_id=item.exercise_id,
            prescribed_id=item.prescribed_exercise_id,
            easier_id=easier.id if easier is not None else None,
            harder_id=harder.id if harder is not None else None,
        )
        # An exercise prescribed already cannot come in twice (the service refuses it too).
        item.variant_options = [
            (switch.value, variants[pk])
            for switch, pk in options.items()
            if variants.get(pk) and pk not in prescribed
        ]
        offered = {variant.id for _switch, variant in item.variant_options}
        offered.add(item.prescribed_exercise_id)
        item.variant_ask = [
            (switch, variant)
            for switch, variant in (
                (rules.VariantSwitch.EASIER.value, easier),
                (rules.VariantSwitch.HARDER.value, harder),
            )
            if variant is not None and variant.id not in offered
        ]


# --- hot reads as plain values (docs/architecture.md, catalogue snapshot) -------------------

PRESCRIPTION_VALUES = (
    "id",
    "assignment_id",
    "assignment__status",
    "assignment__program_id",
    "assignment__current_phase_id",
    "exercise_id",
    "phase_id",
    "order",
    *Dosage.DOSAGE_FIELDS,
    *PrescriptionItem.EXTRA_FIELDS,
)


class AssignmentValues(TypedDict):
    """The open programme as ``open_prescription_values`` reads it."""

    id: int
    status: str
    program_id: int
    current_phase_id: int


@dataclass(frozen=True)
class OpenPrescription:
    """The open programme and its active prescription as plain values: ``assignment`` holds
    ``id``, ``status``, ``program_id`` and ``current_phase_id``; each item the dose fields,
    ``exercise_id``, ``phase_id`` and ``order``, sorted as the programme orders them."""

    assignment: AssignmentValues | None
    items: list[dict[str, Any]]


_OPEN_PRESCRIPTION = CompiledQuery(
    lambda: (
        PrescriptionItem.objects.filter(
            assignment__patient_id=Param("patient", IntegerField()),
            assignment__status__in=OPEN_STATUSES,
            removed_at__isnull=True,
        )
        .order_by()
        .values(*PRESCRIPTION_VALUES)
    )
)
_OPEN_ASSIGNMENT = CompiledQuery(
    lambda: (
        Assignment.objects.filter(
            patient_id=Param("patient", IntegerField()), status__in=OPEN_STATUSES
        )
        .order_by()
        .values("id", "status", "program_id", "current_phase_id")[:1]
    )
)


def open_prescription_values(patient_id: int, catalogue: Catalogue) -> OpenPrescription:
    """``open_assignment_and_items`` without model instances, for ``me/today/``: one query (two
    when the programme has no active exercise). Phase numbers come from the catalogue snapshot."""
    items = _OPEN_PRESCRIPTION.rows(patient=patient_id)
    assignment: AssignmentValues | None
    if items:
        first = items[0]
        assignment = {
            "id": first["assignment_id"],
            "status": first["assignment__status"],
            "program_id": first["assignment__program_id"],
            "current_phase_id": first["assignment__current_phase_id"],
        }
    else:
        assignment = cast(
            AssignmentValues | None, _first(_OPEN_ASSIGNMENT.rows(patient=patient_id))
        )
    phases = catalogue.phases
    items.sort(key=lambda item: (phases[item["phase_id"]].number, item["order"], item["id"]))
    return OpenPrescription(assignment=assignment, items=items)


@dataclass(frozen=True)
class Due:
    due: bool
    done_today: bool
    next_due: date


def due_by_exercise(
    *, patient_id: int, items: list[dict[str, Any]], active: bool, today: date
) -> dict[int, Due]:
    """``today_plan``'s due-ness for prescription values (one query): exercise id → Due."""
    days_by_exercise = done_days_of(patient_id, since=_history_start(today), until=today)
    result = {}
    for item in items:
        days = days_by_exercise.get(item["exercise_id"], [])
        rule = {"interval_days": item["interval_days"], "weekly_max": item["weekly_max"]}
        result[item["exercise_id"]] = Due(
            due=active and rules.is_due(day=today, done_days=days, **rule),
            done_today=today in days,
            next_due=rules.next_due_day(after=today, done_days=days, **rule),
        )
    return result


# --- The therapist's start page (docs/product.md, "The start page") -----------------------

# Rows per section; the rest are one click away in the lists. Each section fetches one row
# more than it shows to know whether there is more.
START_PAGE_ROWS = 20
SILENT_DAYS = 7  # an active programme with no session for this many days is "silent"


@dataclass(frozen=True)
class Rows[T]:
    rows: list[T]
    more: bool


def _first_rows[T](queryset: Iterable[T], limit: int = START_PAGE_ROWS) -> Rows[T]:
    rows = list(queryset)
    return Rows(rows[:limit], len(rows) > limit)


def _visible_patients(user: User | AnonymousUser) -> QuerySet[Patient, dict[str, Any]]:
    return Patient.objects.for_user(user).values("pk")


def _open_alerts(user: User | AnonymousUser) -> QuerySet[Alert]:
    return Alert.objects.filter(acknowledged_at__isnull=True, patient__in=_visible_patients(user))


def open_alert_counts(user: User | AnonymousUser) -> dict[str, int]:
    """How many open red-flag alerts and open alerts in all the user's patients have: the
    badge in the admin header, one aggregate query."""
    counts = _open_alerts(user).aggregate(
        red_flags=Count("pk", filter=Q(kind=FlagKind.RED_FLAG)), alerts=Count("pk")
    )
    return {"red_flags": counts["red_flags"] or 0, "alerts": counts["alerts"] or 0}


def start_page_red_flags(user: User | AnonymousUser) -> Rows[Alert]:
    """Open red-flag alerts, newest first (one query)."""
    return _first_rows(
        _open_alerts(user)
        .filter(kind=FlagKind.RED_FLAG)
        .select_related("patient__user", "session", "symptom_report")
        .order_by("-created_at", "-id")[: START_PAGE_ROWS + 1]
    )


def start_page_other_alerts(user: User | AnonymousUser) -> Rows[Alert]:
    """Open alerts other than red flags, newest first (one query)."""
    return _first_rows(
        _open_alerts(user)
        .exclude(kind=FlagKind.RED_FLAG)
        .select_related("patient__user", "session", "symptom_report")
        .order_by("-created_at", "-id")[: START_PAGE_ROWS + 1]
    )


def start_page_flagged_sessions(user: User | AnonymousUser, *, since: date) -> Rows[SessionLog]:
    """Flagged sessions on the patients' days since ``since`` (yesterday), newest first."""
    return _first_rows(
        SessionLog.objects.filter(
            flagged=True, local_date__gte=since, patient__in=_visible_patients(user)
        )
        .select_related("patient__user")
        .order_by("-performed_at", "-id")[: START_PAGE_ROWS + 1]
    )


@dataclass(frozen=True)
class ReadyPatient:
    assignment: Assignment
    readiness: rules.Readiness


def start_page_ready(user: User | AnonymousUser, *, today: date) -> Rows[ReadyPatient]:
    """Active programmes whose readiness is met (``rules.readiness``), in five queries for any
    number of patients: the candidates with the criteria SQL can decide (a next phase, no open
    red flag, no flagged session in the last week, time in phase), then adherence and the
    pain trend of the candidates, decided by the same rule as the patient page."""
    program_phase = ProgramPhase.objects.filter(
        program=OuterRef("program"), phase=OuterRef("current_phase")
    )
    candidates = list(
        Assignment.objects.filter(
            status=AssignmentStatus.ACTIVE, patient__in=_visible_patients(user)
        )
        .annotate(
            min_days=Coalesce(Subquery(program_phase.values("min_days")[:1]), rules.READY_MIN_DAYS),
            has_next=Exists(
                ProgramPhase.objects.filter(
                    program=OuterRef("program"),
                    phase__number__gt=OuterRef("current_phase__number"),
                )
            ),
            open_red_flag=Exists(
                RedFlag.objects.filter(patient=OuterRef("patient"), cleared_at__isnull=True)
            ),
            flagged_last_week=Exists(
                SessionLog.objects.filter(
                    patient=OuterRef("patient"),
                    flagged=True,
                    local_date__gt=today - timedelta(days=FLAG_WINDOW_DAYS),
                )
            ),
        )
        .filter(has_next=True, open_red_flag=False, flagged_last_week=False)
        .select_related("patient__user", "current_phase")
        .order_by("phase_started_on", "pk")
    )
    candidates = [
        assignment
        for assignment in candidates
        if (today - assignment.phase_started_on).days >= assignment.min_days
    ]
    patient_ids = [assignment.patient_id for assignment in candidates]
    adherence = adherence_for_patients(patient_ids, today=today)
    cut = today - timedelta(days=rules.PAIN_TREND_WINDOW_DAYS - 1)
    pains: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for patient_id, day, after in SessionLog.objects.filter(
        patient_id__in=patient_ids,
        local_date__gte=today - timedelta(days=2 * rules.PAIN_TREND_WINDOW_DAYS - 1),
        local_date__lte=today,
        pain_after__isnull=False,
    ).values_list("patient_id", "local_date", "pain_after"):
        pains[patient_id].append((day, cast(int, after)))  # never NULL: filtered above
    ready = []
    for assignment in candidates:
        series = pains[assignment.patient_id]
        readiness = rules.readiness(
            today=today,
            phase_started=assignment.phase_started_on,
            min_days=assignment.min_days,
            adherence_14d=adherence.get(assignment.patient_id, Decimal(0)),
            flagged_last_7d=0,
            pain_trend=rules.pain_trend(
                recent=[after for day, after in series if day >= cut],
                earlier=[after for day, after in series if day < cut],
            ),
            has_next_phase=True,
            open_red_flag=False,
        )
        if readiness.ready:
            ready.append(ReadyPatient(assignment, readiness))
    return Rows(ready[:START_PAGE_ROWS], len(ready) > START_PAGE_ROWS)


def start_page_silent(
    user: User | AnonymousUser, *, now: datetime, today: date
) -> Rows[Assignment]:
    """Active programmes with no session logged for ``SILENT_DAYS`` days (or none since a start
    that long ago), the longest silent first; ``last_session_at`` annotated (one query)."""
    cutoff = now - timedelta(days=SILENT_DAYS)
    last = (
        SessionLog.objects.filter(patient=OuterRef("patient"))
        .order_by("-performed_at")
        .values("performed_at")[:1]
    )
    return _first_rows(
        Assignment.objects.filter(
            status=AssignmentStatus.ACTIVE, patient__in=_visible_patients(user)
        )
        .annotate(last_session_at=Subquery(last))
        .filter(
            Q(last_session_at__lt=cutoff)
            | Q(
                last_session_at__isnull=True,
                start_date__lte=today - timedelta(days=SILENT_DAYS),
            )
        )
        .select_related("patient__user")
        .order_by(F("last_session_at").asc(nulls_first=True), "start_date", "pk")[
            : START_PAGE_ROWS + 1
        ]
    )


def start_page_questionnaires(user: User | AnonymousUser, *, since: datetime) -> Rows[Any]:
    """Questionnaire responses submitted since ``since``, newest first (the questionnaires app
    answers, ``PATIENT_HOOKS["questionnaires_for_review"]``: one query)."""
    return _first_rows(
        hook("questionnaires_for_review")(
            patients=_visible_patients(user), since=since, limit=START_PAGE_ROWS + 1
        )
    )
