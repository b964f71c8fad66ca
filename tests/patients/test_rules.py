"""The pure domain rules (docs/product.md, docs/clinical-safety.md): examples for each rule,
then properties checked by hypothesis.

No database: these run in milliseconds and pin the rules every layer relies on.
"""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from patients.rules import (
    Advice,
    FlagReason,
    PainZone,
    ReadinessCode,
    adherence,
    due_days,
    is_due,
    local_day,
    next_day_flag_reasons,
    next_due_day,
    overall_adherence,
    overall_adherence_of_counts,
    pain_trend,
    pain_zone,
    readiness,
    red_flag_advice,
    screening_is_current,
    screening_prompts,
    session_advice,
    session_flag_reasons,
    week_start,
)

# Hypothesis: modest example counts, and no example database written into the checkout.
FAST = settings(max_examples=150, deadline=None, database=None)

# The scheduling table of docs/product.md: frequency → (interval_days, weekly_target, weekly_max).
SPEC_RULES = {
    "daily": (1, Decimal(7), 7),
    "every_2_days": (2, Decimal("3.5"), 4),
    "3_4_per_week": (1, Decimal(3), 4),
    "2_3_per_week": (2, Decimal(2), 3),
}

MONDAY = date(2026, 3, 2)
SUNDAY = MONDAY + timedelta(days=6)
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"]


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- local_day ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        # Berlin, spring forward on 2026-03-29 at 01:00 UTC (02:00 CET → 03:00 CEST)
        (utc(2026, 3, 28, 23, 30), "Europe/Berlin", date(2026, 3, 29)),  # 00:30 CET
        (utc(2026, 3, 29, 0, 59), "Europe/Berlin", date(2026, 3, 29)),  # 01:59 CET
        (utc(2026, 3, 29, 1, 0), "Europe/Berlin", date(2026, 3, 29)),  # 03:00 CEST
        (utc(2026, 3, 29, 21, 59), "Europe/Berlin", date(2026, 3, 29)),  # 23:59 CEST
        (utc(2026, 3, 29, 22, 30), "Europe/Berlin", date(2026, 3, 30)),  # 00:30 CEST
        # Berlin, fall back on 2026-10-25 at 01:00 UTC (03:00 CEST → 02:00 CET)
        (utc(2026, 10, 24, 22, 30), "Europe/Berlin", date(2026, 10, 25)),  # 00:30 CEST
        (utc(2026, 10, 25, 0, 30), "Europe/Berlin", date(2026, 10, 25)),  # 02:30 CEST
        (utc(2026, 10, 25, 1, 30), "Europe/Berlin", date(2026, 10, 25)),  # 02:30 CET
        (utc(2026, 10, 25, 22, 59), "Europe/Berlin", date(2026, 10, 25)),  # 23:59 CET
        (utc(2026, 10, 25, 23, 30), "Europe/Berlin", date(2026, 10, 26)),  # 00:30 CET
        # New York, spring forward on 2026-03-08, fall back on 2026-11-01
        (utc(2026, 3, 8, 4, 30), "America/New_York", date(2026, 3, 7)),  # 23:30 EST
        (utc(2026, 3, 8, 5, 30), "America/New_York", date(2026, 3, 8)),  # 00:30 EST
        (utc(2026, 11, 1, 4, 30), "America/New_York", date(2026, 11, 1)),  # 00:30 EDT
        (utc(2026, 11, 2, 4, 30), "America/New_York", date(2026, 11, 1)),  # 23:30 EST
        # Sydney (UTC+11 in summer, +10 in winter): DST ends 2026-04-05, starts 2026-10-04
        (utc(2026, 4, 4, 13, 30), "Australia/Sydney", date(2026, 4, 5)),  # 00:30 AEDT
        (utc(2026, 4, 5, 13, 30), "Australia/Sydney", date(2026, 4, 5)),  # 23:30 AEST
        (utc(2026, 10, 3, 14, 30), "Australia/Sydney", date(2026, 10, 4)),  # 00:30 AEST
        (utc(2026, 10, 4, 13, 30), "Australia/Sydney", date(2026, 10, 5)),  # 00:30 AEDT
    ],
)
def test_local_day_across_dst_changes(instant, zone, expected):
    assert local_day(instant, zone) == expected


def test_local_day_defaults_to_berlin_and_accepts_zone_objects():
    instant = utc(2026, 1, 15, 23, 30)  # 00:30 on the 16th in Berlin
    assert local_day(instant) == date(2026, 1, 16)
    assert local_day(instant, "") == date(2026, 1, 16)
    assert local_day(instant, ZoneInfo("America/New_York")) == date(2026, 1, 15)
    assert local_day(instant, UTC) == date(2026, 1, 15)


