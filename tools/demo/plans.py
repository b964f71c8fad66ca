"""Demo and scale data for ``manage.py seed_demo`` (docs/product.md): plans in memory, no writes.

Each person's data comes from a random generator of its own, seeded with the run's seed and the
person's number, so patient 100 looks the same whether it is created alone or among ten thousand,
and a later run that adds patients leaves the earlier ones as they were. Only the calendar moves:
the logs always cover the weeks up to yesterday in the patient's time zone (today stays open for
the demo user to log), so the data of one seed is the same all day long.

Session flags, next-day flags and calendar days come from ``patients.rules``, exactly as when a
real session is logged; nothing here decides by itself whether a session is flagged.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from patients import rules

THERAPIST_TIME_ZONE = "Europe/Berlin"
HABIT_DAYS = 28  # habit ticks cover at most the last four weeks


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = {
    "de": _words(
        "Anna Lukas Maria Jonas Sophie Felix Laura Maximilian Julia Paul Lea Tobias Katharina "
        "Stefan Sabine Thomas Monika Andreas Petra Michael Ute Jürgen Birgit Klaus Heike Frank "
        "Claudia Markus Nicole Sebastian Ayşe Mehmet Elena Dimitri Greta Hannes Ingrid Karl Lena "
        "Matthias Renate Uwe Wiebke Zoran"
    ),
    "en": _words(
        "Emma Oliver Charlotte James Amelia Harry Olivia George Emily Jack Grace Thomas Chloe "
        "Daniel Hannah William Lucy Samuel Ella Noah"
    ),
}
LAST_NAMES = {
    "de": _words(
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
        "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
        "Hartmann Lange Schmitt Werner Krause Meier Lehmann Köhler Vogel Jäger Groß Böhm Yılmaz "
        "Kowalski Nowak Petrović Öztürk"
    ),
    "en": _words(
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
        "Walker White Roberts Green Hall Wood Jackson Clarke"
    ),
}
TIME_ZONES = {
    "de": (("Europe/Berlin", 90), ("Europe/Vienna", 5), ("Europe/Zurich", 5)),
    "en": (("Europe/Berlin", 60), ("Europe/London", 30), ("Europe/Dublin", 10)),
}
DIAGNOSES = (
    "Nicht-spezifischer Kreuzschmerz, chronisch",
    "Bandscheibenprotrusion L4/L5 ohne neurologisches Defizit",
    "Bandscheibenvorfall L5/S1, konservativ behandelt, Ausstrahlung rückläufig",
    "Rezidivierende Lumbalgie",
    "Facettengelenksreizung LWS",
    "Zustand nach Lumbago, muskuläre Dysbalance",
)
SCREENING_NOTES = (
    "Eingangsbefund: keine Warnzeichen, Belastbarkeit im Alltag eingeschränkt.",
    "Keine Red Flags. Schmerz belastungsabhängig, keine Ausstrahlung.",
    "Red-Flag-Screening unauffällig; Bewegungsangst beim Bücken.",
)
START_REASONS = (
    "Programmstart nach unauffälligem Eingangsbefund.",
    "Start mit Phase 1 nach Red-Flag-Screening ohne Befund.",
)
ADVANCE_REASONS = {
    2: (
        "Rollen gut vertragen, Schmerz stabil unter der Grenze – weiter mit tiefer Stabilisation.",
        "Beweglichkeit besser, keine Flags in den letzten Tagen.",
    ),
    3: (
        "Tiefe Stabilisatoren sicher angesteuert, Adhärenz über 80 %.",
        "Plank und segmentale Stabilisation beschwerdefrei – Aufbau funktioneller Kraft.",
    ),
    4: (
        "Kreuzheben und Einbeinstand ohne Beschwerden; Freigabe für reaktives Federn.",
        "Funktionelle Kraft stabil, Schmerz rückläufig – Belastungsspitzen vorbereiten.",
    ),
}
GENERIC_ADVANCE_REASON = "Kriterien für die nächste Phase erfüllt."
SESSION_NOTES = {
    "de": (
        "Heute gut gegangen.",
        "Etwas müde, aber ohne Schmerzen.",
        "Morgens steif, nach dem Rollen deutlich besser.",
        "Kurze Einheit, wenig Zeit.",
        "Langes Sitzen im Büro, danach tat die Übung gut.",
    ),
    "en": (
        "Went well today.",
        "A bit tired, but no pain.",
        "Stiff in the morning, much better after rolling.",
        "Short session, not much time.",
        "Long day at the desk; the exercises helped.",
    ),
}
FLARE_NOTES = {
    "de": (
        "Beim Heben hat es gezogen.",
        "Nach der Gartenarbeit verspannt.",
        "Schlecht geschlafen.",
    ),
    "en": ("Felt a pull when lifting.", "Tense after gardening.", "Slept badly."),
}
NEXT_DAY_NOTES = {
    "de": ("Morgens steifer als sonst.", "Alles wie immer.", ""),
    "en": ("Stiffer than usual this morning.", "Same as usual.", ""),
}
SKIP_REASONS = {
    "de": ("Keine Zeit", "Zu müde", "Schmerzen"),
    "en": ("No time", "Too tired", "Pain"),
}
MAIN_DAY_PATTERNS = ((0, 2, 4), (1, 3, 5), (0, 2, 4, 6), (0, 3, 5), (1, 3, 6), (0, 2, 5, 6))
REMINDER_TIMES = (time(7, 0), time(8, 0), time(12, 30), time(17, 30), time(18, 0), time(19, 0))
SESSION_HOURS = (7, 7, 12, 17, 18, 18, 19, 19, 20)


# --- The catalogue the plans draw from (one snapshot per run) -------------------------------


@dataclass(frozen=True)
class CatalogueItem:
    """One exercise of the programme with its dose, as copied into a prescription."""

    exercise_id: int
    slug: str
    goal_id: int
    phase_id: int
    phase_number: int
    order: int
    dosage: dict  # Dosage.dosage(): the DOSAGE_FIELDS in their order

    @property
    def schedule_key(self) -> tuple:
        """Exercises trained together: one goal with one frequency."""
        return (self.goal_id, self.dosage["interval_days"], self.dosage["weekly_max"])


@dataclass(frozen=True)
class Catalogue:
    phases: Sequence[tuple[int, int]]  # (phase id, number), in programme order
    items: Sequence[CatalogueItem]
    habits: Sequence[tuple[int, int]]  # (habit id, times per day)


# --- Plans ----------------------------------------------------------------------------------


@dataclass(slots=True)
class PersonPlan:
    number: int
    username: str
    email: str
    first_name: str
    last_name: str


@dataclass(slots=True)
class PhasePlan:
    phase_id: int
    number: int
    started_on: date
    changed_at: datetime
    kind: str  # "start" or "advance"
    reason: str


@dataclass(slots=True)
class EntryPlan:
    exercise_id: int
    sets_done: int
    reps: int | None
    duration_s: int | None
    load_kg: Decimal | None
    pain: int | None
    skipped: bool = False
    skip_reason: str = ""


@dataclass(slots=True)
class AlertPlan:
    kind: str
    created_at: datetime
    acknowledged_at: datetime | None


@dataclass(slots=True)
class NextDayPlan:
    answered_at: datetime
    pain: int
    notes: str
    flagged: bool


@dataclass(slots=True)
class SessionPlan:
    performed_at: datetime
    logged_at: datetime
    local_date: date
    phase_id: int
    pain_before: int
    pain_after: int
    rpe: int
    notes: str
    entries: list[EntryPlan]
    flag_reasons: list[str]
    alerts: list[AlertPlan] = field(default_factory=list)
    next_day: NextDayPlan | None = None


@dataclass(slots=True)
class PatientPlan:
    person: PersonPlan
    therapist_number: int
    language: str
    time_zone: str
    date_of_birth: date
    pain_limit: int
    reminder_time: time
    reminder_opt_out: bool
    habit_reminders: bool
    diagnosis: str
    chronic_inflammatory_disease: bool
    joined_at: datetime
    screening_notes: str
    start_date: date
    phases: list[PhasePlan]
    items: list[tuple[CatalogueItem, datetime]]  # with the time it was added
    sessions: list[SessionPlan]
    habit_checks: list[tuple[int, date, int]]  # (habit id, day, count)

    @property
    def current_phase(self) -> PhasePlan:
        return self.phases[-1]


def patient_rng(seed: int, number: int) -> random.Random:
    return random.Random(f"mtt-seed-demo:{seed}:patient:{number}")  # noqa: S311 (not secret)


def plan_therapist(*, seed: int, number: int) -> PersonPlan:
    rng = random.Random(f"mtt-seed-demo:{seed}:therapist:{number}")  # noqa: S311
    username = f"therapist{number}"
    return PersonPlan(
        number=number,
        username=username,
        email=f"{username}@example.org",
        first_name=rng.choice(FIRST_NAMES["de"]),
        last_name=rng.choice(LAST_NAMES["de"]),
    )


def therapist_for(patient_number: int, therapists: int) -> int:
    """Patients are dealt round-robin: patient i goes to therapist ((i - 1) mod T) + 1."""
    return (patient_number - 1) % therapists + 1


def plan_patient(
    *, seed: int, number: int, therapists: int, weeks: int, now: datetime, catalogue: Catalogue
) -> PatientPlan:
    """Everything one demo patient has: profile, programme history and ``weeks`` of logs.

    Patient i is in phase ((i - 1) mod 4) + 1 of the programme (for the four-phase MASTER
    programme), so any handful of patients covers every phase.
    """
    rng = patient_rng(seed, number)
    language = "en" if rng.random() < 0.15 else "de"
    time_zone = _weighted(rng, TIME_ZONES[language])
    zone = ZoneInfo(time_zone)
    username = f"patient{number}"
    person = PersonPlan(
        number=number,
        username=username,
        email=f"{username}@example.org",
        first_name=rng.choice(FIRST_NAMES[language]),
        last_name=rng.choice(LAST_NAMES[language]),
    )
    today = rules.local_day(now, zone)
    first_day = today - timedelta(days=7 * weeks)
    joined_on = first_day - timedelta(days=rng.randint(1, 5))
    phases = _plan_phases(rng, number=number, first_day=first_day, today=today, catalogue=catalogue)
    reached = {phase.number: phase.changed_at for phase in phases}
    items = [
        (item, reached[item.phase_number])
        for item in catalogue.items
        if item.phase_number in reached
    ]
    plan = PatientPlan(
        person=person,
        therapist_number=therapist_for(number, therapists),
        language=language,
        time_zone=time_zone,
        date_of_birth=date(1946 + rng.randint(0, 54), rng.randint(1, 12), rng.randint(1, 28)),
        pain_limit=_weighted(rng, ((3, 75), (2, 10), (4, 15))),
        reminder_time=rng.choice(REMINDER_TIMES),
        reminder_opt_out=rng.random() < 0.05,
        habit_reminders=rng.random() < 0.3,
        diagnosis=rng.choice(DIAGNOSES),
        chronic_inflammatory_disease=rng.random() < 0.03,
        joined_at=_at(joined_on, 9 * 60 + rng.randint(0, 480), zone),
        screening_notes=rng.choice(SCREENING_NOTES),
        start_date=first_day,
        phases=phases,
        items=items,
        sessions=[],
        habit_checks=[],
    )
    _plan_sessions(rng, plan, zone=zone, first_day=first_day, today=today)
    _plan_habits(rng, plan, catalogue=catalogue, first_day=first_day, today=today)
    return plan


def _plan_phases(
    rng: random.Random, *, number: int, first_day: date, today: date, catalogue: Catalogue
) -> list[PhasePlan]:
    """Start in the first phase and advance at roughly even steps up to the patient's phase."""
    therapist_zone = ZoneInfo(THERAPIST_TIME_ZONE)
    reach = (number - 1) % len(catalogue.phases) + 1
    span = (today - first_day).days
    phases = []
    previous = first_day
    for index, (phase_id, phase_number) in enumerate(catalogue.phases[:reach]):
        if index == 0:
            started_on, kind, reason = first_day, "start", rng.choice(START_REASONS)
        else:
            step = round(span * index / reach) + rng.randint(-2, 2)
            # Not later than yesterday: the phase change must lie in the past all day long.
            started_on = min(
                max(first_day + timedelta(days=step), previous + timedelta(days=1)),
                today - timedelta(days=1),
            )
            kind = "advance"
            reason = rng.choice(ADVANCE_REASONS.get(phase_number, (GENERIC_ADVANCE_REASON,)))
        changed_at = _at(started_on, 8 * 60 + rng.randint(0, 540), therapist_zone)
        phases.append(PhasePlan(phase_id, phase_number, started_on, changed_at, kind, reason))
        previous = started_on
    return phases


