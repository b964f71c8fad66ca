"""Pure domain rules: the patient's calendar day, due-ness, adherence, session flags, readiness.

The admin, the portal, the API and the reminder task all call these functions, so each rule of
docs/clinical-safety.md and docs/product.md is stated once. They take plain values (days, pain
scores, counts), never model instances or querysets: selectors fetch the numbers with set-based
queries and the rules stay easy to test.

Rounding is always *down* (floor) to two places, so a value that passes a threshold such as 80 %
was truly at or above it; no patient is declared ready by rounding.
"""

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

type Text = str | Promise

DEFAULT_TIME_ZONE = "Europe/Berlin"

NRS_MIN, NRS_MAX = 0, 10
PAIN_RISE = 2  # points from before to after a session that flag it
NEXT_DAY_WORSE = 2  # points worse the next morning than before the session
# Pain-monitoring model (Silbernagel et al. 2007; docs/clinical-safety.md): 0–2 safe, up to 5
# acceptable, above 5 high risk. The patient's own limit (default 3) is the therapist's setting.
SAFE_PAIN_MAX = 2
ACCEPTABLE_PAIN_MAX = 5
DEFAULT_PAIN_LIMIT = 3  # the product's choice: some clinics count 0–3 as safe

SCREENING_VALID_DAYS = 30  # a programme starts only after a screening this recent
SCREENING_AGE_PROMPT = 50  # the guideline's tumour prompt

READY_MIN_DAYS = 14
READY_ADHERENCE = Decimal("0.80")
ADHERENCE_WINDOW_DAYS = 14  # readiness looks at adherence over this many days
FLAG_WINDOW_DAYS = 7  # … and at flagged sessions over this many days
PAIN_TREND_WINDOW_DAYS = 7  # pain_trend compares the last N days with the N before
PAIN_TREND_MIN_VALUES = 2  # fewer values per window is noise, not a trend
PAIN_TREND_RISING = Decimal(1)  # mean pain up by this much counts as rising


# --- Calendar days -------------------------------------------------------------------------


def local_day(instant: datetime, time_zone: str | tzinfo | None = DEFAULT_TIME_ZONE) -> date:
    """The patient's own calendar day for an instant.

    Due-ness, adherence and reminders count the patient's days, so a session at 00:30 in Berlin
    belongs to that Berlin day although it is still the previous day in UTC. A naive datetime has
    no defined day and is refused rather than guessed. An empty zone (a blank profile field)
    means the default zone.
    """
    if instant.utcoffset() is None:
        raise ValueError("local_day() needs an aware datetime.")
    zone = time_zone if isinstance(time_zone, tzinfo) else ZoneInfo(time_zone or DEFAULT_TIME_ZONE)
    return instant.astimezone(zone).date()


def week_start(day: date) -> date:
    """Monday of the ISO week of ``day``: the weekly maximum starts afresh there."""
    return day - timedelta(days=day.weekday())


# --- Due-ness (docs/product.md, scheduling rule) --------------------------------------------


def is_due(*, day: date, done_days: Iterable[date], interval_days: int, weekly_max: int) -> bool:
    """Whether a goal's exercises are due on ``day``.

    Due when at least ``interval_days`` have passed since the last done day (a day already done is
    therefore not due again) and fewer than ``weekly_max`` days were done in that ISO week. Only
    days up to ``day`` count, so history pages show what was due then, not what later logs imply.
    """
    _check_schedule(interval_days, weekly_max)
    return _due(day, _sorted_days(done_days), interval_days, weekly_max)


def next_due_day(
    *, after: date, done_days: Iterable[date], interval_days: int, weekly_max: int
) -> date:
    """The first day on or after ``after`` that is due if nothing more is done.

    Always exists: the Monday after the last done day plus the interval is due at the latest.
    """
    _check_schedule(interval_days, weekly_max)
    done = _sorted_days(done_days)
    day = after
    while not _due(day, done, interval_days, weekly_max):
        day += timedelta(days=1)
    return day


