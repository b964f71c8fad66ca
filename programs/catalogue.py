"""The catalogue as an in-process snapshot (docs/architecture.md, catalogue snapshot).

Phases, goals, exercises with their media, and habits are the same for every patient and change
a few times a year, yet every hot read (``me/today/``, the sessions list, ``/today/``) needs
their texts. Each process builds plain, immutable views of the whole catalogue once, in both
languages, and keeps them until the catalogue revision changes: a request pays one tiny indexed
read of ``programs_cataloguerevision`` instead of joining and instantiating catalogue rows.
Database triggers give the revision a new number in the same transaction as any catalogue write
(``programs/migrations/0005_catalogue_revision.py``), so a change made through another process
shows on the next request here.
"""

import threading
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import connection
from django.templatetags.static import static

from programs.i18n import FALLBACK_LANGUAGE, LANGUAGES, active_language
from programs.models import (
    CatalogueRevision,
    DailyHabit,
    Exercise,
    ExerciseMedia,
    MediaRole,
    Phase,
    Program,
    TrainingGoal,
)


@dataclass(frozen=True, slots=True)
class MediaView:
    """A picture or video as the API and the pages show it; URLs are site-relative."""

    kind: str
    role: str
    url: str
    thumbnail_url: str
    poster_url: str
    width: int | None
    height: int | None
    thumbnail_size: tuple[int | None, int | None]
    mime_type: str
    alt: str
    caption: str


@dataclass(frozen=True, slots=True)
class ExerciseRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class ExerciseView:
    id: int
    slug: str
    name: str
    phase_id: int
    goal_id: int
    goal_slug: str
    goal_name: str
    instructions: str
    cues: str
    equipment: str
    safety_notes: str
    video_url: str
    easier_variant: ExerciseRef | None
    harder_variant: ExerciseRef | None
    media: tuple[MediaView, ...]

    @property
    def cover(self) -> MediaView | None:
        """The picture for lists: the start position if there is one (as ``Exercise.cover``)."""
        starts = [item for item in self.media if item.role == MediaRole.START_POSITION]
        return (starts or list(self.media) or [None])[0]


@dataclass(frozen=True, slots=True)
class PhaseView:
    id: int
    number: int
    slug: str
    name: str
    aim: str


@dataclass(frozen=True, slots=True)
class HabitView:
    id: int
    slug: str
    name: str
    description: str
    times_per_day: int

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The catalogue in one language, keyed by primary key."""

    revision: int | None
    language: str
    phases: dict[int, PhaseView] = field(default_factory=dict)
    exercises: dict[int, ExerciseView] = field(default_factory=dict)
    habits: dict[int, HabitView] = field(default_factory=dict)
    # programme id → its habits' ids in the habits' order
    program_habits: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # Rendered HTML that depends only on the catalogue and the language (e.g. the portal's
    # "How to do it"), filled on first use: it lives and dies with this revision's snapshot.
    fragments: dict[tuple[str, int], str] = field(default_factory=dict)

    def habits_of(self, program_id: int) -> list[HabitView]:
        return [self.habits[pk] for pk in self.program_habits.get(program_id, ())]


# A constant statement (the model's own table name): no parameters, nothing to build per request.
REVISION_SQL = f"SELECT number FROM {CatalogueRevision._meta.db_table} WHERE id = 1"  # noqa: S608
_lock = threading.Lock()


class Unread:
    """The revision was not read by the caller."""


UNREAD = Unread()
_snapshot: dict[str, Catalogue] = {}


def current_revision() -> int | None:
    """The catalogue's revision number: one primary-key read (None when the row is missing,
    e.g. right after a test flushed the tables; nothing is cached then)."""
    with connection.cursor() as cursor:
        cursor.execute(REVISION_SQL)
        row = cursor.fetchone()
    return None if row is None else row[0]


def catalogue(language: str | None = None, *, revision: int | Unread | None = UNREAD) -> Catalogue:
    """The catalogue in ``language`` (default: the active one), rebuilt when the revision has
    changed since this process last built it. ``revision``: the current number when the caller
    read it in a query it made anyway (``CatalogueRevision`` as a subquery); else it is read."""
    global _snapshot
    language = language if language in LANGUAGES else active_language()
    if isinstance(revision, Unread):
        revision = current_revision()
    snapshot = _snapshot
    if revision is None or not snapshot or snapshot[FALLBACK_LANGUAGE].revision != revision:
        snapshot = build(revision)
        if revision is not None:
            with _lock:
                _snapshot = snapshot
    return snapshot[language]


def forget() -> None:
    """Drop this process's snapshot (tests that roll back catalogue writes call it)."""
    global _snapshot
    with _lock:
        _snapshot = {}