def test_local_day_converts_from_any_aware_zone():
    tokyo_morning = datetime(2026, 1, 16, 7, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert local_day(tokyo_morning, "Europe/Berlin") == date(2026, 1, 15)


def test_local_day_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        local_day(datetime(2026, 1, 15, 12, 0), "Europe/Berlin")


@FAST
@given(
    st.dates(date(2025, 1, 1), date(2028, 12, 31)),
    st.sampled_from([time(0, 30), time(0, 0), time(12, 0), time(23, 59)]),
    st.sampled_from(ZONES),
)
@example(date(2026, 3, 29), time(0, 30), "Europe/Berlin")
@example(date(2026, 10, 25), time(0, 30), "Europe/Berlin")
@example(date(2026, 3, 8), time(0, 30), "America/New_York")
@example(date(2026, 4, 5), time(23, 59), "Australia/Sydney")
def test_a_wall_clock_time_belongs_to_its_local_day(the_day, wall_time, zone):
    """A session at 00:30 local, stored in UTC, is still that local day, DST or not."""
    stored = datetime.combine(the_day, wall_time, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert local_day(stored, zone) == the_day


@FAST
@given(
    st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC)),
    st.timedeltas(timedelta(0), timedelta(days=3)),
    st.sampled_from(ZONES),
)
def test_local_day_never_goes_backwards_and_stays_near_utc(instant, gap, zone):
    assert local_day(instant, zone) <= local_day(instant + gap, zone)
    assert abs((local_day(instant, zone) - instant.date()).days) <= 1


# --- Due-ness: examples ---------------------------------------------------------------------


def test_never_done_is_due():
    assert is_due(day=MONDAY, done_days=[], interval_days=2, weekly_max=3)


def test_done_today_is_not_due_again_today():
    assert not is_due(day=MONDAY, done_days=[MONDAY], interval_days=1, weekly_max=7)


@pytest.mark.parametrize(
    ("interval", "days_since", "due"),
    [(1, 1, True), (2, 1, False), (2, 2, True), (2, 3, True), (3, 2, False)],
)
def test_interval_between_sessions(interval, days_since, due):
    done = [day(10 - days_since)]
    assert is_due(day=day(10), done_days=done, interval_days=interval, weekly_max=7) is due


def test_done_on_sunday_next_week_still_obeys_the_interval():
    assert is_due(day=MONDAY + timedelta(7), done_days=[SUNDAY], interval_days=1, weekly_max=3)
    assert not is_due(day=MONDAY + timedelta(7), done_days=[SUNDAY], interval_days=2, weekly_max=3)
    assert is_due(day=MONDAY + timedelta(8), done_days=[SUNDAY], interval_days=2, weekly_max=3)


def test_weekly_maximum_blocks_the_rest_of_the_week_and_resets_on_monday():
    interval, _target, weekly_max = SPEC_RULES["2_3_per_week"]
    done = [day(0), day(2), day(4)]  # Mon, Wed, Fri
    assert not is_due(day=day(6), done_days=done, interval_days=interval, weekly_max=weekly_max)
    assert is_due(day=day(7), done_days=done, interval_days=interval, weekly_max=weekly_max)


def test_three_to_four_times_a_week_stops_after_four():
    interval, _target, weekly_max = SPEC_RULES["3_4_per_week"]
    done = [day(0), day(1), day(2), day(3)]
    for offset in (4, 5, 6):
        assert not is_due(
            day=day(offset), done_days=done, interval_days=interval, weekly_max=weekly_max
        )
    assert is_due(day=day(7), done_days=done, interval_days=interval, weekly_max=weekly_max)


def test_weekly_maximum_uses_iso_weeks_across_the_year_end():
    # 2026 has an ISO week 53: Mon 28 Dec 2026 to Sun 3 Jan 2027.
    done = [date(2026, 12, 28), date(2026, 12, 30), date(2027, 1, 1)]
    assert not is_due(day=date(2027, 1, 3), done_days=done, interval_days=2, weekly_max=3)
    assert is_due(day=date(2027, 1, 4), done_days=done, interval_days=2, weekly_max=3)


def test_is_due_ignores_days_done_later_so_history_shows_what_was_due_then():
    assert is_due(day=day(0), done_days=[day(1), day(2)], interval_days=2, weekly_max=1)