def due_days(
    *, start: date, end: date, done_days: Iterable[date], interval_days: int, weekly_max: int
) -> list[date]:
    """The due days in [start, end], assuming the patient trains on every one of them.

    This is the plan the calendar feed shows: each projected session pushes the next one out by
    the interval and fills the week towards its maximum, as a real session would.
    """
    _check_schedule(interval_days, weekly_max)
    done = _sorted_days(done_days)
    projected = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        if _due(day, done, interval_days, weekly_max):
            bisect.insort(done, day)
            projected.append(day)
    return projected


def _due(day: date, done: list[date], interval_days: int, weekly_max: int) -> bool:
    upto = bisect.bisect_right(done, day)  # done[:upto] are the days on or before `day`
    if upto and (day - done[upto - 1]).days < interval_days:
        return False
    return upto - bisect.bisect_left(done, week_start(day)) < weekly_max


def _sorted_days(done_days: Iterable[date]) -> list[date]:
    """Distinct days, sorted; a day trained twice is still one day."""
    days = set(done_days)
    if any(isinstance(day, datetime) for day in days):
        raise TypeError("Pass the patient's calendar days (see local_day()), not datetimes.")
    return sorted(days)


def _check_schedule(interval_days: int, weekly_max: int) -> None:
    if interval_days < 1 or weekly_max < 1:
        raise ValueError("interval_days and weekly_max must be at least 1.")


# --- Adherence ------------------------------------------------------------------------------


def adherence(
    *, done_days: Iterable[date], weekly_target: Decimal, start: date, end: date
) -> Decimal:
    """Sessions done in [start, end] ÷ sessions prescribed (weekly target, pro rata), at most 1.

    Extra sessions do not count above the prescription: training more is not "more adherent".
    When nothing is prescribed nothing was missed, so the answer is 1.00.
    """
    done, prescribed = _capped_counts(
        _days_within(done_days, start, end), weekly_target, start, end
    )
    return _floor_hundredths(done, prescribed)


def overall_adherence(
    items: Iterable[tuple[Iterable[date], Decimal]], *, start: date, end: date
) -> Decimal:
    """Adherence across goals: done (capped per goal) ÷ prescribed, summed over goals.

    Capping each goal first keeps extra rolling from hiding skipped strength work. ``items`` holds
    one ``(done_days, weekly_target)`` pair per goal; no goals means nothing missed, 1.00.
    """
    return overall_adherence_of_counts(
        [(_days_within(days, start, end), target) for days, target in items],
        start=start,
        end=end,
    )


def overall_adherence_of_counts(
    items: Iterable[tuple[int, Decimal]], *, start: date, end: date
) -> Decimal:
    """``overall_adherence`` when the days are already counted: one ``(days done in [start,
    end], weekly_target)`` pair per goal, as the patient list's query counts them in SQL."""
    counts = [_capped_counts(done, target, start, end) for done, target in items]
    return _floor_hundredths(sum(c[0] for c in counts), sum(c[1] for c in counts))


def _days_within(done_days: Iterable[date], start: date, end: date) -> int:
    return sum(1 for day in _sorted_days(done_days) if start <= day <= end)


def _capped_counts(
    done: int, weekly_target: Decimal, start: date, end: date
) -> tuple[Fraction, Fraction]:
    """(done capped at prescribed, prescribed) for one goal, as exact fractions of sessions."""
    if end < start:
        raise ValueError("The adherence window ends before it starts.")
    if weekly_target < 0:
        raise ValueError("weekly_target must not be negative.")
    prescribed = Fraction(Decimal(weekly_target)) * ((end - start).days + 1) / 7
    return min(Fraction(done), prescribed), prescribed


def _floor_hundredths(numerator: Fraction | int, denominator: Fraction | int) -> Decimal:
    if not denominator:
        return Decimal("1.00")
    return Decimal(math.floor(Fraction(numerator) / Fraction(denominator) * 100)).scaleb(-2)


# --- Session flags and the 24-hour response -------------------------------------------------