def _text(row: dict, name: str, language: str) -> str:
    return row[f"{name}_{language}"] or row[f"{name}_{FALLBACK_LANGUAGE}"]


def _media_view(row: dict, language: str) -> MediaView:
    static_path, file, thumbnail, poster = (
        row["static_path"],
        row["file"],
        row["thumbnail"],
        row["poster"],
    )
    url = static(static_path) if static_path else default_storage.url(file)
    thumbnail_url = default_storage.url(thumbnail) if thumbnail and not static_path else url
    width, height = row["width"], row["height"]
    if not width or not height or static_path:
        thumbnail_size = (width, height)
    else:
        scale = min(1, 320 / max(width, height))
        thumbnail_size = (round(width * scale), round(height * scale))
    return MediaView(
        kind=row["kind"],
        role=row["role"],
        url=url,
        thumbnail_url=thumbnail_url,
        poster_url=default_storage.url(poster) if poster else "",
        width=width,
        height=height,
        thumbnail_size=thumbnail_size,
        mime_type="video/webm" if file.endswith(".webm") else "video/mp4",
        alt=_text(row, "alt", language),
        caption=_text(row, "caption", language),
    )


def build(revision: int | None) -> dict[str, Catalogue]:
    """Read the whole catalogue (six queries) into views for each language."""
    phases = list(Phase.objects.order_by("number").values())
    goals = {row["id"]: row for row in TrainingGoal.objects.values()}
    exercises = list(Exercise.objects.order_by("phase__number", "order", "slug").values())
    media = list(ExerciseMedia.objects.order_by("exercise_id", "order", "id").values())
    habits = list(DailyHabit.objects.order_by("order", "slug").values())
    habit_order = {row["id"]: number for number, row in enumerate(habits)}
    program_habits: dict[int, list[int]] = {}
    links = Program.habits.through.objects.values_list("program_id", "dailyhabit_id")
    for program_id, habit_id in links:
        program_habits.setdefault(program_id, []).append(habit_id)
    ordered_program_habits = {
        program_id: tuple(sorted(ids, key=habit_order.__getitem__))
        for program_id, ids in program_habits.items()
    }
    by_id = {row["id"]: row for row in exercises}
    result = {}
    for language in LANGUAGES:
        media_of: dict[int, list[MediaView]] = {}
        for row in media:
            media_of.setdefault(row["exercise_id"], []).append(_media_view(row, language))

        def ref(pk, language=language):
            row = by_id.get(pk)
            if row is None:
                return None
            return ExerciseRef(pk, row["slug"], _text(row, "name", language))

        result[language] = Catalogue(
            revision=revision,
            language=language,
            phases={
                row["id"]: PhaseView(
                    id=row["id"],
                    number=row["number"],
                    slug=row["slug"],
                    name=_text(row, "name", language),
                    aim=_text(row, "aim", language),
                )
                for row in phases
            },
            exercises={
                row["id"]: ExerciseView(
                    id=row["id"],
                    slug=row["slug"],
                    name=_text(row, "name", language),
                    phase_id=row["phase_id"],
                    goal_id=row["goal_id"],
                    goal_slug=goals[row["goal_id"]]["slug"],
                    goal_name=_text(goals[row["goal_id"]], "name", language),
                    instructions=_text(row, "instructions", language),
                    cues=_text(row, "cues", language),
                    equipment=_text(row, "equipment", language),
                    safety_notes=_text(row, "safety_notes", language),
                    video_url=row["video_url"],
                    easier_variant=ref(row["easier_variant_id"]),
                    harder_variant=ref(row["harder_variant_id"]),
                    media=tuple(media_of.get(row["id"], ())),
                )
                for row in exercises
            },
            habits={
                row["id"]: HabitView(
                    id=row["id"],
                    slug=row["slug"],
                    name=_text(row, "name", language),
                    description=_text(row, "description", language),
                    times_per_day=row["times_per_day"],
                )
                for row in habits
            },
            program_habits=ordered_program_habits,
        )
    return result
