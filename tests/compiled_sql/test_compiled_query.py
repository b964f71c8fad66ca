"""``compiled_sql``: a query built once per process answers as ``values()`` would, with each
call's values in place of its ``Param``s."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import DateField, DateTimeField, F, IntegerField

from compiled_sql import AnyOf, CompiledQuery, Param
from patients.models import ExerciseEntry, SessionLog
from tests.factories import assigned_patient, log_session

pytestmark = pytest.mark.django_db


def _sessions_between():
    return (
        SessionLog.objects.filter(
            patient_id=Param("patient", IntegerField()),
            local_date__gte=Param("since", DateField()),
            performed_at__lt=Param("before", DateTimeField()),
        )
        .order_by("id")
        .values("id", "local_date", "performed_at", "pain_after")
    )


@pytest.fixture
def logged():
    patient = assigned_patient(days_ago=10)
    today = date.today()
    sessions = [log_session(patient, days_ago=days) for days in (6, 3, 1)]
    other = assigned_patient(days_ago=10)
    log_session(other, days_ago=3)
    return patient, sessions, today


def test_rows_are_what_values_gives_for_the_same_values(logged):
    patient, sessions, today = logged
    built = []
    query = CompiledQuery(lambda: built.append(1) or _sessions_between())
    for since, before in (
        (today - timedelta(days=5), datetime.now(ZoneInfo("UTC"))),
        (today - timedelta(days=30), datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(days=2)),
    ):
        rows = query.rows(patient=patient.pk, since=since, before=before)
        expected = list(
            SessionLog.objects.filter(
                patient_id=patient.pk, local_date__gte=since, performed_at__lt=before
            )
            .order_by("id")
            .values("id", "local_date", "performed_at", "pain_after")
        )
        assert rows == expected
        assert rows and all(row["id"] in {s.pk for s in sessions} for row in rows)
    assert built == [1], "the queryset is built once, not per call"


def test_tuples_are_what_values_list_gives(logged):
    patient, sessions, _today = logged
    query = CompiledQuery(
        lambda: (
            SessionLog.objects.filter(patient_id=Param("patient", IntegerField()))
            .order_by("-id")
            .values_list("id", "local_date")
        )
    )
    assert query.tuples(patient=patient.pk) == [(s.pk, s.local_date) for s in reversed(sessions)]
    assert query.tuples(patient=0) == []


def test_one_query_per_call(logged, django_assert_num_queries):
    patient, _sessions, today = logged
    query = CompiledQuery(_sessions_between)
    values = {"patient": patient.pk, "since": today, "before": datetime.now(ZoneInfo("UTC"))}
    with django_assert_num_queries(1):
        query.rows(**values)
    with django_assert_num_queries(1) as captured:
        query.rows(**values)
    assert "local_date" in captured.captured_queries[0]["sql"]


@pytest.mark.parametrize(
    "values",
    [
        {"patient": 1, "since": date(2026, 1, 1)},
        {"patient": 1, "since": date(2026, 1, 1), "before": None, "extra": 2},
    ],
    ids=["missing", "unknown"],
)
def test_a_missing_or_unknown_value_is_an_error(values):
    query = CompiledQuery(_sessions_between)
    with pytest.raises(TypeError, match="expected \\['before', 'patient', 'since'\\]"):
        query.rows(**values)


def test_any_of_takes_a_list_of_any_length(logged):
    if connection.vendor != "postgresql":  # pragma: no cover - arrays are PostgreSQL's
        pytest.fail("the main suite runs on PostgreSQL")
    _patient, sessions, _today = logged
    query = CompiledQuery(
        lambda: (
            ExerciseEntry.objects.filter(
                AnyOf(F("session_id"), Param("sessions", ArrayField(IntegerField())))
            )
            .order_by("id")
            .values_list("session_id", flat=True)
        )
    )
    for chosen in ([sessions[0]], sessions[1:], sessions, []):
        ids = [session.pk for session in chosen]
        expected = list(
            ExerciseEntry.objects.filter(session_id__in=ids)
            .order_by("id")
            .values_list("session_id", flat=True)
        )
        assert [row[0] for row in query.tuples(sessions=ids)] == expected
        assert set(expected) == set(ids)