class FlagReason(StrEnum):
    """Why a session is flagged; the value is the stored code, ``message`` the patient text."""

    RED_FLAG = "red_flag"
    PAIN_HIGH = "pain_high"
    PAIN_ABOVE_LIMIT = "pain_above_limit"
    PAIN_RISE = "pain_rise"
    NEXT_DAY_WORSE = "next_day_worse"
    NEXT_DAY_PAIN_HIGH = "next_day_pain_high"

    @property
    def code(self) -> str:
        return self.value

    @property
    def message(self) -> Text:
        return _FLAG_MESSAGES[self]


_FLAG_MESSAGES: dict[FlagReason, Text] = {
    FlagReason.RED_FLAG: _("A warning sign was reported that needs a medical check."),
    FlagReason.PAIN_HIGH: format_lazy(
        _("Pain was above {points} out of 10: more than training may cause."),
        points=ACCEPTABLE_PAIN_MAX,
    ),
    FlagReason.PAIN_ABOVE_LIMIT: _("Pain was above your pain limit before, during or after it."),
    FlagReason.PAIN_RISE: format_lazy(
        _("Pain after the session was {points} or more points higher than before it."),
        points=PAIN_RISE,
    ),
    FlagReason.NEXT_DAY_WORSE: format_lazy(
        _("The day after the session your back felt {points} or more points worse than before."),
        points=NEXT_DAY_WORSE,
    ),
    FlagReason.NEXT_DAY_PAIN_HIGH: format_lazy(
        _("The day after the session pain was above {points}, more than training should cause."),
        points=ACCEPTABLE_PAIN_MAX,
    ),
}


class PainZone(StrEnum):
    """Pain-monitoring zones (Silbernagel et al. 2007)."""

    SAFE = "safe"
    ACCEPTABLE = "acceptable"
    TOO_HIGH = "too_high"


def pain_zone(pain: int) -> PainZone:
    """Where a 0–10 pain score lies: 0–2 safe, 3–5 acceptable, above 5 high risk."""
    _check_nrs(pain)
    if pain <= SAFE_PAIN_MAX:
        return PainZone.SAFE
    return PainZone.ACCEPTABLE if pain <= ACCEPTABLE_PAIN_MAX else PainZone.TOO_HIGH


def session_flag_reasons(
    *,
    pain_limit: int,
    pain_before: int | None,
    pain_after: int | None,
    exercise_pains: Iterable[int | None],
    red_flags: Iterable[str],
) -> list[FlagReason]:
    """Why a just-logged session (or a symptom report) is flagged (empty: not flagged), most
    urgent first.

    ``red_flags`` are the codes of the safety questions answered yes. Any pain score above the
    patient's limit flags — before, during or after, and also when it did not rise: steady high
    pain is a reason to look, not a sign that training is harmless. Any score above
    ``ACCEPTABLE_PAIN_MAX`` is the high-risk zone and is flagged on its own.
    """
    exercise_pains = list(exercise_pains)
    _check_nrs(pain_limit, pain_before, pain_after, *exercise_pains)
    pains = [p for p in (pain_before, pain_after, *exercise_pains) if p is not None]
    checks = {
        FlagReason.RED_FLAG: any(red_flags),
        FlagReason.PAIN_HIGH: any(p > ACCEPTABLE_PAIN_MAX for p in pains),
        FlagReason.PAIN_ABOVE_LIMIT: any(p > pain_limit for p in pains),
        FlagReason.PAIN_RISE: _rise(pain_before, pain_after) >= PAIN_RISE,
    }
    return [reason for reason, flagged in checks.items() if flagged]


# Flags that reach the therapist the same day (an e-mail), not only in the admin and the digest.
SAME_DAY_FLAGS = frozenset(
    {
        FlagReason.RED_FLAG,
        FlagReason.PAIN_HIGH,
        FlagReason.NEXT_DAY_WORSE,
        FlagReason.NEXT_DAY_PAIN_HIGH,
    }
)


