"""Who gets which reminder in a run's window, decided with a handful of set-based queries.

1. the time zones patients use (one ``DISTINCT``), turned into the window's wall-clock ranges per
   zone (``rules.wall_ranges``);
2. the active questionnaires' schedules (tiny; only with the questionnaires app);
3. one ``UNION ALL`` over the active assignments with a SELECT per kind and local day: the
   patients whose zone and reminder time (or the fixed local time of the nudge, the next-day
   check, the habit reminder) put the moment in the window, minus those in quiet hours, with
   index-backed subqueries for what was logged, answered or ticked that day. It answers compact
   rows: patient, day, kind, "has an every-day exercise", detail;
4. only for patients without an every-day exercise: their prescription with the days each
   exercise was done, so ``patients.rules.is_due`` decides.

The result for 100 000 patients is a few hundred thousand small values, not per-patient queries.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast

from patients import rules as patient_rules
from patients.models import (
    Assignment,
    AssignmentStatus,
    ExerciseEntry,
    HabitCheck,
    Patient,
    PrescriptionItem,
    SessionLog,
)
from programs.models import Program
from questionnaires.models import Questionnaire, QuestionnaireRequest, Response
from reminders import rules
from reminders.models import Delivery, PushSubscription, ReminderKind

# Due-ness looks back over the longest interval (14 days) and the ISO week.
HISTORY_DAYS = 21


class DueReminder(NamedTuple):
    patient_id: int
    day: date
    kind: str
    details: dict[str, Any] | None = None


# patient id, local day, kind, "has an every-day exercise", detail (the session to ask about)
Row = tuple[int, date, str, bool, int | None]
Branch = QuerySet[Any, Row]
# Zones that share their wall-clock ranges for a window.
ZoneGroups = list[tuple[list[str], list[rules.WallRange]]]


def due_reminders(*, start: datetime, end: datetime) -> list[DueReminder]:
    """Every reminder whose moment lies in the window (start, end], for all patients."""
    groups = zone_ranges(patient_time_zones(), start, end)
    branches = _branches(groups) if groups else []
    if not branches:
        return []
    first, *others = branches
    rows = _fetch(first.union(*others, all=True).order_by() if others else first)
    training = [row for row in rows if row[2] in _TRAINING]
    due = _due_training([(row[0], row[1], row[3]) for row in training])
    result = [
        DueReminder(patient_id, day, kind)
        for patient_id, day, kind, _every_day, _detail in training
        if (patient_id, day) in due
    ]
    result.extend(
        DueReminder(patient_id, day, kind, {"session": detail} if detail else None)
        for patient_id, day, kind, _every_day, detail in rows
        if kind not in _TRAINING
    )
    return result


_TRAINING = (ReminderKind.SESSION, ReminderKind.EVENING)


def _fetch(queryset: Branch) -> list[Row]:
    """The rows straight from the cursor: for 100 000 rows Django's per-row converters cost more
    than the query. SQLite hands back dates as text and booleans as integers."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[Row] = cursor.fetchall()
    if rows and not isinstance(rows[0][1], date):  # pragma: no cover - SQLite (tests/smoke)
        rows = [
            (patient_id, date.fromisoformat(day), kind, bool(every_day), detail)
            for patient_id, day, kind, every_day, detail in rows
        ]
    return rows


def patient_time_zones() -> list[str]:
    return list(
        Patient.objects.filter(reminder_opt_out=False)
        .order_by()
        .values_list("time_zone", flat=True)
        .distinct()
    )


def zone_ranges(zones: Iterable[str], start: datetime, end: datetime) -> ZoneGroups:
    """Zones grouped by their wall-clock ranges for the window (all of Europe/… usually share)."""
    groups: dict[tuple[rules.WallRange, ...], list[str]] = defaultdict(list)
    for name in zones:
        zone = ZoneInfo(name or patient_rules.DEFAULT_TIME_ZONE)
        groups[tuple(rules.wall_ranges(zone, start, end))].append(name)
    return [(sorted(names), list(ranges)) for ranges, names in groups.items() if ranges]


# --- The branches of the UNION -----------------------------------------------------------------
# One SELECT per kind and local day (a window spans two local days only around midnight), so
# every day is a constant the (patient, local_date) indexes can use.