@dataclass(slots=True)
class _Schedule:
    """A goal's items and how often the patient has done them (the scheduling rule's inputs)."""

    items: list[CatalogueItem]
    interval: int
    weekly_max: int
    weekly_target: Decimal
    last: date | None = None
    week: date | None = None
    in_week: int = 0

    def due(self, day: date) -> bool:
        if self.last is not None and (day - self.last).days < self.interval:
            return False
        return self.week != rules.week_start(day) or self.in_week < self.weekly_max

    def done(self, day: date) -> None:
        week = rules.week_start(day)
        self.in_week = self.in_week + 1 if week == self.week else 1
        self.week, self.last = week, day

    @property
    def any_day(self) -> bool:
        """Daily and every-other-day goals fit any day; the others go on the patient's main days."""
        return self.weekly_target * self.interval >= 6


def _plan_sessions(
    rng: random.Random, plan: PatientPlan, *, zone: ZoneInfo, first_day: date, today: date
) -> None:
    adherence = rng.uniform(0.70, 0.95)
    flare_rate = rng.uniform(0.01, 0.05)
    main_days = frozenset(rng.choice(MAIN_DAY_PATTERNS))
    session_minute = rng.choice(SESSION_HOURS) * 60 + rng.randint(0, 59)
    pain_start = rng.uniform(2.5, 5.5)
    improving = rng.random() < 0.85
    pain_end = rng.uniform(0.5, 2.5) if improving else pain_start - rng.uniform(-0.5, 1.0)
    break_start = break_end = None
    if rng.random() < 0.3:  # a holiday or a cold: a few days without training
        break_start = first_day + timedelta(days=rng.randrange((today - first_day).days))
        break_end = break_start + timedelta(days=rng.randint(3, 9))

    schedules: dict[tuple, _Schedule] = {}
    for item, _added in plan.items:
        dosage = item.dosage
        schedule = schedules.setdefault(
            item.schedule_key,
            _Schedule([], dosage["interval_days"], dosage["weekly_max"], dosage["weekly_target"]),
        )
        schedule.items.append(item)
    span = (today - first_day).days
    phases = plan.phases
    phase_index = 0
    for offset in range(span):  # up to yesterday; today stays open
        day = first_day + timedelta(days=offset)
        while phase_index + 1 < len(phases) and phases[phase_index + 1].started_on <= day:
            phase_index += 1
        if break_start is not None and break_end is not None and break_start <= day < break_end:
            continue
        phase = phases[phase_index]
        main = day.weekday() in main_days
        items = []
        for schedule in schedules.values():
            active = [item for item in schedule.items if item.phase_number <= phase.number]
            if not active or not schedule.due(day):
                continue
            if schedule.any_day:
                chance = adherence + (0.05 if main else -0.05)
            elif main:
                chance = adherence * min(
                    1.0, (float(schedule.weekly_target) + 0.5) / len(main_days)
                )
            else:
                chance = 0.0
            if rng.random() < chance:
                schedule.done(day)
                items.extend(active)
        if items:
            pain_level = pain_start + (pain_end - pain_start) * offset / span
            minute = min(max(session_minute + round(rng.gauss(0, 25)), 6 * 60), 22 * 60)
            performed_at = _at(day, minute, zone)
            plan.sessions.append(
                _plan_session(
                    rng,
                    plan,
                    items=items,
                    performed_at=performed_at,
                    phase=phase,
                    pain_level=pain_level,
                    flare_rate=flare_rate,
                    today=today,
                )
            )