def next_day_flag_reasons(
    *, pain_before_session: int | None, pain_next_day: int
) -> list[FlagReason]:
    """Flags from the 24-hour response: the back should have settled by the next day.

    Worse by ``NEXT_DAY_WORSE`` or more than before the session flags it; so does next-day pain in
    the too-high zone even when it was as high before, because loading a back in that state is
    what the pain-monitoring model advises against and the therapist should know.
    """
    _check_nrs(pain_before_session, pain_next_day)
    reasons = []
    if _rise(pain_before_session, pain_next_day) >= NEXT_DAY_WORSE:
        reasons.append(FlagReason.NEXT_DAY_WORSE)
    if pain_zone(pain_next_day) is PainZone.TOO_HIGH:
        reasons.append(FlagReason.NEXT_DAY_PAIN_HIGH)
    return reasons


class AdviceLevel(StrEnum):
    URGENT = "urgent"
    WARNING = "warning"
    INFO = "info"


class Advice(StrEnum):
    """What a flag tells the patient to do; declared in the order it is shown."""

    EMERGENCY_NOW = "emergency_now"
    DOCTOR_TODAY = "doctor_today"
    PROGRAMME_STOPPED = "programme_stopped"
    STOP_TODAY = "stop_today"
    REDUCE_RANGE_OR_LOAD = "reduce_range_or_load"
    LESS_LOAD_NEXT_TIME = "less_load_next_time"
    STAY_BELOW_LIMIT = "stay_below_limit"
    CONTACT_IF_PERSISTS = "contact_if_persists"

    @property
    def code(self) -> str:
        return self.value

    @property
    def message(self) -> Text:
        return _ADVICE_MESSAGES[self]

    @property
    def level(self) -> AdviceLevel:
        if self in (Advice.EMERGENCY_NOW, Advice.DOCTOR_TODAY):
            return AdviceLevel.URGENT
        if self is Advice.CONTACT_IF_PERSISTS:
            return AdviceLevel.INFO
        return AdviceLevel.WARNING


# Emergency wording is never softened (docs/clinical-safety.md): these signs can mean a cauda
# equina syndrome, which needs surgery within hours.
_ADVICE_MESSAGES: dict[Advice, Text] = {
    Advice.EMERGENCY_NOW: _(
        "Numbness in the saddle area or changes in bladder or bowel control can be an emergency. "
        "Stop training and go to a hospital emergency department now, or call 112."
    ),
    Advice.DOCTOR_TODAY: _(
        "New or worsening weakness in a leg must be checked by a doctor today. Stop training "
        "and see a doctor today; if you cannot reach one, go to an emergency department."
    ),
    Advice.PROGRAMME_STOPPED: _(
        "Your training is stopped until your therapist has checked this with you. Your "
        "therapist has been told."
    ),
    Advice.STOP_TODAY: format_lazy(
        _(
            "Pain above {points} out of 10 is too much for training: do not go on today, and "
            "contact your practice."
        ),
        points=ACCEPTABLE_PAIN_MAX,
    ),
    Advice.REDUCE_RANGE_OR_LOAD: _("Make the movement smaller or use less load."),
    Advice.LESS_LOAD_NEXT_TIME: _(
        "Your back needed longer to settle: use less load or fewer repetitions next time."
    ),
    Advice.STAY_BELOW_LIMIT: _(
        "Train only as far as the pain stays below your limit; effort is fine, rising pain is not."
    ),
    Advice.CONTACT_IF_PERSISTS: _(
        "If the pain does not settle within a few days, contact your therapist."
    ),
}

_PAIN_ADVICE = (Advice.REDUCE_RANGE_OR_LOAD, Advice.STAY_BELOW_LIMIT, Advice.CONTACT_IF_PERSISTS)
_NEXT_DAY_ADVICE = (Advice.LESS_LOAD_NEXT_TIME, Advice.CONTACT_IF_PERSISTS)
_ADVICE_FOR: dict[FlagReason, tuple[Advice, ...]] = {
    FlagReason.RED_FLAG: (),  # by sign: red_flag_advice()
    FlagReason.PAIN_HIGH: (Advice.STOP_TODAY,),
    FlagReason.PAIN_ABOVE_LIMIT: _PAIN_ADVICE,
    FlagReason.PAIN_RISE: _PAIN_ADVICE,
    FlagReason.NEXT_DAY_WORSE: _NEXT_DAY_ADVICE,
    FlagReason.NEXT_DAY_PAIN_HIGH: (Advice.STOP_TODAY, *_NEXT_DAY_ADVICE),
}

