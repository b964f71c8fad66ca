"""Patients, their screening, programme assignments and the sessions they log.

Writes go through ``patients.services``; rules (due-ness, flags, readiness) live in
``patients.rules`` as pure functions.
"""

import functools
import zoneinfo
from datetime import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from programs.models import DailyHabit, Dosage, Exercise, Phase, Program

NRS = [MinValueValidator(0), MaxValueValidator(10)]


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value})


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class ReminderChannel(models.TextChoices):
    """The ways a reminder reaches the patient; each has its own field on ``Patient``
    (``CHANNEL_FIELDS``), so a patient can choose several (docs/product.md, "Reminders")."""

    EMAIL = "email", _("e-mail")
    PUSH = "push", _("push notification")


class PatientQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> "PatientQuerySet":
        """The patients a user may see: all for the practice admin, their own for a therapist,
        themselves for a patient. The one scoping rule for admin, portal, API and exports."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if user.is_staff:
            return self.filter(therapist=user)
        return self.filter(user=user)


class Patient(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="patient", verbose_name=_("user")
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="patients",
        limit_choices_to={"is_staff": True},
        verbose_name=_("therapist"),
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.GERMAN
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    reminder_time = models.TimeField(_("reminder time"), default=time(18, 0))
    remind_by_email = models.BooleanField(_("reminders by e-mail"), default=True)
    remind_by_push = models.BooleanField(
        _("reminders by push notification"),
        default=False,
        help_text=_("Sent to the phones and browsers the patient registered in the portal."),
    )
    reminder_opt_out = models.BooleanField(_("no reminders"), default=False)
    habit_reminders = models.BooleanField(_("remind me of daily habits"), default=False)
    quiet_hours_start = models.TimeField(_("quiet hours from"), default=time(21, 0))
    quiet_hours_end = models.TimeField(_("quiet hours until"), default=time(7, 0))
    pain_limit = models.PositiveSmallIntegerField(
        _("pain limit (NRS 0–10)"),
        default=3,
        validators=NRS,
        help_text=_("Exercise pain above this value flags a session."),
    )
    diagnosis = models.TextField(_("diagnosis"), max_length=2000, blank=True)
    chronic_inflammatory_disease = models.BooleanField(
        _("chronic inflammatory disease"),
        default=False,
        help_text=_("For example Crohn's disease, rheumatoid arthritis, ankylosing spondylitis."),
    )
    relevant_conditions = models.TextField(_("relevant conditions"), max_length=2000, blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_version = models.CharField(_("consent version"), max_length=20, blank=True)
    calendar_token = models.CharField(
        _("calendar feed key"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name", "id"]
        indexes = [
            # A reminder run picks the patients whose reminder time falls in its window.
            models.Index(
                fields=["reminder_time"],
                condition=models.Q(reminder_opt_out=False),
                name="patient_reminder_time",
            ),
        ]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()

    @property
    def reminder_channels(self) -> list[str]:
        """The chosen channels as the API and the export name them, in a fixed order."""
        return [channel for channel, field in CHANNEL_FIELDS.items() if getattr(self, field)]


# Each reminder channel's field on Patient: booleans, not a list, so the reminder run filters
# on them with plain indexed-friendly conditions on SQLite and PostgreSQL alike.
CHANNEL_FIELDS = {
    ReminderChannel.EMAIL.value: "remind_by_email",
    ReminderChannel.PUSH.value: "remind_by_push",
}


# The patient record's fields by who changes them, in one place for the services, the admin and
# the API (docs/security.md). The patient's own settings (portal profile, ``me/profile/``):
PATIENT_SETTINGS = (
    "language",
    "time_zone",
    "reminder_time",
    *CHANNEL_FIELDS.values(),
    "reminder_opt_out",
    "habit_reminders",
)
# Settings the therapist keeps for the patient (the portal does not offer them).
THERAPIST_SETTINGS = ("quiet_hours_start", "quiet_hours_end")
# What the therapist records about the patient; the patient cannot change it.
PERSONAL_FIELDS = ("date_of_birth",)
CLINICAL_FIELDS = ("pain_limit", "diagnosis", "chronic_inflammatory_disease", "relevant_conditions")
# Changed only by the consent flow, which writes its ConsentRecord with it (privacy.services).
CONSENT_FIELDS = ("consent_at", "consent_version")
# The whole profile, as the therapist enters it at intake.
PROFILE_FIELDS = (
    *PERSONAL_FIELDS,
    *PATIENT_SETTINGS,
    *THERAPIST_SETTINGS,
    *CLINICAL_FIELDS,
    *CONSENT_FIELDS,
)


class RedFlagSign(models.TextChoices):
    """Red flags grouped as the German guideline (NVL Nicht-spezifischer Kreuzschmerz) does; each
    one blocks the programme until a therapist records medical clearance (docs/clinical-safety.md).
    The group is the code's first word."""

    FRACTURE_TRAUMA = "fracture_trauma", _("Fracture: major trauma (fall from a height, accident)")
    FRACTURE_OSTEOPOROSIS = (
        "fracture_osteoporosis",
        _("Fracture: minor trauma or lifting with osteoporosis or long-term corticosteroids"),
    )
    TUMOUR_HISTORY = "tumour_history", _("Tumour: history of cancer")
    TUMOUR_WEIGHT_LOSS = "tumour_weight_loss", _("Tumour: unexplained weight loss")
    TUMOUR_MALAISE = "tumour_malaise", _("Tumour: general malaise, loss of appetite, fatigue")
    TUMOUR_NIGHT_PAIN = "tumour_night_pain", _("Tumour: severe pain at night or at rest")
    INFECTION_FEVER = "infection_fever", _("Infection: fever or chills")
    INFECTION_BACTERIAL = (
        "infection_bacterial",
        _("Infection: recent bacterial infection (e.g. urinary tract, lung, skin)"),
    )
    INFECTION_IMMUNE = "infection_immune", _("Infection: immunosuppression")
    INFECTION_DRUGS = "infection_drugs", _("Infection: injected drug use")
    RADICULAR_DERMATOME = (
        "radicular_dermatome",
        _("Radiculopathy: pain radiating into the leg along a dermatome"),
    )
    RADICULAR_NUMBNESS = "radicular_numbness", _("Radiculopathy: numbness or tingling in the leg")
    LEG_WEAKNESS = "leg_weakness", _("Radiculopathy: new or worsening leg weakness")
    RADICULAR_GAIT = "radicular_gait", _("Radiculopathy: gait disturbance")
    RADICULAR_PROGRESSIVE = (
        "radicular_progressive",
        _("Radiculopathy: progressive neurological deficits"),
    )
    CAUDA_SADDLE = "cauda_saddle", _("Cauda equina: numbness in the saddle area")
    CAUDA_BLADDER = "cauda_bladder", _("Cauda equina: bladder or bowel dysfunction")

    @classmethod
    def group_of(cls, sign: str) -> str:
        return "radicular" if sign == cls.LEG_WEAKNESS else sign.split("_", 1)[0]