def test_a_day_logged_twice_counts_once():
    done = [day(0), day(0), day(2), day(2)]
    assert is_due(day=day(4), done_days=done, interval_days=2, weekly_max=3)


def test_due_rules_refuse_datetimes_and_impossible_schedules():
    with pytest.raises(TypeError, match="local_day"):
        is_due(day=MONDAY, done_days=[utc(2026, 3, 1, 9)], interval_days=1, weekly_max=7)
    with pytest.raises(ValueError, match="at least 1"):
        is_due(day=MONDAY, done_days=[], interval_days=0, weekly_max=7)
    with pytest.raises(ValueError, match="at least 1"):
        next_due_day(after=MONDAY, done_days=[], interval_days=1, weekly_max=0)


def test_next_due_day():
    assert next_due_day(after=MONDAY, done_days=[], interval_days=2, weekly_max=3) == MONDAY
    assert next_due_day(after=MONDAY, done_days=[MONDAY], interval_days=2, weekly_max=3) == day(2)
    full_week = [day(0), day(2), day(4)]
    assert next_due_day(after=day(5), done_days=full_week, interval_days=2, weekly_max=3) == day(7)


def test_due_days_projects_the_coming_sessions():
    def project(frequency, start=MONDAY, days=14):
        interval, _target, weekly_max = SPEC_RULES[frequency]
        end = start + timedelta(days=days - 1)
        return [
            (d - MONDAY).days
            for d in due_days(
                start=start, end=end, done_days=[], interval_days=interval, weekly_max=weekly_max
            )
        ]

    assert project("daily", days=7) == [0, 1, 2, 3, 4, 5, 6]
    assert project("every_2_days") == [0, 2, 4, 6, 8, 10, 12]
    assert project("3_4_per_week") == [0, 1, 2, 3, 7, 8, 9, 10]
    assert project("2_3_per_week") == [0, 2, 4, 7, 9, 11]


def test_due_days_continues_from_what_was_done():
    done = [day(-1)]  # Sunday before
    assert due_days(start=day(0), end=day(3), done_days=done, interval_days=2, weekly_max=3) == [
        day(1),
        day(3),
    ]
    assert due_days(start=day(3), end=day(2), done_days=[], interval_days=1, weekly_max=7) == []


# --- Due-ness: properties -------------------------------------------------------------------

DAYS = st.dates(date(2026, 11, 1), date(2027, 2, 28))  # spans ISO week 53 and a year end
INTERVALS = st.integers(1, 7)
WEEKLY_MAX = st.integers(1, 7)
DONE = st.lists(DAYS, max_size=30)


def oracle_is_due(the_day, done, interval, weekly_max):
    """The due rule of docs/product.md restated with isocalendar(), apart from the code."""
    past = [d for d in done if d <= the_day]
    if past and (the_day - max(past)).days < interval:
        return False
    week = the_day.isocalendar()[:2]
    return len({d for d in past if d.isocalendar()[:2] == week}) < weekly_max


@FAST
@given(DAYS, DONE, INTERVALS, WEEKLY_MAX)
def test_is_due_matches_the_spec(the_day, done, interval, weekly_max):
    expected = oracle_is_due(the_day, done, interval, weekly_max)
    assert is_due(day=the_day, done_days=done, interval_days=interval, weekly_max=weekly_max) is (
        expected
    )


@FAST
@given(DAYS, DONE, INTERVALS, WEEKLY_MAX)
def test_a_day_already_done_is_never_due(the_day, done, interval, weekly_max):
    done = [*done, the_day]
    assert not is_due(day=the_day, done_days=done, interval_days=interval, weekly_max=weekly_max)


@FAST
@given(DAYS, st.lists(st.integers(1, 7), max_size=7), INTERVALS, WEEKLY_MAX)
def test_weekly_maximum_resets_on_monday(some_day, days_before, interval, weekly_max):
    """However full last week was, Monday is due once the interval has passed."""
    monday = week_start(some_day)
    done = [monday - timedelta(days=n) for n in days_before]
    last = max(done, default=None)
    expected = last is None or (monday - last).days >= interval
    assert is_due(day=monday, done_days=done, interval_days=interval, weekly_max=weekly_max) is (
        expected
    )


@FAST
@given(DAYS, DONE, INTERVALS, WEEKLY_MAX)
def test_next_due_day_is_the_first_due_day(after, done, interval, weekly_max):
    found = next_due_day(after=after, done_days=done, interval_days=interval, weekly_max=weekly_max)
    assert found >= after
    assert oracle_is_due(found, done, interval, weekly_max)
    for offset in range((found - after).days):
        assert not oracle_is_due(after + timedelta(days=offset), done, interval, weekly_max)