_COLUMNS = ("patient_id", "day", "kind", "every_day", "detail")


def _branches(groups: ZoneGroups) -> list[Branch]:
    nudge = rules.parse_time(settings.REMINDER_EVENING_NUDGE_TIME)
    next_day = rules.parse_time(settings.REMINDER_NEXT_DAY_TIME)
    habits = rules.parse_time(settings.REMINDER_HABITS_TIME)
    schedules = _questionnaire_schedules()
    own_time = _own_time_by_day(groups)
    branches: list[Branch | None] = []
    for day, where in own_time.items():
        branches.append(_session_branch(day, where))
        if schedules:
            branches.append(_questionnaire_branch(day, where, schedules))
        branches.append(_requested_questionnaire_branch(day, where))
    fixed: list[tuple[time | None, Callable[[date, Q, time], Branch | None]]] = [
        (nudge, _evening_branch),
        (next_day, _next_day_branch),
        (habits, _habits_branch),
    ]
    for at, branch_for in fixed:
        if at is None:  # that kind of reminder is switched off
            continue
        for day, where in _fixed_time_by_day(groups, at).items():
            branches.append(branch_for(day, where, at))
    return [branch for branch in branches if branch is not None]


def _own_time_by_day(groups: ZoneGroups) -> dict[date, Q]:
    """Local day → which patients' own reminder time lies in the window on that day."""
    by_day: dict[date, Q] = defaultdict(Q)
    for zones, ranges in groups:
        for wall in ranges:
            by_day[wall.day] |= Q(patient__time_zone__in=zones) & _range_q(
                "patient__reminder_time", wall
            )
    return dict(by_day)


