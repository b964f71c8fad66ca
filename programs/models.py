"""The training catalogue: phases, goals with their dosage, exercises, programmes and habits.

The MASTER programme is loaded by a data migration; practices edit and copy it in the admin.
"""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from programs.i18n import TranslatedField

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class Frequency(models.TextChoices):
    """How often a goal is trained; each maps to the scheduling numbers of ``FREQUENCY_RULES``."""

    DAILY = "daily", _("daily")
    EVERY_2_DAYS = "every_2_days", _("every 2 days")
    TIMES_3_4_WEEK = "3_4_per_week", _("3–4 times a week")
    TIMES_2_3_WEEK = "2_3_per_week", _("2–3 times a week")


# frequency → (minimum days between sessions, weekly target, weekly maximum)
FREQUENCY_RULES: dict[str, tuple[int, Decimal, int]] = {
    Frequency.DAILY: (1, Decimal(7), 7),
    Frequency.EVERY_2_DAYS: (2, Decimal("3.5"), 4),
    Frequency.TIMES_3_4_WEEK: (1, Decimal(3), 4),
    Frequency.TIMES_2_3_WEEK: (2, Decimal(2), 3),
}


class Tempo(models.TextChoices):
    VERY_SLOW = "very_slow", _("very slow, about 1 cm per second")
    SLOW = "slow", _("slow")
    CONTROLLED = "controlled", _("controlled")
    REACTIVE = "reactive", _("light and springy")


class SetUnit(models.TextChoices):
    SETS = "sets", _("sets")
    PASSES = "passes", _("passes per region")