# The signs a patient can report (safety questions, symptom report) by the advice they need.
EMERGENCY_SIGNS = frozenset({"cauda_saddle", "cauda_bladder"})
DOCTOR_TODAY_SIGNS = frozenset({"leg_weakness"})


def red_flag_advice(signs: Iterable[str]) -> list[Advice]:
    """What a patient who reported these warning signs must do, most urgent first. Signs that
    are neither (found in a screening) still stop the programme."""
    signs = set(signs)
    advice = []
    if signs & EMERGENCY_SIGNS:
        advice.append(Advice.EMERGENCY_NOW)
    if signs & DOCTOR_TODAY_SIGNS:
        advice.append(Advice.DOCTOR_TODAY)
    return [*advice, Advice.PROGRAMME_STOPPED] if signs else advice


def session_advice(
    reasons: Iterable[FlagReason | str], *, red_flags: Iterable[str] = ()
) -> list[Advice]:
    """What to tell the patient for these flag reasons (stored codes are accepted too) and the
    warning signs reported with them.

    A red flag overrides everything else: the only advice is to get help now and that training
    is stopped, so that message is not diluted by tips about load.
    """
    flags = {FlagReason(reason) for reason in reasons}
    if FlagReason.RED_FLAG in flags:
        return red_flag_advice(red_flags) or [Advice.EMERGENCY_NOW, Advice.PROGRAMME_STOPPED]
    wanted = {advice for flag in flags for advice in _ADVICE_FOR[flag]}
    return [advice for advice in Advice if advice in wanted]


def screening_is_current(*, last_screened: date | None, today: date, valid_days: int) -> bool:
    """Whether a programme may start: the last screening is at most ``valid_days`` old."""
    return last_screened is not None and (today - last_screened).days <= valid_days


def screening_prompts(
    *, date_of_birth: date | None, chronic_inflammatory_disease: bool, today: date
) -> list[str]:
    """What the patient record itself asks the screener to look into (guideline prompts): age
    over 50 (tumour), a chronic inflammatory disease (infection, inflammatory back pain)."""
    prompts = []
    if date_of_birth is not None and _age(date_of_birth, today) > SCREENING_AGE_PROMPT:
        prompts.append("age_over_50")
    if chronic_inflammatory_disease:
        prompts.append("chronic_inflammatory")
    return prompts


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _rise(before: int | None, after: int | None) -> int:
    """How much pain rose; 0 when either score is missing (no evidence of a rise)."""
    return 0 if before is None or after is None else after - before


def _check_nrs(*scores: int | None) -> None:
    if any(s is not None and not NRS_MIN <= s <= NRS_MAX for s in scores):
        raise ValueError("Pain scores are 0–10 on the numeric rating scale.")


# --- Readiness for the next phase (docs/product.md, "Foundation before load") ---------------


class ReadinessCode(StrEnum):
    NO_OPEN_RED_FLAG = "no_open_red_flag"
    HAS_NEXT_PHASE = "has_next_phase"
    TIME_IN_PHASE = "time_in_phase"
    ADHERENCE = "adherence"
    NO_RECENT_FLAG = "no_recent_flag"
    PAIN_NOT_RISING = "pain_not_rising"


@dataclass(frozen=True)
class ReadinessReason:
    code: ReadinessCode
    met: bool
    message: Text


@dataclass(frozen=True)
class Readiness:
    """The software's advice to the therapist, who alone moves a patient on."""

    ready: bool
    reasons: list[ReadinessReason]