class ScreeningPrompt(models.TextChoices):
    """Findings the guideline asks to look into further without stopping the programme by
    themselves: the therapist checks them and records a red flag when they point to one."""

    AGE_OVER_50 = "age_over_50", _("Age over 50 (tumour risk: ask about the tumour signs)")
    CHRONIC_INFLAMMATORY = (
        "chronic_inflammatory",
        _("Chronic inflammatory disease (ask about infection and inflammatory back pain)"),
    )
    MORNING_STIFFNESS = (
        "inflammatory_morning_stiffness",
        _("Inflammatory back pain: morning stiffness longer than 30 minutes"),
    )
    BETTER_WITH_MOVEMENT = (
        "inflammatory_movement",
        _("Inflammatory back pain: better with movement, not with rest"),
    )
    SECOND_HALF_OF_NIGHT = (
        "inflammatory_night",
        _("Inflammatory back pain: waking with pain in the second half of the night"),
    )
    ONSET_BEFORE_45 = "inflammatory_onset", _("Inflammatory back pain: onset before age 45")


class RedFlagSource(models.TextChoices):
    SCREENING = "screening", _("screening")
    SESSION = "session", _("session check-in")
    SYMPTOM_REPORT = "symptom_report", _("symptom report")


class RedFlag(models.Model):
    """A red flag found in a screening or reported by the patient (session or symptom report).
    While one is unresolved the programme is stopped and cannot start; a therapist resolves it
    with a clearance note (docs/clinical-safety.md)."""

    patient = models.ForeignKey(
        Patient, models.CASCADE, related_name="red_flags", verbose_name=_("patient")
    )
    sign = models.CharField(_("sign"), max_length=30, choices=RedFlagSign.choices)
    source = models.CharField(_("found at"), max_length=20, choices=RedFlagSource.choices)
    screening = models.ForeignKey(
        "Screening",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="red_flags",
        verbose_name=_("screening"),
    )
    session = models.ForeignKey(
        "SessionLog",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="red_flags",
        verbose_name=_("session"),
    )
    symptom_report = models.ForeignKey(
        "SymptomReport",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="red_flags",
        verbose_name=_("symptom report"),
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cleared by"),
    )
    clearance_note = models.TextField(_("medical clearance"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["patient", "cleared_at"], name="redflag_patient_open")]
        verbose_name = _("red flag")
        verbose_name_plural = _("red flags")

    def __str__(self):
        return self.get_sign_display()