def _fixed_time_by_day(groups: ZoneGroups, at: time) -> dict[date, Q]:
    """Local day → which patients' zones have the fixed local time ``at`` in the window."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for zones, ranges in groups:
        for wall in ranges:
            if wall.contains(at):
                by_day[wall.day].extend(zones)
    return {day: Q(patient__time_zone__in=zones) for day, zones in by_day.items()}


def _range_q(lookup: str, wall: rules.WallRange) -> Q:
    q = Q()
    if wall.after is not None:
        q &= Q(**{f"{lookup}__{'gte' if wall.after_inclusive else 'gt'}": wall.after})
    if wall.until is not None:
        q &= Q(**{f"{lookup}__{'lte' if wall.until_inclusive else 'lt'}": wall.until})
    return q


def _base(where: Q) -> QuerySet[Assignment]:
    """Active programmes of patients in ``where`` who want reminders. Whether they can receive
    e-mail is the sender's check (recorded as skipped), which keeps the users table out of this
    query."""
    return Assignment.objects.filter(
        where, status=AssignmentStatus.ACTIVE, patient__reminder_opt_out=False
    ).order_by()


def _row(
    queryset: QuerySet[Assignment],
    day: date,
    kind: str,
    *,
    every_day: Exists | None = None,
    detail: F | None = None,
) -> Branch:
    return queryset.annotate(
        day=Value(day, output_field=DateField()),
        kind=Value(kind, output_field=CharField()),
        every_day=every_day if every_day is not None else Value(False, BooleanField()),
        # A bare NULL would be typed text in the first branch of the UNION.
        detail=detail if detail is not None else Cast(Value(None), BigIntegerField()),
    ).values_list(*_COLUMNS)


def _active_items() -> QuerySet[PrescriptionItem]:
    return PrescriptionItem.objects.filter(assignment=OuterRef("pk"), removed_at__isnull=True)


# Daily dosage (interval 1, up to 7 a week) is due on every day it was not done yet: rules.is_due
# cannot say otherwise, so these patients need no history.
def _every_day_item() -> Exists:
    return Exists(_active_items().filter(interval_days=1, weekly_max__gte=7))


def _logged_on(day: date) -> Exists:
    return Exists(SessionLog.objects.filter(patient_id=OuterRef("patient_id"), local_date=day))


def _quiet(at: time | F) -> Q:
    """SQL form of ``rules.in_quiet_hours(at, start, end)``; ``at`` is a time or an F()."""
    start, end = "patient__quiet_hours_start", "patient__quiet_hours_end"
    same_day = Q(**{f"{start}__lt": F(end), f"{start}__lte": at, f"{end}__gt": at})
    over_midnight = Q(**{f"{start}__gt": F(end)}) & (
        Q(**{f"{start}__lte": at}) | Q(**{f"{end}__gt": at})
    )
    return same_day | over_midnight


def _session_branch(day: date, where: Q) -> Branch:
    rows = (
        _base(where)
        .exclude(_quiet(F("patient__reminder_time")))
        .filter(Exists(_active_items()))
        .exclude(_logged_on(day))
    )
    return _row(rows, day, ReminderKind.SESSION, every_day=_every_day_item())


def _evening_branch(day: date, where: Q, nudge: time) -> Branch | None:
    earlier = datetime.combine(day, nudge) - rules.NUDGE_MIN_GAP
    if earlier.date() != day:
        return None  # a nudge before 01:00 follows no reminder of the same day
    rows = (
        _base(where)
        .filter(patient__reminder_time__lte=earlier.time())
        .exclude(_quiet(nudge))
        .filter(Exists(_active_items()))
        .exclude(_logged_on(day))
    )
    return _row(rows, day, ReminderKind.EVENING, every_day=_every_day_item())


def _next_day_branch(day: date, where: Q, at: time) -> Branch:
    session = (
        SessionLog.objects.filter(
            patient_id=OuterRef("patient_id"),
            local_date=day - timedelta(days=1),
            next_day_check__isnull=True,
            # A session stopped at the safety questions had no training to ask about.
            pain_after__isnull=False,
        )
        .order_by("-performed_at")
        .values("pk")[:1]
    )
    rows = (
        _base(where)
        .exclude(_quiet(at))
        .annotate(session=Subquery(session))
        .filter(session__isnull=False)
    )
    return _row(rows, day, ReminderKind.NEXT_DAY, detail=F("session"))


def _habits_branch(day: date, where: Q, at: time) -> Branch:
    open_habits = Program.habits.through.objects.filter(program_id=OuterRef("program_id")).exclude(
        dailyhabit_id__in=HabitCheck.objects.filter(
            patient_id=OuterRef(OuterRef("patient_id")), day=day
        ).values("habit_id")
    )
    rows = (
        _base(where)
        .filter(patient__habit_reminders=True)
        .exclude(_quiet(at))
        .filter(Exists(open_habits))
    )
    return _row(rows, day, ReminderKind.HABITS)


def _questionnaire_schedules() -> list[tuple[int, list[int], int]]:
    return [
        (pk, weeks or [], window)
        for pk, weeks, window in Questionnaire.objects.filter(is_active=True).values_list(
            "pk", "schedule_weeks", "due_window_days"
        )
    ]


def _questionnaire_branch(
    day: date, where: Q, schedules: list[tuple[int, list[int], int]]
) -> Branch | None:
    """Patients at their reminder time with a questionnaire window open (the schedule of
    ``questionnaires.selectors``: weeks after the programme start, ``due_window_days`` long)
    and no answer for that week yet; at most every ``REMINDER_QUESTIONNAIRE_EVERY_DAYS``. The
    sender checks again with ``due_questionnaires`` and skips when nothing is due."""
    open_window = Q(pk__in=[])
    for pk, weeks, window in schedules:
        for week in weeks:
            opens_at_latest = day - timedelta(weeks=week)
            answered = Response.objects.filter(
                patient_id=OuterRef("patient_id"),
                questionnaire_id=pk,
                due_week=week,
                # Since the start, by the practice's calendar date: a few hours off the start's
                # local midnight at worst, and the sender checks exactly before it sends.
                submitted_at__date__gte=OuterRef("start_date"),
            )
            open_window |= Q(
                start_date__lte=opens_at_latest,
                start_date__gt=opens_at_latest - timedelta(days=window),
            ) & Q(~Exists(answered))
    every = timedelta(days=settings.REMINDER_QUESTIONNAIRE_EVERY_DAYS)
    recently = Delivery.objects.filter(
        patient_id=OuterRef("patient_id"),
        kind=ReminderKind.QUESTIONNAIRE,
        day__gt=day - every,
    )
    rows = (
        _base(where)
        .exclude(_quiet(F("patient__reminder_time")))
        .filter(open_window)
        .exclude(Exists(recently))
    )
    return _row(rows, day, ReminderKind.QUESTIONNAIRE)


# A request's reminder that could not go on its due day (sent after the reminder time, quiet
# hours) goes at the next reminder time, but not later than this.
REQUEST_REMINDER_LATE_DAYS = 7


def _requested_questionnaire_branch(day: date, where: Q) -> Branch:
    """Patients at their reminder time with an open request that asked for a reminder, due
    today or in the last days, and no questionnaire reminder since its due day: at most one
    reminder per request (docs/product.md, "Questionnaires on demand"). With or without a
    programme, so it reads the requests, not the assignments."""
    reminded = Delivery.objects.filter(
        patient_id=OuterRef("patient_id"),
        kind=ReminderKind.QUESTIONNAIRE,
        day__gte=OuterRef("due_on"),
    )
    rows = (
        QuestionnaireRequest.objects.filter(
            where,
            remind=True,
            answered_at__isnull=True,
            cancelled_at__isnull=True,
            due_on__lte=day,
            due_on__gt=day - timedelta(days=REQUEST_REMINDER_LATE_DAYS),
            questionnaire__is_active=True,
            patient__reminder_opt_out=False,
        )
        .exclude(_quiet(F("patient__reminder_time")))
        .exclude(Exists(reminded))
        .order_by()
    )
    return rows.annotate(
        day=Value(day, output_field=DateField()),
        kind=Value(ReminderKind.QUESTIONNAIRE, output_field=CharField()),
        every_day=Value(False, BooleanField()),
        detail=Cast(Value(None), BigIntegerField()),
    ).values_list(*_COLUMNS)


# --- Due-ness for patients without an every-day exercise ---------------------------------------


def _due_training(rows: Sequence[tuple[int, date, bool]]) -> set[tuple[int, date]]:
    """(patient, day) pairs on which something is due, per ``patients.rules.is_due``. Patients
    with an every-day exercise are due for sure; for the others one query fetches each
    prescribed exercise with the days it was done (aggregated per exercise in SQL)."""
    due = {(patient_id, day) for patient_id, day, every_day in rows if every_day}
    open_rows = [(patient_id, day) for patient_id, day, every_day in rows if not every_day]
    if not open_rows:
        return due
    days = [day for _patient_id, day in open_rows]
    done = (
        ExerciseEntry.objects.filter(
            session__patient_id=OuterRef("assignment__patient_id"),
            exercise_id=OuterRef("exercise_id"),
            skipped=False,
            session__local_date__gte=min(days) - timedelta(days=HISTORY_DAYS),
            session__local_date__lte=max(days),
        )
        .order_by()
        .values("exercise_id")
        .annotate(days=StringAgg(Cast("session__local_date", CharField()), Value(",")))
        .values("days")
    )
    items = defaultdict(list)
    for patient_id, interval_days, weekly_max, done_days in (
        PrescriptionItem.objects.filter(
            assignment__patient_id__in={patient_id for patient_id, _day in open_rows},
            assignment__status=AssignmentStatus.ACTIVE,
            removed_at__isnull=True,
        )
        .annotate(done=Subquery(done))
        .order_by()
        .values_list("assignment__patient_id", "interval_days", "weekly_max", "done")
    ):
        parsed = [date.fromisoformat(day) for day in done_days.split(",")] if done_days else []
        items[patient_id].append((interval_days, weekly_max, parsed))
    for patient_id, day in open_rows:
        if any(
            patient_rules.is_due(
                day=day, done_days=done_days, interval_days=interval_days, weekly_max=weekly_max
            )
            for interval_days, weekly_max, done_days in items[patient_id]
        ):
            due.add((patient_id, day))
    return due


def push_subscriptions(patient: Patient) -> QuerySet[PushSubscription]:
    """The patient's registered push devices, newest first: the only way to reach one (a
    patient's own list in the portal and the API; another patient's id is simply not in it)."""
    return PushSubscription.objects.filter(patient=patient).order_by("-created_at", "-id")