def pain_trend(*, recent: Iterable[int], earlier: Iterable[int]) -> Decimal | None:
    """Mean of ``recent`` pain scores minus mean of ``earlier`` ones, floored to 0.01.

    Callers pass e.g. the pain-after scores of the last ``PAIN_TREND_WINDOW_DAYS`` days and of the
    same span before. None when either window has fewer than ``PAIN_TREND_MIN_VALUES`` scores: one
    score is an anecdote, and readiness then reports too little data instead of a trend.
    """
    recent, earlier = list(recent), list(earlier)
    if min(len(recent), len(earlier)) < PAIN_TREND_MIN_VALUES:
        return None
    change = Fraction(sum(recent), len(recent)) - Fraction(sum(earlier), len(earlier))
    return _floor_hundredths(change, 1)


def readiness(
    *,
    today: date,
    phase_started: date,
    min_days: int = READY_MIN_DAYS,
    adherence_14d: Decimal,
    flagged_last_7d: int,
    pain_trend: Decimal | None,
    has_next_phase: bool,
    open_red_flag: bool,
) -> Readiness:
    """Whether the patient looks ready for the next phase, with one explained reason per criterion.

    Time in phase counts whole days since the phase started (started 14 days ago: 14 days). Pain
    is rising when ``pain_trend`` is ``PAIN_TREND_RISING`` or more.
    """
    reasons = [
        _red_flag_reason(open_red_flag),
        _next_phase_reason(has_next_phase),
        _time_reason(max((today - phase_started).days, 0), min_days),
        _adherence_reason(adherence_14d),
        _recent_flag_reason(flagged_last_7d),
        _pain_reason(pain_trend),
    ]
    return Readiness(ready=all(reason.met for reason in reasons), reasons=reasons)


def _red_flag_reason(open_red_flag: bool) -> ReadinessReason:
    message = (
        _("A red flag is open: a therapist has to record medical clearance first.")
        if open_red_flag
        else _("No open red flag.")
    )
    return ReadinessReason(ReadinessCode.NO_OPEN_RED_FLAG, not open_red_flag, message)


def _next_phase_reason(has_next_phase: bool) -> ReadinessReason:
    message = (
        _("There is a next phase to move to.")
        if has_next_phase
        else _("This is the last phase of the programme.")
    )
    return ReadinessReason(ReadinessCode.HAS_NEXT_PHASE, has_next_phase, message)


def _time_reason(days: int, min_days: int) -> ReadinessReason:
    message = format_lazy(
        ngettext_lazy(
            "{days} day in this phase; at least {minimum} needed.",
            "{days} days in this phase; at least {minimum} needed.",
            days,
        ),
        days=days,
        minimum=min_days,
    )
    return ReadinessReason(ReadinessCode.TIME_IN_PHASE, days >= min_days, message)


def _adherence_reason(adherence_14d: Decimal) -> ReadinessReason:
    message = format_lazy(
        _("Adherence over the last {window} days: {percent} % (at least {minimum} % needed)."),
        window=ADHERENCE_WINDOW_DAYS,
        percent=math.floor(adherence_14d * 100),
        minimum=math.floor(READY_ADHERENCE * 100),
    )
    return ReadinessReason(ReadinessCode.ADHERENCE, adherence_14d >= READY_ADHERENCE, message)


def _recent_flag_reason(flagged: int) -> ReadinessReason:
    if not flagged:
        message = format_lazy(
            _("No flagged session in the last {window} days."), window=FLAG_WINDOW_DAYS
        )
    else:
        message = format_lazy(
            ngettext_lazy(
                "{count} flagged session in the last {window} days.",
                "{count} flagged sessions in the last {window} days.",
                flagged,
            ),
            count=flagged,
            window=FLAG_WINDOW_DAYS,
        )
    return ReadinessReason(ReadinessCode.NO_RECENT_FLAG, not flagged, message)


def _signed_number(value: Decimal) -> str:
    number = formats.number_format(abs(value), decimal_pos=1, use_l10n=True)
    if value < 0:
        return f"\u2212{number}"  # the minus sign, not a hyphen
    return f"+{number}"