class Screening(models.Model):
    """A red-flag screening: who asked the guideline's questions when, which prompts they saw
    and what they noted. A programme starts only after a recent one (docs/clinical-safety.md)."""

    patient = models.ForeignKey(
        Patient, models.CASCADE, related_name="screenings", verbose_name=_("patient")
    )
    screened_at = models.DateTimeField(_("screened"))
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("screened by"),
    )
    prompts = models.JSONField(_("prompts checked"), default=list, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-screened_at"]
        indexes = [models.Index(fields=["patient", "-screened_at"], name="screening_patient_time")]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")

    def __str__(self):
        return f"{self.patient} {self.screened_at:%Y-%m-%d}"


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    STOPPED = "stopped", _("stopped (red flag)")
    COMPLETED = "completed", _("completed")


# A patient has at most one programme in these states; only an active one has anything due.
OPEN_STATUSES = (AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED, AssignmentStatus.STOPPED)


class Assignment(models.Model):
    patient = models.ForeignKey(
        Patient, models.CASCADE, related_name="assignments", verbose_name=_("patient")
    )
    program = models.ForeignKey(
        Program, models.PROTECT, related_name="assignments", verbose_name=_("programme")
    )
    current_phase = models.ForeignKey(
        Phase, models.PROTECT, related_name="+", verbose_name=_("current phase")
    )
    phase_started_on = models.DateField(_("in this phase since"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ACTIVE,
    )
    start_date = models.DateField(_("start date"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status__in=["active", "paused", "stopped"]),
                name="assignment_one_open_per_patient",
                violation_error_message=_("The patient already has an open programme."),
            )
        ]
        verbose_name = _("programme assignment")
        verbose_name_plural = _("programme assignments")

    def __str__(self):
        return f"{self.program} – {self.current_phase}"


class VariantAllowed(models.TextChoices):
    """Which variant of a prescribed exercise the patient may switch to on their own
    (docs/product.md, "Variants")."""

    NONE = "none", _("none (ask the therapist)")
    EASIER = "easier", _("the easier variant")
    HARDER = "harder", _("the harder variant")
    BOTH = "both", _("the easier or the harder variant")


class Side(models.TextChoices):
    """Which side of the body an exercise is prescribed for (docs/product.md, "Programme
    builder")."""

    BOTH = "both", _("both sides")
    LEFT = "left", _("left side")
    RIGHT = "right", _("right side")


# Sane upper bounds of the per-patient dose extras (docs/product.md, "Programme builder").
MAX_LOAD_KG = 300
MAX_HOLD_S = 300
MAX_BAND_LENGTH = 60


class PrescriptionItem(Dosage):
    """One exercise of a patient's prescription with its own dose. Copied from the programme;
    the therapist may override dose and frequency, add the patient's own extras (load, band or
    level, hold time, side), add exercises, reorder or remove them (``removed_at``), and allow
    the patient to switch to a variant (``variant_allowed``; ``prescribed_exercise`` remembers
    the exercise switched from, so the patient can switch back)."""

    # The dose fields only a patient's prescription has, beside ``Dosage.DOSAGE_FIELDS``.
    EXTRA_FIELDS = ("load_kg", "band", "hold_s", "side")

    # Not stored: what the portal offers, set by ``selectors.attach_variant_options``.
    variant_options: list[tuple[str, Any]]
    variant_ask: list[tuple[str, Any]]

    assignment = models.ForeignKey(
        Assignment, models.CASCADE, related_name="items", verbose_name=_("assignment")
    )
    exercise = models.ForeignKey(
        Exercise, models.PROTECT, related_name="+", verbose_name=_("exercise")
    )
    phase = models.ForeignKey(Phase, models.PROTECT, related_name="+", verbose_name=_("phase"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    variant_allowed = models.CharField(
        _("patient may switch to"),
        max_length=6,
        choices=VariantAllowed.choices,
        default=VariantAllowed.NONE,
        help_text=_("The variant of the prescribed exercise the patient may choose on their own."),
    )
    prescribed_exercise = models.ForeignKey(
        Exercise,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prescribed exercise"),
        help_text=_("Set while the patient does a variant of it."),
    )
    load_kg = models.DecimalField(
        _("load (kg)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_LOAD_KG)],
        help_text=_("Weight to use, e.g. a dumbbell; leave empty without weight."),
    )
    band = models.CharField(
        _("band or level"),
        max_length=MAX_BAND_LENGTH,
        blank=True,
        help_text=_("Resistance band colour or level, e.g. “red band”."),
    )
    hold_s = models.PositiveSmallIntegerField(
        _("hold (s)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HOLD_S)],
        help_text=_("How long to hold each repetition, in seconds."),
    )
    side = models.CharField(_("side"), max_length=5, choices=Side.choices, default=Side.BOTH)

    class Meta:
        ordering = ["phase__number", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "exercise"], name="prescription_exercise_unique"
            )
        ]
        indexes = [
            # The reminder run asks, for every patient at once, whether the programme has an
            # every-day exercise (reminders.selectors._every_day_item): a small index instead of
            # a scan of every prescription ever written.
            models.Index(
                fields=["assignment"],
                condition=models.Q(removed_at__isnull=True, interval_days=1, weekly_max__gte=7),
                name="prescription_every_day",
            ),
        ]
        verbose_name = _("prescribed exercise")
        verbose_name_plural = _("prescription")

    def __str__(self):
        return str(self.exercise)

    @property
    def extras_text(self) -> str:
        """Load, band, hold time and side in plain words, e.g. "with 5 kg, hold each repetition
        for 10 s, left side only"; empty when none is prescribed."""
        return ", ".join(str(part) for part in dose_extras(self))


def dose_extras(item: Any) -> list[Any]:
    """The patient's dose extras as phrases, from an item or a row of values (``load_kg``,
    ``band``, ``hold_s``, ``side``): shared by the portal, the PDF and the admin."""

    def value(name: str) -> Any:
        return item[name] if isinstance(item, dict) else getattr(item, name)

    parts: list[Any] = []
    load, band, hold, side = value("load_kg"), value("band"), value("hold_s"), value("side")
    if load is not None:
        whole = load == load.to_integral_value()
        shown = formats.localize(int(load) if whole else load, use_l10n=True)
        parts.append(_("with %(load)s kg") % {"load": shown})
    if band:
        parts.append(_("with %(band)s") % {"band": band})
    if hold:
        parts.append(_("hold each repetition for %(seconds)d s") % {"seconds": hold})
    if side == Side.LEFT:
        parts.append(_("left side only"))
    elif side == Side.RIGHT:
        parts.append(_("right side only"))
    return parts


class PhaseChangeKind(models.TextChoices):
    START = "start", _("start")
    ADVANCE = "advance", _("advance")
    REGRESS = "regress", _("regress")
    STOP = "stop", _("stopped (red flag)")
    RESUME = "resume", _("resumed after clearance")
    # The patient's own switches between an exercise and its variant (docs/product.md, "Variants").
    EASIER = "easier", _("patient switched to the easier variant")
    HARDER = "harder", _("patient switched to the harder variant")
    PRESCRIBED = "prescribed", _("patient switched back to the prescribed exercise")
    # The therapist's changes to the prescription (docs/product.md, "Programme builder").
    ADDED = "added", _("exercise added")
    REMOVED = "removed", _("exercise removed")
    DOSE = "dose", _("dose changed")
    MOVED = "moved", _("order changed")


VARIANT_SWITCHES = (PhaseChangeKind.EASIER, PhaseChangeKind.HARDER, PhaseChangeKind.PRESCRIBED)
PRESCRIPTION_CHANGES = (
    PhaseChangeKind.ADDED,
    PhaseChangeKind.REMOVED,
    PhaseChangeKind.DOSE,
    PhaseChangeKind.MOVED,
)


class PhaseChange(models.Model):
    """The programme's history: phase moves, stops and resumptions for red flags, the patient's
    variant switches and the therapist's changes to the prescription; from, to, who, when, why."""

    assignment = models.ForeignKey(
        Assignment, models.CASCADE, related_name="phase_changes", verbose_name=_("assignment")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PhaseChangeKind.choices)
    from_phase = models.ForeignKey(
        Phase, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_phase = models.ForeignKey(Phase, models.PROTECT, related_name="+", verbose_name=_("to"))
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    reason = models.TextField(_("reason"), max_length=2000)
    # Only for a patient's variant switch: the exercise left and the one taken up.
    from_exercise = models.ForeignKey(
        Exercise,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from exercise"),
    )
    to_exercise = models.ForeignKey(
        Exercise,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to exercise"),
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")

    def __str__(self):
        return f"{self.from_phase or '–'} → {self.to_phase}"


class SessionLog(models.Model):
    patient = models.ForeignKey(
        Patient, models.CASCADE, related_name="sessions", verbose_name=_("patient")
    )
    assignment = models.ForeignKey(
        Assignment, models.CASCADE, related_name="sessions", verbose_name=_("assignment")
    )
    phase = models.ForeignKey(Phase, models.PROTECT, related_name="+", verbose_name=_("phase"))
    performed_at = models.DateTimeField(_("performed"))
    local_date = models.DateField(_("day (patient's time zone)"))
    pain_before = models.PositiveSmallIntegerField(_("pain before"), validators=NRS)
    # Empty only for a session stopped at the safety questions: it never got to an "after".
    pain_after = models.PositiveSmallIntegerField(
        _("pain after"), null=True, blank=True, validators=NRS
    )
    rpe = models.PositiveSmallIntegerField(
        _("effort (Borg CR10)"), null=True, blank=True, validators=NRS
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    red_flag_saddle_numbness = models.BooleanField(_("new numbness in the saddle area"))
    red_flag_bladder_bowel = models.BooleanField(_("bladder or bowel changes"))
    red_flag_leg_weakness = models.BooleanField(_("new leg weakness"))
    flagged = models.BooleanField(_("flagged"), default=False)
    flag_reasons = models.JSONField(_("flag reasons"), default=list, blank=True)
    # NULL, not "", when absent: the unique constraint applies to given keys only.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)  # noqa: DJ001
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    class Meta:
        ordering = ["-performed_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-performed_at"], name="session_patient_time"),
            models.Index(fields=["patient", "local_date"], name="session_patient_day"),
            models.Index(
                fields=["patient", "-performed_at"],
                condition=models.Q(flagged=True),
                name="session_patient_flagged",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="session_idempotency_unique",
            )
        ]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return f"{self.patient} {self.local_date}"


class ExerciseEntry(models.Model):
    session = models.ForeignKey(
        SessionLog, models.CASCADE, related_name="entries", verbose_name=_("session")
    )
    exercise = models.ForeignKey(
        Exercise, models.PROTECT, related_name="+", verbose_name=_("exercise")
    )
    sets_done = models.PositiveSmallIntegerField(
        _("sets done"), default=0, validators=[MaxValueValidator(20)]
    )
    reps = models.PositiveSmallIntegerField(
        _("repetitions per set"), null=True, blank=True, validators=[MaxValueValidator(200)]
    )
    duration_s = models.PositiveSmallIntegerField(
        _("duration per set (s)"), null=True, blank=True, validators=[MaxValueValidator(3600)]
    )
    load_kg = models.DecimalField(
        _("load (kg)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(300)],
    )
    pain = models.PositiveSmallIntegerField(
        _("pain during the exercise"), null=True, blank=True, validators=NRS
    )
    skipped = models.BooleanField(_("skipped"), default=False)
    skip_reason = models.CharField(_("why skipped"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("exercise entry")
        verbose_name_plural = _("exercise entries")

    def __str__(self):
        return str(self.exercise)


class NextDayCheck(models.Model):
    """The 24-hour response: how the back feels the day after a session."""

    session = models.OneToOneField(
        SessionLog, models.CASCADE, related_name="next_day_check", verbose_name=_("session")
    )
    answered_at = models.DateTimeField(_("answered"))
    pain = models.PositiveSmallIntegerField(_("pain now"), validators=NRS)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)

    class Meta:
        verbose_name = _("next-day check")
        verbose_name_plural = _("next-day checks")

    def __str__(self):
        return f"{self.session} +1"


class SymptomReport(models.Model):
    """ "Something is wrong": the patient reports warning signs or pain on any day, without a
    session. Handled like a session's safety questions (docs/clinical-safety.md)."""

    patient = models.ForeignKey(
        Patient, models.CASCADE, related_name="symptom_reports", verbose_name=_("patient")
    )
    reported_at = models.DateTimeField(_("reported"))
    local_date = models.DateField(_("day (patient's time zone)"))
    red_flag_saddle_numbness = models.BooleanField(_("new numbness in the saddle area"))
    red_flag_bladder_bowel = models.BooleanField(_("bladder or bowel changes"))
    red_flag_leg_weakness = models.BooleanField(_("new leg weakness"))
    pain = models.PositiveSmallIntegerField(_("pain now"), validators=NRS)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)
    flag_reasons = models.JSONField(_("flag reasons"), default=list, blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["patient", "-reported_at"], name="symptom_patient_time")]
        verbose_name = _("symptom report")
        verbose_name_plural = _("symptom reports")

    def __str__(self):
        return f"{self.patient} {self.local_date}"


class FlagKind(models.TextChoices):
    PAIN_ABOVE_LIMIT = "pain_above_limit", _("pain above the limit")
    PAIN_RISE = "pain_rise", _("pain rose during the session")
    PAIN_HIGH = "pain_high", _("pain above 5 (high-risk zone)")
    NEXT_DAY_WORSE = "next_day_worse", _("worse the next day")
    NEXT_DAY_PAIN_HIGH = "next_day_pain_high", _("high pain the next day")
    RED_FLAG = "red_flag", _("red flag reported")
    SYMPTOM_REPORT = "symptom_report", _("symptoms reported")


def flag_label(code: str) -> str:
    """A flag reason or alert kind in words, in the active language: the one mapping from the
    stored codes (``SessionLog.flag_reasons``, ``SymptomReport.flag_reasons``, ``Alert.kind``)
    to what people read. An unknown code is shown as it is, never dropped."""
    return str(FlagKind(code).label) if code in FlagKind.values else str(code)


def flag_labels(codes) -> list[str]:
    return [flag_label(code) for code in codes or ()]


def sign_labels(codes) -> str:
    """Red-flag signs (``RedFlagSign`` codes, as a red-flag alert's details hold them) in
    words, joined; an unknown code is shown as it is."""
    return "; ".join(
        str(RedFlagSign(code).label) if code in RedFlagSign.values else str(code)
        for code in codes or ()
    )


class Alert(models.Model):
    """Something a therapist must look at: a flagged session, a bad next-day check, a red flag
    or high pain reported in a session or a symptom report. Stays open until acknowledged; an
    unacknowledged red flag is escalated to the practice admin (``escalated_at``)."""

    patient = models.ForeignKey(
        Patient, models.CASCADE, related_name="alerts", verbose_name=_("patient")
    )
    session = models.ForeignKey(
        SessionLog,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("session"),
    )
    symptom_report = models.ForeignKey(
        SymptomReport,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("symptom report"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FlagKind.choices)
    details = models.JSONField(_("details"), default=list, blank=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    escalated_at = models.DateTimeField(_("escalated to the practice admin"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    # "Call-back noted": the therapist phoned the patient about this alert
    # (docs/clinical-safety.md, "Acknowledging an alert").
    called_back_at = models.DateTimeField(_("patient called back"), null=True, blank=True)
    called_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called back by"),
    )
    call_back_note = models.CharField(_("call-back note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "acknowledged_at"], name="alert_patient_open"),
            # The escalation task looks for red flags nobody acknowledged, every minute.
            models.Index(
                fields=["created_at"],
                condition=models.Q(
                    kind="red_flag", acknowledged_at__isnull=True, escalated_at__isnull=True
                ),
                name="alert_red_flag_unescalated",
            ),
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self):
        return self.get_kind_display()


class HabitCheck(models.Model):
    """A daily habit ticked off on a day (count: how often that day)."""

    patient = models.ForeignKey(
        Patient, models.CASCADE, related_name="habit_checks", verbose_name=_("patient")
    )
    habit = models.ForeignKey(DailyHabit, models.CASCADE, related_name="+", verbose_name=_("habit"))
    day = models.DateField(_("day"))
    count = models.PositiveSmallIntegerField(
        _("times"), default=1, validators=[MaxValueValidator(24)]
    )

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "habit", "day"], name="habit_check_unique")
        ]
        verbose_name = _("habit check")
        verbose_name_plural = _("habit checks")

    def __str__(self):
        return f"{self.habit} {self.day}"
