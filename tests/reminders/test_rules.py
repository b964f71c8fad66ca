"""The pure timing rules: which wall-clock times a window hands out, across DST and midnight."""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reminders import rules

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def fires(zone, day, at, start, end):
    return any(r.day == day and r.contains(at) for r in rules.wall_ranges(zone, start, end))


def test_plain_window_is_the_local_quarter_hour():
    # 16:45–17:00 UTC is 18:45–19:00 in Berlin (CEST), 12:45–13:00 in New York (EDT).
    ranges = rules.wall_ranges(BERLIN, utc(2026, 6, 1, 16, 45), utc(2026, 6, 1, 17))
    assert ranges == [rules.WallRange(date(2026, 6, 1), time(18, 45), False, time(19), True)]
    assert fires(NEW_YORK, date(2026, 6, 1), time(13), utc(2026, 6, 1, 16, 45), utc(2026, 6, 1, 17))
    assert not fires(
        NEW_YORK, date(2026, 6, 1), time(12, 45), utc(2026, 6, 1, 16, 45), utc(2026, 6, 1, 17)
    )


def test_half_hour_offsets():
    # Kolkata is UTC+05:30: 12:30 UTC is 18:00 there.
    assert fires(
        KOLKATA, date(2026, 6, 1), time(18), utc(2026, 6, 1, 12, 15), utc(2026, 6, 1, 12, 30)
    )


def test_window_over_midnight_splits_into_two_days():
    ranges = rules.wall_ranges(BERLIN, utc(2026, 6, 1, 21, 50), utc(2026, 6, 1, 22, 5))
    assert [(r.day, r.after, r.until) for r in ranges] == [
        (date(2026, 6, 1), time(23, 50), None),
        (date(2026, 6, 2), None, time(0, 5)),
    ]


def test_spring_forward_time_in_the_gap_fires_once():
    # 2026-03-29 Berlin: 02:00 CET jumps to 03:00 CEST (01:00 UTC). 02:30 does not exist; it is
    # read as 02:30 CET = 01:30 UTC and goes out in the window ending 01:30 UTC (03:30 CEST).
    day = date(2026, 3, 29)
    windows = _quarter_hours(utc(2026, 3, 28, 23), utc(2026, 3, 29, 4))
    hits = [end for start, end in windows if fires(BERLIN, day, time(2, 30), start, end)]
    assert hits == [utc(2026, 3, 29, 1, 30)]
    for at in (time(1, 55), time(3), time(3, 10)):
        assert sum(fires(BERLIN, day, at, start, end) for start, end in windows) == 1


def test_fall_back_repeated_time_fires_at_its_first_occurrence_only():
    # 2026-10-25 Berlin: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:30 happens twice.
    day = date(2026, 10, 25)
    windows = _quarter_hours(utc(2026, 10, 24, 22), utc(2026, 10, 25, 4))
    hits = [end for start, end in windows if fires(BERLIN, day, time(2, 30), start, end)]
    assert hits == [utc(2026, 10, 25, 0, 30)]  # 02:30 CEST
    assert rules.wall_ranges(BERLIN, utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 15)) == []


def test_new_york_dst_days():
    # 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
    spring = _quarter_hours(utc(2026, 3, 8, 4), utc(2026, 3, 8, 10))
    assert sum(fires(NEW_YORK, date(2026, 3, 8), time(2, 15), s, e) for s, e in spring) == 1
    autumn = _quarter_hours(utc(2026, 11, 1, 3), utc(2026, 11, 1, 9))
    hits = [e for s, e in autumn if fires(NEW_YORK, date(2026, 11, 1), time(1, 30), s, e)]
    assert hits == [utc(2026, 11, 1, 5, 30)]  # 01:30 EDT, not again at 01:30 EST


def _quarter_hours(first, last):
    step = timedelta(minutes=15)
    return [(first + step * i, first + step * (i + 1)) for i in range(int((last - first) / step))]


ZONES = st.sampled_from(
    ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
)


