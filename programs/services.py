"""Writes to the catalogue."""

from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils.text import slugify

from programs import media
from programs.models import (
    Dosage,
    Exercise,
    ExerciseMedia,
    Program,
    ProgramExercise,
    ProgramPhase,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def program_exercise_dosage_from_goal(*, item: ProgramExercise, exercise: Exercise) -> None:
    """Give a programme item the default dose of its exercise's training goal."""
    for field in Dosage.DOSAGE_FIELDS:
        setattr(item, field, getattr(exercise.goal, field))


def _free_slug(base: str) -> str:
    slug, number = base, 1
    while Program.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def program_copy(*, program: Program, owner: "User | None" = None) -> Program:
    """Copy a programme with its phases, exercises, doses and habits, so a therapist (``owner``,
    "my programmes") or the practice (no owner) can adapt its own version while the original
    stays as it is."""
    copy = Program.objects.create(
        owner=owner,
        slug=_free_slug(slugify(f"{program.slug}-copy")),
        name_de=f"{program.name_de} (Kopie)",
        name_en=f"{program.name_en} (copy)" if program.name_en else "",
        description_de=program.description_de,
        description_en=program.description_en,
        copied_from=program,
        is_active=program.is_active,
    )
    copy.habits.set(program.habits.all())
    ProgramPhase.objects.bulk_create(
        ProgramPhase(program=copy, phase_id=row.phase_id, min_days=row.min_days)
        for row in program.program_phases.all()
    )
    ProgramExercise.objects.bulk_create(
        ProgramExercise(
            program=copy,
            phase_id=item.phase_id,
            exercise_id=item.exercise_id,
            order=item.order,
            **item.dosage(),
        )
        for item in program.program_exercises.all()
    )
    return copy


def _store(rendition: media.Rendition) -> str:
    """Save a file under its content hash; the same bytes are stored once."""
    name = rendition.name()
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(rendition.content))
    return name


def _remove_files_on_commit(names: list[str]) -> None:
    """Delete stored files once the deletion is committed, unless another item uses the same
    content (names are content hashes, so two uploads of one picture share a file)."""

    def remove() -> None:
        for name in names:
            in_use = ExerciseMedia.objects.filter(
                Q(file=name) | Q(thumbnail=name) | Q(poster=name)
            ).exists()
            if not in_use:
                default_storage.delete(name)

    if names:
        transaction.on_commit(remove)


@transaction.atomic
def exercise_media_add(
    *,
    exercise: Exercise,
    upload: "UploadedFile[bytes]",
    role: str,
    alt_de: str,
    alt_en: str = "",
    caption_de: str = "",
    caption_en: str = "",
    order: int | None = None,
) -> ExerciseMedia:
    """Check an uploaded picture or video by its content, store its re-encoded renditions and
    add it to the exercise (programs/media.py). Raises ValidationError for a refused file."""
    prepared = media.prepare_upload(upload)
    if order is None:
        order = (exercise.media.aggregate(last=Max("order"))["last"] or 0) + 1
    item = ExerciseMedia(
        exercise=exercise,
        order=order,
        kind=prepared.kind,
        role=role,
        alt_de=alt_de,
        alt_en=alt_en,
        caption_de=caption_de,
        caption_en=caption_en,
        width=prepared.file.width,
        height=prepared.file.height,
    )
    item.file.name = _store(prepared.file)
    item.thumbnail.name = _store(prepared.thumbnail)
    if prepared.poster is not None:
        item.poster.name = _store(prepared.poster)
    item.full_clean()
    item.save()
    return item


MEDIA_TEXT_FIELDS = ("order", "role", "alt_de", "alt_en", "caption_de", "caption_en")


@transaction.atomic
def exercise_media_update(*, media_item: ExerciseMedia, **changes: object) -> ExerciseMedia:
    """Change the texts, role or order of a media item; its files stay as they are."""
    unknown = set(changes) - set(MEDIA_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"not changeable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(media_item, name, value)
    media_item.full_clean()
    media_item.save(update_fields=list(changes))
    return media_item


@transaction.atomic
def exercise_media_delete(*, media_item: ExerciseMedia) -> None:
    """Delete a media item and, once committed, its stored files (static drawings stay)."""
    names = media_item.stored_names()
    media_item.delete()
    _remove_files_on_commit(names)


@transaction.atomic
def exercise_delete(*, exercise: Exercise) -> None:
    """Delete an exercise with its media items and their files. Raises ProtectedError while a
    programme or a prescription still uses the exercise."""
    names = [name for item in exercise.media.all() for name in item.stored_names()]
    exercise.delete()
    _remove_files_on_commit(names)