# A signed number with one decimal in the language it is read in ("−0,9" in German, "-0.9"
# would be wrong there): lazy, so a message built once reads right in every language.
signed_number = lazy(_signed_number, str)


def _pain_reason(trend: Decimal | None) -> ReadinessReason:
    if trend is None:
        return ReadinessReason(
            ReadinessCode.PAIN_NOT_RISING, True, _("Too little pain data yet to see a trend.")
        )
    rising = trend >= PAIN_TREND_RISING
    text = (
        _("Pain is rising: {change} points on average against the {window} days before.")
        if rising
        else _("Pain is not rising: {change} points on average against the {window} days before.")
    )
    # Floored like the trend itself, so "not rising" never shows +1.0.
    change = signed_number(trend.quantize(Decimal("0.1"), rounding=ROUND_FLOOR))
    message = format_lazy(text, change=change, window=PAIN_TREND_WINDOW_DAYS)
    return ReadinessReason(ReadinessCode.PAIN_NOT_RISING, not rising, message)


# --- Variants the patient may switch to (docs/product.md, "Variants") --------------------------


class VariantSwitch(StrEnum):
    EASIER = "easier"
    HARDER = "harder"
    PRESCRIBED = "prescribed"


def variant_options(
    *,
    allowed: str,
    exercise_id: int,
    prescribed_id: int | None,
    easier_id: int | None,
    harder_id: int | None,
) -> dict[VariantSwitch, int]:
    """Where the patient may switch one exercise of the prescription on their own, and to which
    exercise id: from the prescribed exercise to the easier or harder variant the therapist
    allows (``allowed``: none, easier, harder or both); from a variant only back to the
    prescribed exercise, allowed or not, so a patient never drifts to a variant of a variant.
    ``easier_id``/``harder_id`` are the variants of the exercise done now."""
    if prescribed_id is not None and prescribed_id != exercise_id:
        return {VariantSwitch.PRESCRIBED: prescribed_id}
    options = {}
    if allowed in ("easier", "both") and easier_id is not None and easier_id != exercise_id:
        options[VariantSwitch.EASIER] = easier_id
    if allowed in ("harder", "both") and harder_id is not None and harder_id != exercise_id:
        options[VariantSwitch.HARDER] = harder_id
    return options


def same_measure(first: Any, second: Any) -> bool:
    """Whether two doses count the same way (repetitions or seconds, sets or passes): then a
    switch keeps the patient's own dose, otherwise it takes the new exercise's default."""

    def measure(dose: Any) -> tuple[bool, bool, str]:
        return (dose.reps_min is not None, dose.duration_min_s is not None, dose.set_unit)

    return measure(first) == measure(second)


# --- the programme builder (docs/product.md, "Programme builder") ----------------------------


@dataclass(frozen=True)
class PhaseMoves:
    """Which phase moves the programme allows from the current phase."""

    advance: bool
    regress: bool


def phase_moves(*, current: int, numbers: Iterable[int]) -> PhaseMoves:
    """Advancing needs a later phase in the programme, going back an earlier one: no "advance"
    in the last phase and no "go back" in the first."""
    numbers = list(numbers)
    return PhaseMoves(
        advance=any(number > current for number in numbers),
        regress=any(number < current for number in numbers),
    )


def prescribable_phase(*, number: int, current: int, numbers: Iterable[int]) -> bool:
    """An exercise is added to a phase of the programme the patient has reached: one of a later
    phase would be due now, before the foundation it needs (docs/product.md, "Programme
    builder")."""
    return number <= current and number in set(numbers)


def reminder_channels_problem(*, email: bool, push: bool, opt_out: bool) -> Text | None:
    """Reminders need at least one way to reach the patient, unless they are switched off
    (docs/product.md, "Reminders"); a patient who wants none says so with the opt-out, not
    with an empty choice that would silently send nothing."""
    if opt_out or email or push:
        return None
    return _("Choose at least one way to be reminded, or switch reminders off.")