class Dosage(models.Model):
    """A structured dose: either a repetition range or a duration range, plus sets, rest, tempo
    and frequency. Goals carry the programme's default; programme items and, later, a patient's
    prescription carry their own copy so a therapist can change it without touching the goal."""

    reps_min = models.PositiveSmallIntegerField(
        _("repetitions from"), null=True, blank=True, validators=[MaxValueValidator(200)]
    )
    reps_max = models.PositiveSmallIntegerField(
        _("repetitions to"), null=True, blank=True, validators=[MaxValueValidator(200)]
    )
    duration_min_s = models.PositiveSmallIntegerField(
        _("duration from (s)"), null=True, blank=True, validators=[MaxValueValidator(3600)]
    )
    duration_max_s = models.PositiveSmallIntegerField(
        _("duration to (s)"), null=True, blank=True, validators=[MaxValueValidator(3600)]
    )
    tempo = models.CharField(_("tempo"), max_length=20, choices=Tempo.choices)
    sets = models.PositiveSmallIntegerField(
        _("sets"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    set_unit = models.CharField(
        _("counted as"), max_length=10, choices=SetUnit.choices, default=SetUnit.SETS
    )
    rest_s = models.PositiveSmallIntegerField(
        _("rest between sets (s)"), default=0, validators=[MaxValueValidator(600)]
    )
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices)
    interval_days = models.PositiveSmallIntegerField(
        _("minimum days between sessions"), validators=[MinValueValidator(1), MaxValueValidator(14)]
    )
    weekly_target = models.DecimalField(
        _("sessions per week (target)"),
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(7))],
    )
    weekly_max = models.PositiveSmallIntegerField(
        _("sessions per week (maximum)"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )

    DOSAGE_FIELDS = (
        "reps_min",
        "reps_max",
        "duration_min_s",
        "duration_max_s",
        "tempo",
        "sets",
        "set_unit",
        "rest_s",
        "frequency",
        "interval_days",
        "weekly_target",
        "weekly_max",
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        errors = {}
        has_reps = self.reps_min is not None or self.reps_max is not None
        has_duration = self.duration_min_s is not None or self.duration_max_s is not None
        if has_reps and has_duration:
            errors["duration_min_s"] = _("Give either repetitions or a duration, not both.")
        for low, high in (("reps_min", "reps_max"), ("duration_min_s", "duration_max_s")):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if (low_value is None) != (high_value is None):
                errors[high] = _("Give both ends of the range.")
            elif low_value is not None and low_value > high_value:
                errors[high] = _("The upper end must not be below the lower end.")
        if (
            self.weekly_target is not None
            and self.weekly_max is not None
            and self.weekly_target > self.weekly_max
        ):
            errors["weekly_target"] = _("The weekly target must not exceed the maximum.")
        if errors:
            raise ValidationError(errors)

    def dosage(self) -> dict:
        return {field: getattr(self, field) for field in self.DOSAGE_FIELDS}

    def apply_frequency_rules(self) -> None:
        """Fill interval, target and maximum from the frequency (docs/product.md, what is due)."""
        self.interval_days, self.weekly_target, self.weekly_max = FREQUENCY_RULES[self.frequency]

    @property
    def dosage_text(self) -> str:
        """The dose in plain words, e.g. "3 × 15–20, slow, 30 s rest"."""
        if self.reps_min is not None:
            amount = _range(self.reps_min, self.reps_max)
        elif self.duration_min_s is not None:
            amount = _("%(range)s s") % {"range": _range(self.duration_min_s, self.duration_max_s)}
        else:
            amount = ""
        if self.set_unit == SetUnit.PASSES:
            # "Sets" everywhere the patient reads a dose (docs/product.md, "Web pages").
            volume = ngettext(
                "%(count)d set per region", "%(count)d sets per region", self.sets
            ) % {"count": self.sets}
        else:
            volume = f"{self.sets} × {amount}" if amount else str(self.sets)
        parts = [volume, self.get_tempo_display()]
        if self.rest_s:
            parts.append(_("%(seconds)d s rest") % {"seconds": self.rest_s})
        return ", ".join(str(part) for part in parts)


def _range(low: int, high: int | None) -> str:
    return str(low) if high is None or low == high else f"{low}–{high}"


class Phase(models.Model):
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    aim_de = models.TextField(_("aim (German)"), max_length=2000)
    aim_en = models.TextField(_("aim (English)"), max_length=2000, blank=True)

    name = TranslatedField()
    aim = TranslatedField()

    class Meta:
        ordering = ["number"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self):
        return f"{self.number}. {self.name}"


class TrainingGoal(Dosage):
    slug = models.SlugField(_("slug"), unique=True)
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description_de = models.TextField(_("description (German)"), max_length=2000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=2000, blank=True)
    tempo_note_de = models.CharField(_("tempo note (German)"), max_length=200, blank=True)
    tempo_note_en = models.CharField(_("tempo note (English)"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    name = TranslatedField()
    description = TranslatedField()
    tempo_note = TranslatedField()

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("training goal")
        verbose_name_plural = _("training goals")

    def __str__(self):
        return self.name


class Exercise(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    phase = models.ForeignKey(
        Phase, models.PROTECT, related_name="exercises", verbose_name=_("phase")
    )
    goal = models.ForeignKey(
        TrainingGoal, models.PROTECT, related_name="exercises", verbose_name=_("training goal")
    )
    instructions_de = models.TextField(_("instructions (German)"), max_length=4000)
    instructions_en = models.TextField(_("instructions (English)"), max_length=4000, blank=True)
    cues_de = models.TextField(_("cues (German)"), max_length=2000, blank=True)
    cues_en = models.TextField(_("cues (English)"), max_length=2000, blank=True)
    equipment_de = models.CharField(_("equipment (German)"), max_length=200, blank=True)
    equipment_en = models.CharField(_("equipment (English)"), max_length=200, blank=True)
    safety_notes_de = models.TextField(_("safety notes (German)"), max_length=2000, blank=True)
    safety_notes_en = models.TextField(_("safety notes (English)"), max_length=2000, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    easier_variant = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("easier variant"),
    )
    harder_variant = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("harder variant"),
    )
    order = models.PositiveSmallIntegerField(_("order in phase"), default=0)

    name = TranslatedField()
    instructions = TranslatedField()
    cues = TranslatedField()
    equipment = TranslatedField()
    safety_notes = TranslatedField()

    class Meta:
        ordering = ["phase__number", "order", "slug"]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")

    def __str__(self):
        return self.name

    @property
    def cover(self) -> "ExerciseMedia | None":
        """The picture for lists: the start position if there is one (uses prefetched media)."""
        items = list(self.media.all())
        starts = [item for item in items if item.role == MediaRole.START_POSITION]
        shown = starts or items
        return shown[0] if shown else None

    def clean(self):
        super().clean()
        if self.pk and self.pk in (self.easier_variant_id, self.harder_variant_id):
            raise ValidationError(_("An exercise cannot be its own variant."))


class DailyHabit(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description_de = models.TextField(_("description (German)"), max_length=2000)
    description_en = models.TextField(_("description (English)"), max_length=2000, blank=True)
    times_per_day = models.PositiveSmallIntegerField(
        _("times per day"), default=1, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    name = TranslatedField()
    description = TranslatedField()

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("daily habit")
        verbose_name_plural = _("daily habits")

    def __str__(self):
        return self.name


class ProgramQuerySet(models.QuerySet["Program"]):
    def for_user(self, user: "AbstractBaseUser | AnonymousUser") -> "ProgramQuerySet":
        """The programmes a user sees and may assign: the practice-wide ones for everybody, a
        therapist's own copies for that therapist alone, all of them for the practice admin
        (docs/security.md, "The catalogue")."""
        if getattr(user, "is_superuser", False) and user.is_active:
            return self
        if getattr(user, "is_staff", False) and user.is_active:
            return self.filter(models.Q(owner__isnull=True) | models.Q(owner=user.pk))
        return self.filter(owner__isnull=True)


class Program(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description_de = models.TextField(_("description (German)"), max_length=4000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=4000, blank=True)
    copied_from = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copied from"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="own_programs",
        limit_choices_to={"is_staff": True},
        verbose_name=_("belongs to"),
        help_text=_(
            "Empty: a practice-wide programme, changed by the practice admin only. Otherwise "
            "the therapist's own programme, which only they and the practice admin change."
        ),
    )
    habits = models.ManyToManyField(
        DailyHabit, blank=True, related_name="programs", verbose_name=_("daily habits")
    )
    is_active = models.BooleanField(_("available for new assignments"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    name = TranslatedField()
    description = TranslatedField()

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self):
        return self.name


class ProgramPhase(models.Model):
    """A phase as one programme uses it, with the minimum time before moving on."""

    program = models.ForeignKey(
        Program, models.CASCADE, related_name="program_phases", verbose_name=_("programme")
    )
    phase = models.ForeignKey(
        Phase, models.PROTECT, related_name="program_phases", verbose_name=_("phase")
    )
    min_days = models.PositiveSmallIntegerField(
        _("minimum days in phase"), default=14, validators=[MaxValueValidator(365)]
    )

    class Meta:
        ordering = ["program", "phase__number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "phase"], name="program_phase_unique")
        ]
        verbose_name = _("programme phase")
        verbose_name_plural = _("programme phases")

    def __str__(self):
        return str(self.phase)


class ProgramExercise(Dosage):
    """An exercise in a programme phase with the dose the programme prescribes by default."""

    program = models.ForeignKey(
        Program, models.CASCADE, related_name="program_exercises", verbose_name=_("programme")
    )
    phase = models.ForeignKey(Phase, models.PROTECT, related_name="+", verbose_name=_("phase"))
    exercise = models.ForeignKey(
        Exercise, models.PROTECT, related_name="program_exercises", verbose_name=_("exercise")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["program", "phase__number", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "exercise"], name="program_exercise_unique")
        ]
        verbose_name = _("programme exercise")
        verbose_name_plural = _("programme exercises")

    def __str__(self):
        return f"{self.phase.number}: {self.exercise}"


class MediaKind(models.TextChoices):
    IMAGE = "image", _("image")
    VIDEO = "video", _("video")


class MediaRole(models.TextChoices):
    START_POSITION = "start_position", _("start position")
    END_POSITION = "end_position", _("end position")
    MOVEMENT = "movement", _("movement")
    COMMON_MISTAKE = "common_mistake", _("common mistake")


class ExerciseMedia(models.Model):
    """A picture or short video showing how an exercise is done (docs/media.md).

    An upload is stored as re-encoded files only (``file``: the phone-sized rendition of an image or
    the video itself; ``thumbnail``: a small picture; ``poster``: a video's still), under
    content-hashed names so their URLs can be cached for ever. The project's own drawings are
    static files named by ``static_path`` instead. Written through ``programs.services``, which
    also removes the files when an item or its exercise is deleted.
    """

    exercise = models.ForeignKey(
        Exercise, models.CASCADE, related_name="media", verbose_name=_("exercise")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=MediaKind.choices)
    role = models.CharField(_("shows"), max_length=20, choices=MediaRole.choices)
    caption_de = models.CharField(_("caption (German)"), max_length=300, blank=True)
    caption_en = models.CharField(_("caption (English)"), max_length=300, blank=True)
    alt_de = models.CharField(_("alt text (German)"), max_length=500)
    alt_en = models.CharField(_("alt text (English)"), max_length=500, blank=True)
    file = models.FileField(_("file"), max_length=255, blank=True)
    thumbnail = models.FileField(_("thumbnail"), max_length=255, blank=True)
    poster = models.FileField(_("poster"), max_length=255, blank=True)
    static_path = models.CharField(
        _("static file"),
        max_length=255,
        blank=True,
        help_text=_("A drawing shipped with the project, e.g. programs/exercises/plank-start.svg."),
    )
    width = models.PositiveIntegerField(_("width (px)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height (px)"), null=True, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    caption = TranslatedField()
    alt = TranslatedField()

    class Meta:
        ordering = ["exercise", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(static_path=""))
                | (~models.Q(file="") & models.Q(static_path="")),
                name="exercise_media_one_source",
            )
        ]
        verbose_name = _("picture or video")
        verbose_name_plural = _("pictures and videos")

    def __str__(self):
        return f"{self.exercise_id}: {self.get_role_display()} ({self.get_kind_display()})"

    @property
    def url(self) -> str:
        return static(self.static_path) if self.static_path else self.file.url

    @property
    def thumbnail_url(self) -> str:
        if self.static_path:
            return static(self.static_path)
        return self.thumbnail.url if self.thumbnail else self.url

    @property
    def poster_url(self) -> str:
        return self.poster.url if self.poster else ""

    @property
    def thumbnail_size(self) -> tuple[int | None, int | None]:
        """The thumbnail's width and height (it fits 320 × 320 px; drawings are their own)."""
        if not self.width or not self.height or self.static_path:
            return self.width, self.height
        scale = min(1, 320 / max(self.width, self.height))
        return round(self.width * scale), round(self.height * scale)

    @property
    def mime_type(self) -> str:
        return "video/webm" if (self.file.name or "").endswith(".webm") else "video/mp4"

    def stored_names(self) -> list[str]:
        """The names of the files this item owns in the media storage."""
        return [field.name for field in (self.file, self.thumbnail, self.poster) if field.name]


class CatalogueRevision(models.Model):
    """The catalogue's version: one row whose ``number`` changes in the same transaction as any
    write to a catalogue table (docs/architecture.md, catalogue snapshot).

    Database triggers (migration 0005) bump it, so programme services, admin saves and deletes
    with their inlines, media, bulk writes and data migrations all count alike. The number comes
    from a sequence and is never reused, not even after a rollback, so a process that built its
    snapshot from a transaction that was rolled back never mistakes it for the current one.
    """

    number = models.BigIntegerField(_("revision"))
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("catalogue revision")
        verbose_name_plural = _("catalogue revisions")

    def __str__(self):
        return str(self.number)