def _plan_session(
    rng: random.Random,
    plan: PatientPlan,
    *,
    items: list[CatalogueItem],
    performed_at: datetime,
    phase: PhasePlan,
    pain_level: float,
    flare_rate: float,
    today: date,
) -> SessionPlan:
    limit, language = plan.pain_limit, plan.language
    flare = rng.random() < flare_rate
    pain_before = _nrs(pain_level + rng.gauss(0, 0.8))
    if flare and rng.random() < 0.5:
        pain_after = _nrs(pain_before + rng.randint(2, 3))
    else:
        pain_after = _nrs(pain_before + _weighted(rng, ((-2, 8), (-1, 35), (0, 53), (1, 4))))
    entries = [_plan_entry(rng, item, phase, pain_level, limit, language) for item in items]
    if flare:
        hurt = rng.choice([entry for entry in entries if not entry.skipped] or entries)
        hurt.skipped, hurt.skip_reason = False, ""
        hurt.pain = min(limit + rng.randint(1, 2), 10)
    reasons = rules.session_flag_reasons(
        pain_limit=limit,
        pain_before=pain_before,
        pain_after=pain_after,
        exercise_pains=[entry.pain for entry in entries],
        red_flags=[],
    )
    notes = ""
    if flare and rng.random() < 0.5:
        notes = rng.choice(FLARE_NOTES[language])
    elif rng.random() < 0.08:
        notes = rng.choice(SESSION_NOTES[language])
    logged_at = performed_at + timedelta(minutes=rng.randint(15, 50))
    rpe = min(max(round(2.5 + 0.8 * phase.number + rng.gauss(0, 1) + flare), 1), 10)
    session = SessionPlan(
        performed_at=performed_at,
        logged_at=logged_at,
        local_date=rules.local_day(performed_at, plan.time_zone),
        phase_id=phase.phase_id,
        pain_before=pain_before,
        pain_after=pain_after,
        rpe=rpe,
        notes=notes,
        entries=entries,
        flag_reasons=[reason.code for reason in reasons],
    )
    for code in session.flag_reasons:
        session.alerts.append(_plan_alert(rng, code, logged_at, today))
    day = session.local_date
    if day + timedelta(days=1) < today and rng.random() < (0.4 if reasons else 0.04):
        _plan_next_day(rng, plan, session, flare=flare, today=today)
    return session