@FAST
@given(DAYS, st.integers(0, 60), DONE, INTERVALS, WEEKLY_MAX)
def test_projected_due_days_respect_interval_and_weekly_max(start, span, done, interval, wmax):
    history = [d for d in done if d < start]
    end = start + timedelta(days=span)
    projected = due_days(
        start=start, end=end, done_days=history, interval_days=interval, weekly_max=wmax
    )
    sessions = sorted({*history, *projected})
    assert all(start <= d <= end for d in projected)
    gaps = [(b - a).days for a, b in itertools.pairwise(sessions) if b in projected]
    assert all(gap >= interval for gap in gaps)
    for week in {d.isocalendar()[:2] for d in projected}:
        assert sum(1 for d in sessions if d.isocalendar()[:2] == week) <= wmax
    if projected:
        first = next_due_day(
            after=start, done_days=history, interval_days=interval, weekly_max=wmax
        )
        assert projected[0] == first


@FAST
@given(DAYS, st.integers(0, 40), INTERVALS, WEEKLY_MAX)
def test_projection_leaves_out_no_due_day(start, span, interval, weekly_max):
    """Every day not projected is not due, given the sessions projected before it."""
    end = start + timedelta(days=span)
    projected = due_days(
        start=start, end=end, done_days=[], interval_days=interval, weekly_max=weekly_max
    )
    for offset in range(span + 1):
        the_day = start + timedelta(days=offset)
        before = [d for d in projected if d < the_day]
        assert oracle_is_due(the_day, before, interval, weekly_max) is (the_day in projected)


