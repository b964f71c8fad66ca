"""Pure timing rules of reminders: which local wall-clock times fall into a run's window, quiet
hours, the evening nudge, retry back-off and the digest day.

A patient's reminder time is a wall-clock time in their own zone. The run that sends it is the one
whose window (start, end] contains the *moment* of that wall-clock time, resolved the way
``zoneinfo`` does with ``fold=0``: a time skipped when clocks go forward (02:30 on the last Sunday
of March in Berlin) is read with the offset before the change, so it still happens, once; a time
that occurs twice when clocks go back happens at its first occurrence only. Consecutive windows
therefore hand every wall-clock time to exactly one run, across DST changes and midnight.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

ONE_MINUTE = timedelta(minutes=1)
# Wider than any daylight-saving shift in the tz database (2 h), so every wall-clock time whose
# moment lies in the window is inside the span that is walked.
_MARGIN = timedelta(hours=3)
NUDGE_MIN_GAP = timedelta(hours=1)  # no evening nudge right after the reminder itself


@dataclass(frozen=True)
class WallRange:
    """Wall-clock times of one local day between two bounds; a missing bound is the start or the
    end of the day."""

    day: date
    after: time | None
    after_inclusive: bool
    until: time | None
    until_inclusive: bool

    def contains(self, value: time) -> bool:
        if self.after is not None and (
            value < self.after or (value == self.after and not self.after_inclusive)
        ):
            return False
        return (
            self.until is None
            or value < self.until
            or (value == self.until and self.until_inclusive)
        )


def wall_ranges(zone: tzinfo, start: datetime, end: datetime) -> list[WallRange]:
    """The local wall-clock ranges whose moments (``fold=0``) lie in the window (start, end]."""
    if start.utcoffset() is None or end.utcoffset() is None:
        raise ValueError("wall_ranges() needs aware datetimes.")
    if end <= start:
        return []
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    naive_ranges = []
    for segment_start, segment_end, offset in _offset_segments(zone, start, end):
        # In this segment a wall time w is the moment w - offset: inside the window when
        # start + offset < w <= end + offset.
        low, high = (start + offset).replace(tzinfo=None), (end + offset).replace(tzinfo=None)
        lower, lower_inclusive = (segment_start, True) if segment_start > low else (low, False)
        upper, upper_inclusive = (high, True) if high < segment_end else (segment_end, False)
        if lower < upper or (lower == upper and lower_inclusive and upper_inclusive):
            naive_ranges.append((lower, lower_inclusive, upper, upper_inclusive))
    return [piece for naive in naive_ranges for piece in _split_days(*naive)]


def _offset_segments(
    zone: tzinfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """Naive wall-clock spans [from, to) around the window with one ``fold=0`` offset each."""
    first = (start.astimezone(zone).replace(tzinfo=None) - _MARGIN).replace(second=0, microsecond=0)
    last = end.astimezone(zone).replace(tzinfo=None) + _MARGIN
    hours = range(_hours(first, last))
    offsets = [_offset(zone, first + timedelta(hours=hour)) for hour in hours]
    if len(set(offsets)) == 1 and _offset(zone, last) == offsets[0]:
        return [(first, last, offsets[0])]  # no change of offset near the window: the usual case
    segments = []
    minute, current, segment_start = first, _offset(zone, first), first
    while minute <= last:
        offset = _offset(zone, minute)
        if offset != current:
            segments.append((segment_start, minute, current))
            segment_start, current = minute, offset
        minute += ONE_MINUTE
    segments.append((segment_start, last, current))
    return segments


def _hours(first: datetime, last: datetime) -> int:
    return int((last - first) / timedelta(hours=1)) + 1


def _offset(zone: tzinfo, wall: datetime) -> timedelta:
    offset = wall.replace(tzinfo=zone).utcoffset()
    if offset is None:  # a tzinfo without offsets cannot place a reminder on the clock
        raise ValueError(f"{zone!r} gives no UTC offset")
    return offset


def _split_days(
    lower: datetime, lower_inclusive: bool, upper: datetime, upper_inclusive: bool
) -> list[WallRange]:
    """One naive range cut at midnight into per-day ranges."""
    pieces = []
    day = lower.date()
    while True:
        after = lower.time() if day == lower.date() else None
        after_inclusive = lower_inclusive if day == lower.date() else True
        if day == upper.date():
            if upper.time() == time.min and not upper_inclusive:
                break  # ends exactly at this midnight: nothing of this day
            pieces.append(WallRange(day, after, after_inclusive, upper.time(), upper_inclusive))
            break
        pieces.append(WallRange(day, after, after_inclusive, None, True))
        day += timedelta(days=1)
    return [piece for piece in pieces if not _empty(piece)]


def _empty(piece: WallRange) -> bool:
    if piece.after is None or piece.until is None:
        return False
    return piece.after > piece.until or (
        piece.after == piece.until and not (piece.after_inclusive and piece.until_inclusive)
    )


def in_quiet_hours(value: time, start: time, end: time) -> bool:
    """Whether ``value`` lies in the quiet hours [start, end); they may run over midnight
    (21:00–07:00). Equal bounds mean no quiet hours."""
    if start == end:
        return False
    if start < end:
        return start <= value < end
    return value >= start or value < end


def nudge_applies(*, reminder_time: time, nudge_time: time) -> bool:
    """The evening nudge follows the day's reminder by at least ``NUDGE_MIN_GAP``; a patient who
    chose an evening reminder time gets no second message right after it."""
    day = date(2000, 1, 1)
    return datetime.combine(day, reminder_time) + NUDGE_MIN_GAP <= datetime.combine(day, nudge_time)


def retry_delay(retries: int, *, base_seconds: int = 60, cap_seconds: int = 3600) -> int:
    """Exponential back-off for a failed send: 60 s, 120 s, 240 s … at most an hour."""
    return min(cap_seconds, base_seconds * (1 << max(retries, 0)))


def digest_week(local_now: datetime, *, weekday: int, at: time) -> date | None:
    """The Monday of the week whose digest is due at ``local_now`` (the practice's time), or None.

    The digest is due on ``weekday`` from ``at`` until that day ends, so a run missed in the
    morning (worker down) still sends it later that day, once.
    """
    if local_now.weekday() != weekday or local_now.time() < at:
        return None
    day = local_now.date()
    return day - timedelta(days=day.weekday())


def parse_time(value: str) -> time | None:
    """A setting such as "19:30"; empty means switched off."""
    value = value.strip()
    return time.fromisoformat(value) if value else None