@settings(max_examples=60, deadline=None)
@given(
    zone=ZONES,
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    at=st.times(),
    window=st.integers(min_value=1, max_value=90),
    phase=st.integers(min_value=0, max_value=3599),
)
def test_consecutive_windows_hand_out_every_wall_time_exactly_once(zone, day, at, window, phase):
    """Whatever the zone, day, time and window length: exactly one run sends it."""
    zone = ZoneInfo(zone)
    moment = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
    step = timedelta(minutes=window)
    first = moment - timedelta(hours=4) + timedelta(seconds=phase)
    windows = [
        (first + step * i, first + step * (i + 1)) for i in range(int(timedelta(hours=8) / step))
    ]
    hits = [end for start, end in windows if fires(zone, day, at, start, end)]
    assert len(hits) == 1
    start = hits[0] - step
    assert start < moment <= hits[0]


@given(at=st.times(), start=st.times(), end=st.times())
def test_quiet_hours(at, start, end):
    quiet = rules.in_quiet_hours(at, start, end)
    if start == end:
        assert not quiet
    elif start < end:
        assert quiet == (start <= at < end)
    else:
        assert quiet == (at >= start or at < end)


@pytest.mark.parametrize(
    ("at", "quiet"), [(time(20, 59), False), (time(21), True), (time(3), True), (time(7), False)]
)
def test_default_quiet_hours_run_over_midnight(at, quiet):
    assert rules.in_quiet_hours(at, time(21), time(7)) is quiet


def test_evening_nudge_needs_an_hour_after_the_reminder():
    assert rules.nudge_applies(reminder_time=time(18), nudge_time=time(19, 30))
    assert rules.nudge_applies(reminder_time=time(18, 30), nudge_time=time(19, 30))
    assert not rules.nudge_applies(reminder_time=time(19), nudge_time=time(19, 30))
    assert not rules.nudge_applies(reminder_time=time(20), nudge_time=time(19, 30))


def test_retry_delay_doubles_up_to_an_hour():
    assert [rules.retry_delay(n) for n in range(8)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_digest_week():
    monday = datetime(2026, 3, 30, 7, 0, tzinfo=BERLIN)
    assert rules.digest_week(monday, weekday=0, at=time(7)) == date(2026, 3, 30)
    assert rules.digest_week(monday.replace(hour=6), weekday=0, at=time(7)) is None
    assert rules.digest_week(monday + timedelta(days=1), weekday=0, at=time(7)) is None
    assert rules.digest_week(monday.replace(hour=23), weekday=0, at=time(7)) == date(2026, 3, 30)


def test_parse_time():
    assert rules.parse_time("19:30") == time(19, 30)
    assert rules.parse_time(" ") is None


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        rules.wall_ranges(BERLIN, datetime(2026, 1, 1), datetime(2026, 1, 1, 1))


def test_wall_ranges_refuse_naive_datetimes():
    aware = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match="aware"):
        rules.wall_ranges(ZoneInfo("Europe/Berlin"), datetime(2026, 3, 1, 11), aware)
    with pytest.raises(ValueError, match="aware"):
        rules.wall_ranges(ZoneInfo("Europe/Berlin"), aware, datetime(2026, 3, 1, 13))


def test_a_clock_change_at_midnight_adds_no_empty_range_for_the_next_day():
    """Chile goes back from 00:00 to 23:00 (5/6 April 2025): the three hours after 21:00 are all
    wall times of 5 April, the part of the segment ending at midnight included."""
    ranges = rules.wall_ranges(
        ZoneInfo("America/Santiago"),
        datetime(2025, 4, 6, 0, tzinfo=UTC),
        datetime(2025, 4, 6, 3, tzinfo=UTC),
    )

    assert ranges == [
        rules.WallRange(date(2025, 4, 5), time(21), False, None, True),
    ]


def test_an_empty_or_reversed_window_has_no_wall_ranges():
    moment = datetime(2026, 6, 1, 12, tzinfo=UTC)
    zone = ZoneInfo("Europe/Berlin")
    assert rules.wall_ranges(zone, moment, moment) == []
    assert rules.wall_ranges(zone, moment, moment - timedelta(hours=1)) == []


class _NoOffset(tzinfo):
    def utcoffset(self, dt):
        return None


def test_a_time_zone_without_offsets_cannot_place_a_reminder():
    with pytest.raises(ValueError, match="no UTC offset"):
        rules._offset(_NoOffset(), datetime(2026, 6, 1, 12))