@FAST
@given(st.sampled_from(sorted(SPEC_RULES)), st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_training_on_every_projected_day_reaches_full_adherence(frequency, start):
    """The scheduling table and adherence agree, from any weekday and across any week boundary."""
    interval, target, weekly_max = SPEC_RULES[frequency]
    end = start + timedelta(days=13)
    done = due_days(
        start=start, end=end, done_days=[], interval_days=interval, weekly_max=weekly_max
    )
    assert adherence(done_days=done, weekly_target=target, start=start, end=end) == Decimal("1.00")


# --- Adherence: examples --------------------------------------------------------------------


def test_adherence_is_done_over_prescribed_pro_rata():
    done = [day(0), day(2), day(4), day(7), day(9)]
    two_weeks = {"start": day(0), "end": day(13)}
    assert adherence(done_days=done, weekly_target=Decimal(3), **two_weeks) == Decimal("0.83")


def test_adherence_is_exact_for_part_weeks():
    # 10 days at 3 a week: 30/7 sessions prescribed, 3 done = exactly 70 %.
    done = [day(0), day(3), day(6)]
    result = adherence(done_days=done, weekly_target=Decimal(3), start=day(0), end=day(9))
    assert result == Decimal("0.70")


def test_adherence_rounds_down_so_thresholds_are_never_passed_by_rounding():
    done = [day(n) for n in range(11)]  # 11 of 14 daily sessions = 78.57 %
    result = adherence(done_days=done, weekly_target=Decimal(7), start=day(0), end=day(13))
    assert result == Decimal("0.78")


def test_adherence_is_capped_and_counts_a_day_once():
    done = [day(0), day(0), day(1), day(2), day(3)]
    result = adherence(done_days=done, weekly_target=Decimal(2), start=day(0), end=day(6))
    assert result == Decimal("1.00")
    once = adherence(done_days=[day(0), day(0)], weekly_target=Decimal(7), start=day(0), end=day(6))
    assert once == Decimal("0.14")


def test_adherence_ignores_days_outside_the_window():
    done = [day(-1), day(7)]
    assert adherence(done_days=done, weekly_target=Decimal(3), start=day(0), end=day(6)) == Decimal(
        "0.00"
    )


def test_adherence_with_nothing_prescribed_is_full():
    assert adherence(done_days=[], weekly_target=Decimal(0), start=day(0), end=day(6)) == Decimal(
        "1.00"
    )
    assert overall_adherence([], start=day(0), end=day(6)) == Decimal("1.00")


def test_adherence_refuses_bad_windows_and_targets():
    with pytest.raises(ValueError, match="window"):
        adherence(done_days=[], weekly_target=Decimal(3), start=day(1), end=day(0))
    with pytest.raises(ValueError, match="negative"):
        adherence(done_days=[], weekly_target=Decimal(-1), start=day(0), end=day(6))


def test_overall_adherence_caps_each_goal_before_summing():
    rolling = ([day(n) for n in range(14)], Decimal(7))  # 14 of 14
    strength = ([], Decimal(3))  # 0 of 6
    window = {"start": day(0), "end": day(13)}
    assert overall_adherence([rolling, strength], **window) == Decimal("0.70")
    # Extra strength sessions do not make up for missed rolling: (7 + 6) / 20.
    rolling = ([day(n) for n in range(7)], Decimal(7))
    strength = ([day(n) for n in range(14)], Decimal(3))
    assert overall_adherence([rolling, strength], **window) == Decimal("0.65")


# --- Adherence: properties ------------------------------------------------------------------

TARGETS = st.sampled_from([Decimal("0.5"), Decimal(2), Decimal(3), Decimal("3.5"), Decimal(7)])
WINDOW_START = st.dates(date(2026, 3, 1), date(2026, 11, 30))
SPANS = st.integers(0, 60)


@FAST
@given(DONE, TARGETS, DAYS, SPANS)
def test_adherence_is_a_fraction_in_hundredths(done, target, start, span):
    result = adherence(
        done_days=done, weekly_target=target, start=start, end=start + timedelta(days=span)
    )
    assert Decimal(0) <= result <= Decimal(1)
    assert result == result.quantize(Decimal("0.01"))


@FAST
@given(DONE, DAYS, TARGETS, DAYS, SPANS)
def test_adding_a_done_day_never_lowers_adherence(done, extra, target, start, span):
    window = {"weekly_target": target, "start": start, "end": start + timedelta(days=span)}
    assert adherence(done_days=[*done, extra], **window) >= adherence(done_days=done, **window)


@FAST
@given(st.lists(st.tuples(DONE, TARGETS), min_size=1, max_size=4), DAYS, SPANS)
def test_overall_adherence_lies_between_the_goals(items, start, span):
    window = {"start": start, "end": start + timedelta(days=span)}
    per_goal = [adherence(done_days=d, weekly_target=t, **window) for d, t in items]
    overall = overall_adherence(items, **window)
    assert min(per_goal) <= overall <= max(per_goal)
    if len(items) == 1:
        assert overall == per_goal[0]


@FAST
@given(st.lists(st.tuples(DONE, TARGETS), max_size=4), DAYS, SPANS)
def test_overall_adherence_of_counted_days_equals_the_one_of_the_days(items, start, span):
    """The patient list counts the days in SQL: the same rule on the counts (distinct days
    within the window) gives the same answer."""
    window = {"start": start, "end": start + timedelta(days=span)}
    counts = [
        (len({d for d in days if window["start"] <= d <= window["end"]}), target)
        for days, target in items
    ]
    assert overall_adherence_of_counts(counts, **window) == overall_adherence(items, **window)


# --- Session flags --------------------------------------------------------------------------


def flags(**overrides):
    values = {
        "pain_limit": 3,
        "pain_before": 2,
        "pain_after": 2,
        "exercise_pains": [1, 2, None],
        "red_flags": [],
    }
    return session_flag_reasons(**(values | overrides))


def test_a_comfortable_session_is_not_flagged():
    assert flags() == []


def test_exercise_pain_above_the_limit_flags_but_at_the_limit_does_not():
    assert flags(exercise_pains=[2, 4]) == [FlagReason.PAIN_ABOVE_LIMIT]
    assert flags(exercise_pains=[3, 3]) == []


def test_pain_before_or_after_above_the_limit_flags_even_when_it_did_not_rise():
    assert flags(pain_before=3, pain_after=4) == [FlagReason.PAIN_ABOVE_LIMIT]
    assert flags(pain_before=None, pain_after=4) == [FlagReason.PAIN_ABOVE_LIMIT]
    assert flags(pain_before=5, pain_after=5, exercise_pains=[]) == [FlagReason.PAIN_ABOVE_LIMIT]
    assert flags(pain_before=4, pain_after=2, exercise_pains=[]) == [FlagReason.PAIN_ABOVE_LIMIT]
    assert flags(pain_before=3, pain_after=3, exercise_pains=[3]) == []


def test_steady_high_pain_is_in_the_high_risk_zone():
    """8 before and 8 after with a limit of 3: above the limit and above 5, not a rise."""
    assert flags(pain_before=8, pain_after=8, exercise_pains=[]) == [
        FlagReason.PAIN_HIGH,
        FlagReason.PAIN_ABOVE_LIMIT,
    ]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"pain_before": 6}, True),
        ({"pain_after": 6}, True),
        ({"exercise_pains": [1, 6]}, True),
        ({"pain_before": 5, "pain_after": 5, "exercise_pains": [5]}, False),
    ],
)
def test_any_pain_above_five_is_high(where, expected):
    assert (FlagReason.PAIN_HIGH in flags(pain_limit=10, **where)) is expected