def _plan_entry(
    rng: random.Random,
    item: CatalogueItem,
    phase: PhasePlan,
    pain_level: float,
    limit: int,
    language: str,
) -> EntryPlan:
    dosage = item.dosage
    if rng.random() < 0.03:
        return EntryPlan(
            item.exercise_id, 0, None, None, None, None, True, rng.choice(SKIP_REASONS[language])
        )
    sets = dosage["sets"]
    sets_done = max(sets - 1, 1) if rng.random() < 0.1 else sets
    reps = duration = load = None
    if dosage["reps_min"] is not None:
        reps = rng.randint(dosage["reps_min"], dosage["reps_max"])
    elif dosage["duration_min_s"] is not None:
        low, high = dosage["duration_min_s"], dosage["duration_max_s"]
        duration = min(max(5 * round(rng.randint(low, high) / 5), low), high)
    if "kreuzheben" in item.slug or "deadlift" in item.slug:
        load = Decimal(rng.choice(("0", "2.5", "5", "5", "7.5", "10"))).quantize(Decimal("0.1"))
    pain = min(max(round(rng.gauss(pain_level * 0.45, 0.8)), 0), limit)
    return EntryPlan(item.exercise_id, sets_done, reps, duration, load, pain)


def _plan_alert(rng: random.Random, kind: str, raised: datetime, today: date) -> AlertPlan:
    """Alerts older than a few days were mostly acknowledged by the therapist."""
    acknowledged = None
    if raised.date() < today - timedelta(days=3) and rng.random() < 0.9:
        acknowledged = raised + timedelta(minutes=rng.randint(60, 36 * 60))
    return AlertPlan(kind, raised, acknowledged)