@pytest.mark.parametrize(
    ("before", "after", "flagged"),
    [(0, 2, True), (1, 2, False), (3, 1, False), (None, 3, False), (1, None, False)],
)
def test_pain_rise_of_two_points_flags(before, after, flagged):
    assert (FlagReason.PAIN_RISE in flags(pain_before=before, pain_after=after)) is flagged


def test_red_flag_comes_first_and_empty_answers_are_ignored():
    assert flags(red_flags=[""]) == []
    assert flags(red_flags=["saddle_numbness"], pain_before=1, pain_after=5) == [
        FlagReason.RED_FLAG,
        FlagReason.PAIN_ABOVE_LIMIT,
        FlagReason.PAIN_RISE,
    ]
    assert flags(red_flags=["cauda_saddle"], pain_after=None) == [FlagReason.RED_FLAG]


def test_flags_refuse_scores_off_the_scale():
    with pytest.raises(ValueError, match="0–10"):
        flags(exercise_pains=[11])
    with pytest.raises(ValueError, match="0–10"):
        flags(pain_before=-1)


def test_flag_reasons_are_stored_codes_with_translatable_messages():
    assert FlagReason("pain_rise") is FlagReason.PAIN_RISE
    assert FlagReason.PAIN_RISE.code == "pain_rise"
    with translation.override("en"):
        assert str(FlagReason.PAIN_RISE.message) == (
            "Pain after the session was 2 or more points higher than before it."
        )
        assert all(str(reason.message) for reason in FlagReason)


NRS = st.integers(0, 10)
OPTIONAL_NRS = st.none() | NRS


@FAST
@given(NRS, OPTIONAL_NRS, OPTIONAL_NRS, st.lists(OPTIONAL_NRS, max_size=6), NRS)
def test_more_exercise_pain_never_removes_a_flag(limit, before, after, pains, more):
    base = set(flags(pain_limit=limit, pain_before=before, pain_after=after, exercise_pains=pains))
    worse = flags(
        pain_limit=limit, pain_before=before, pain_after=after, exercise_pains=[*pains, more]
    )
    assert base <= set(worse)
    assert len(worse) == len(set(worse))
    rise = before is not None and after is not None and after - before >= 2
    assert (FlagReason.PAIN_RISE in worse) is rise


# --- 24-hour response -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pain", "zone"),
    [
        (0, "safe"),
        (2, "safe"),
        (3, "acceptable"),
        (4, "acceptable"),
        (5, "acceptable"),
        (6, "too_high"),
        (10, "too_high"),
    ],
)
def test_pain_zones(pain, zone):
    assert pain_zone(pain) == zone
    assert isinstance(pain_zone(pain), PainZone)


@pytest.mark.parametrize("pain", [-1, 11])
def test_pain_zone_refuses_scores_off_the_scale(pain):
    with pytest.raises(ValueError, match="0–10"):
        pain_zone(pain)


@pytest.mark.parametrize(
    ("before", "next_day", "expected"),
    [
        (2, 3, []),
        (2, 4, [FlagReason.NEXT_DAY_WORSE]),
        (5, 7, [FlagReason.NEXT_DAY_WORSE, FlagReason.NEXT_DAY_PAIN_HIGH]),
        (6, 6, [FlagReason.NEXT_DAY_PAIN_HIGH]),
        (None, 5, []),
        (None, 6, [FlagReason.NEXT_DAY_PAIN_HIGH]),
        (7, 2, []),
    ],
)
def test_next_day_flags(before, next_day, expected):
    assert next_day_flag_reasons(pain_before_session=before, pain_next_day=next_day) == expected


# --- Advice ---------------------------------------------------------------------------------


def test_no_flag_no_advice():
    assert session_advice([]) == []


def test_pain_flags_advise_less_load_staying_below_the_limit_and_calling_if_it_persists():
    expected = [Advice.REDUCE_RANGE_OR_LOAD, Advice.STAY_BELOW_LIMIT, Advice.CONTACT_IF_PERSISTS]
    assert session_advice([FlagReason.PAIN_ABOVE_LIMIT]) == expected
    assert session_advice(["pain_above_limit", "pain_rise"]) == expected


def test_next_day_flags_advise_less_load_next_time():
    assert session_advice([FlagReason.NEXT_DAY_WORSE]) == [
        Advice.LESS_LOAD_NEXT_TIME,
        Advice.CONTACT_IF_PERSISTS,
    ]
    assert session_advice([FlagReason.NEXT_DAY_WORSE, FlagReason.NEXT_DAY_PAIN_HIGH]) == [
        Advice.STOP_TODAY,
        Advice.LESS_LOAD_NEXT_TIME,
        Advice.CONTACT_IF_PERSISTS,
    ]


def test_high_pain_advises_not_to_go_on_today():
    advice = session_advice([FlagReason.PAIN_HIGH, FlagReason.PAIN_ABOVE_LIMIT])
    assert advice[0] is Advice.STOP_TODAY
    assert Advice.STOP_TODAY.level == "warning"
    with translation.override("en"):
        assert "do not go on today" in str(Advice.STOP_TODAY.message)
    assert session_advice(["pain_rise", "next_day_worse"]) == [
        Advice.REDUCE_RANGE_OR_LOAD,
        Advice.LESS_LOAD_NEXT_TIME,
        Advice.STAY_BELOW_LIMIT,
        Advice.CONTACT_IF_PERSISTS,
    ]


def test_a_red_flag_overrides_all_other_advice():
    assert session_advice(list(FlagReason), red_flags=["leg_weakness"]) == [
        Advice.DOCTOR_TODAY,
        Advice.PROGRAMME_STOPPED,
    ]


@pytest.mark.parametrize(
    ("signs", "expected"),
    [
        (["cauda_saddle"], [Advice.EMERGENCY_NOW, Advice.PROGRAMME_STOPPED]),
        (["cauda_bladder"], [Advice.EMERGENCY_NOW, Advice.PROGRAMME_STOPPED]),
        (["leg_weakness"], [Advice.DOCTOR_TODAY, Advice.PROGRAMME_STOPPED]),
        (
            ["leg_weakness", "cauda_bladder"],
            [Advice.EMERGENCY_NOW, Advice.DOCTOR_TODAY, Advice.PROGRAMME_STOPPED],
        ),
        (["tumour_history"], [Advice.PROGRAMME_STOPPED]),
        ([], []),
    ],
)
def test_red_flag_advice_by_sign(signs, expected):
    assert red_flag_advice(signs) == expected


def test_emergency_advice_is_unmistakable():
    """Cauda equina signs: the emergency department now and 112, never "today" or "contact"."""
    with translation.override("en"):
        emergency = str(Advice.EMERGENCY_NOW.message)
        assert "emergency department now" in emergency
        assert "112" in emergency
        assert "today" not in emergency
        assert "doctor today" in str(Advice.DOCTOR_TODAY.message)
    assert Advice.EMERGENCY_NOW.level == Advice.DOCTOR_TODAY.level == "urgent"
    assert session_advice([FlagReason.RED_FLAG]) == [
        Advice.EMERGENCY_NOW,
        Advice.PROGRAMME_STOPPED,
    ]


@pytest.mark.parametrize(("last", "expected"), [(None, False), (0, True), (30, True), (31, False)])
def test_a_programme_needs_a_screening_of_the_last_30_days(last, expected):
    today = date(2026, 12, 2)
    last_screened = None if last is None else today - timedelta(days=last)
    assert screening_is_current(last_screened=last_screened, today=today, valid_days=30) is expected


@pytest.mark.parametrize(
    ("born", "chronic", "expected"),
    [
        (date(1976, 12, 2), False, []),  # 50 today: not over 50
        (date(1976, 12, 1), False, []),
        (date(1975, 12, 1), False, ["age_over_50"]),
        (None, True, ["chronic_inflammatory"]),
        (date(1941, 1, 1), True, ["age_over_50", "chronic_inflammatory"]),
    ],
)
def test_screening_prompts_from_the_patient_record(born, chronic, expected):
    prompts = screening_prompts(
        date_of_birth=born, chronic_inflammatory_disease=chronic, today=date(2026, 12, 2)
    )
    assert prompts == expected


def test_advice_refuses_unknown_codes():
    with pytest.raises(ValueError, match="not_a_reason"):
        session_advice(["not_a_reason"])


# --- Pain trend and readiness ---------------------------------------------------------------