def _plan_next_day(
    rng: random.Random, plan: PatientPlan, session: SessionPlan, *, flare: bool, today: date
) -> None:
    zone = ZoneInfo(plan.time_zone)
    answered_at = _at(session.local_date + timedelta(days=1), 7 * 60 + rng.randint(0, 180), zone)
    change = _weighted(rng, ((-2, 10), (-1, 25), (0, 40), (1, 17), (2, 8))) + (1 if flare else 0)
    pain = _nrs(session.pain_before + change)
    reasons = rules.next_day_flag_reasons(
        pain_before_session=session.pain_before, pain_next_day=pain
    )
    codes = [reason.code for reason in reasons]
    session.next_day = NextDayPlan(
        answered_at, pain, rng.choice(NEXT_DAY_NOTES[plan.language]), bool(codes)
    )
    if codes:
        session.flag_reasons = list(dict.fromkeys([*session.flag_reasons, *codes]))
        session.alerts.extend(_plan_alert(rng, code, answered_at, today) for code in codes)


def _plan_habits(
    rng: random.Random, plan: PatientPlan, *, catalogue: Catalogue, first_day: date, today: date
) -> None:
    """Some patients tick their daily habits off on some of the last days; many never do."""
    if not catalogue.habits or rng.random() < 0.4:
        return
    keenness = rng.uniform(0.3, 0.8)
    start = max(first_day, today - timedelta(days=HABIT_DAYS))
    for offset in range((today - start).days):
        day = start + timedelta(days=offset)
        for habit_id, times_per_day in catalogue.habits:
            if rng.random() < keenness:
                plan.habit_checks.append((habit_id, day, rng.randint(1, times_per_day)))


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """An aware instant at a wall-clock minute of a day in a zone."""
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)


def _nrs(value: float) -> int:
    return min(max(round(value), rules.NRS_MIN), rules.NRS_MAX)


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]