def test_pain_trend_is_the_difference_of_means():
    assert pain_trend(recent=[4, 5, 6], earlier=[3, 3]) == Decimal("2.00")
    assert pain_trend(recent=[2, 2], earlier=[3, 4]) == Decimal("-1.50")
    # Exact arithmetic: 4/3 − 1/3 is exactly one point, not 0.99.
    assert pain_trend(recent=[1, 1, 2], earlier=[0, 0, 1]) == Decimal("1.00")


def test_pain_trend_needs_two_scores_in_each_window():
    assert pain_trend(recent=[5], earlier=[1, 1, 1]) is None
    assert pain_trend(recent=[5, 5], earlier=[]) is None


@FAST
@given(st.lists(NRS, min_size=2, max_size=14), st.lists(NRS, min_size=2, max_size=14))
def test_pain_trend_properties(recent, earlier):
    trend = pain_trend(recent=recent, earlier=earlier)
    assert Decimal(-10) <= trend <= Decimal(10)
    assert pain_trend(recent=recent, earlier=recent) == 0


TODAY = date(2026, 5, 1)
READY = {
    "today": TODAY,
    "phase_started": TODAY - timedelta(days=20),
    "adherence_14d": Decimal("0.90"),
    "flagged_last_7d": 0,
    "pain_trend": Decimal("-0.50"),
    "has_next_phase": True,
    "open_red_flag": False,
}


def unmet(result):
    return {reason.code for reason in result.reasons if not reason.met}


def test_ready_when_every_criterion_is_met():
    result = readiness(**READY)
    assert result.ready
    assert [reason.code for reason in result.reasons] == list(ReadinessCode)
    assert unmet(result) == set()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"phase_started": TODAY - timedelta(days=13)}, ReadinessCode.TIME_IN_PHASE),
        ({"phase_started": TODAY + timedelta(days=3)}, ReadinessCode.TIME_IN_PHASE),
        ({"min_days": 28}, ReadinessCode.TIME_IN_PHASE),
        ({"adherence_14d": Decimal("0.79")}, ReadinessCode.ADHERENCE),
        ({"flagged_last_7d": 1}, ReadinessCode.NO_RECENT_FLAG),
        ({"pain_trend": Decimal("1.00")}, ReadinessCode.PAIN_NOT_RISING),
        ({"has_next_phase": False}, ReadinessCode.HAS_NEXT_PHASE),
        ({"open_red_flag": True}, ReadinessCode.NO_OPEN_RED_FLAG),
    ],
)
def test_each_criterion_alone_blocks_readiness(change, code):
    result = readiness(**(READY | change))
    assert not result.ready
    assert unmet(result) == {code}


@pytest.mark.parametrize(
    "change",
    [
        {"phase_started": TODAY - timedelta(days=14)},
        {"adherence_14d": Decimal("0.80")},
        {"pain_trend": Decimal("0.99")},
        {"pain_trend": None},
    ],
)
def test_criteria_boundaries_that_still_count_as_met(change):
    assert readiness(**(READY | change)).ready


def test_readiness_explains_itself():
    result = readiness(
        **(READY | {"phase_started": TODAY - timedelta(days=1), "flagged_last_7d": 2})
    )
    with translation.override("en"):
        messages = {reason.code: str(reason.message) for reason in result.reasons}
    assert messages[ReadinessCode.TIME_IN_PHASE] == "1 day in this phase; at least 14 needed."
    assert messages[ReadinessCode.ADHERENCE] == (
        "Adherence over the last 14 days: 90 % (at least 80 % needed)."
    )
    assert messages[ReadinessCode.NO_RECENT_FLAG] == "2 flagged sessions in the last 7 days."
    assert "\u22120.5 points" in messages[ReadinessCode.PAIN_NOT_RISING]  # a minus sign
    with translation.override("de"):
        german = next(r for r in result.reasons if r.code == ReadinessCode.PAIN_NOT_RISING)
        # The same message object, read in German: the number in the German locale.
        assert "\u22120,5 Punkte" in str(german.message)


def test_readiness_says_when_there_is_too_little_pain_data():
    result = readiness(**(READY | {"pain_trend": None}))
    pain = next(r for r in result.reasons if r.code == ReadinessCode.PAIN_NOT_RISING)
    with translation.override("en"):
        assert pain.met
        assert "too little" in str(pain.message).lower()


def test_a_trend_just_below_rising_is_not_shown_as_a_full_point():
    result = readiness(**(READY | {"pain_trend": Decimal("0.99")}))
    pain = next(r for r in result.reasons if r.code == ReadinessCode.PAIN_NOT_RISING)
    with translation.override("en"):
        assert "+0.9 points" in str(pain.message)
