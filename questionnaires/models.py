"""Questionnaires as data: a definition (items, answer options, scoring rule, interpretation
bands, schedule) and the patients' responses with their computed scores.

Definitions are edited in the admin or loaded from FHIR R4 ``Questionnaire`` JSON; the forms the
product ships are own-worded forms that copy the structure and scoring of the published
instruments, never their copyrighted texts (docs/product.md, principle 3). Scores come from
``questionnaires.scoring``; responses are written by ``questionnaires.services``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from programs.i18n import TranslatedField
from questionnaires.scoring import Method

MAX_SCHEDULE_WEEK = 104


class ScoringMethod(models.TextChoices):
    SUM = Method.SUM.value, _("sum of the item values")
    PERCENTAGE_OF_MAX = (
        Method.PERCENTAGE_OF_MAX.value,
        _("percentage of the maximum of the answered items"),
    )
    SINGLE_VALUE = Method.SINGLE_VALUE.value, _("value of the single item")


def default_schedule_weeks() -> list[int]:
    return [0, 4, 12]


def validate_schedule_weeks(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(week, int) and not isinstance(week, bool) for week in value
    ):
        raise ValidationError(_("Give the weeks as a list of whole numbers, e.g. [0, 4, 12]."))
    if any(not 0 <= week <= MAX_SCHEDULE_WEEK for week in value):
        raise ValidationError(
            _("Weeks must lie between 0 and %(most)d."), params={"most": MAX_SCHEDULE_WEEK}
        )
    if value != sorted(set(value)):
        raise ValidationError(_("List each week once, in ascending order."))


class Questionnaire(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    url = models.CharField(
        _("canonical URL"),
        max_length=255,
        blank=True,
        help_text=_("FHIR canonical URL; imports update the questionnaire with the same URL."),
    )
    version = models.CharField(_("version"), max_length=40, blank=True)
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_de = models.TextField(_("description (German)"), max_length=4000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=4000, blank=True)
    own_wording = models.BooleanField(
        _("own-worded form"),
        default=False,
        help_text=_(
            "Own wording with the structure and scoring of a published instrument, not the "
            "licensed original. Users see this note."
        ),
    )
    structure_of = models.CharField(
        _("structure and scoring of"),
        max_length=200,
        blank=True,
        help_text=_("The published instrument whose structure and scoring the form follows."),
    )
    scoring_method = models.CharField(
        _("scoring method"), max_length=20, choices=ScoringMethod.choices
    )
    max_missing = models.PositiveSmallIntegerField(
        _("allowed missing answers"),
        default=0,
        validators=[MaxValueValidator(50)],
        help_text=_("With more unanswered items the response gets no score."),
    )
    higher_is_worse = models.BooleanField(
        _("higher score is worse"),
        default=True,
        help_text=_("More pain, disability or fear; a falling trend is then an improvement."),
    )
    schedule_weeks = models.JSONField(
        _("due in weeks"),
        default=default_schedule_weeks,
        blank=True,
        validators=[validate_schedule_weeks],
        help_text=_("Weeks after the programme start, e.g. [0, 4, 12]; 0 is the baseline."),
    )
    due_window_days = models.PositiveSmallIntegerField(
        _("days open"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("How many days from the start of a due week the questionnaire stays open."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    title = TranslatedField()
    description = TranslatedField()

    class Meta:
        ordering = ["title_de"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"], condition=~models.Q(url=""), name="questionnaire_url_unique"
            )
        ]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self):
        return self.title

    @property
    def own_wording_note(self) -> str:
        """The note every user sees on an own-worded form ("" for a licensed original)."""
        if not self.own_wording:
            return ""
        if self.structure_of:
            return _(
                "Own-worded form with the structure and scoring of %(instrument)s, "
                "not the licensed original."
            ) % {"instrument": self.structure_of}
        return str(_("Own-worded form, not a licensed original."))


class Item(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, models.CASCADE, related_name="items", verbose_name=_("questionnaire")
    )
    link_id = models.CharField(
        _("link ID"), max_length=100, help_text=_("Stable key of the item, as in FHIR linkId.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_de = models.TextField(_("text (German)"), max_length=1000)
    text_en = models.TextField(_("text (English)"), max_length=1000, blank=True)
    reversed = models.BooleanField(
        _("reversed"), default=False, help_text=_("Scored the other way round (low ↔ high).")
    )
    required = models.BooleanField(_("answer required"), default=False)

    text = TranslatedField()

    class Meta:
        ordering = ["questionnaire", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "link_id"], name="item_link_id_unique")
        ]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self):
        return f"{self.link_id}: {self.text[:60]}"


class Option(models.Model):
    item = models.ForeignKey(Item, models.CASCADE, related_name="options", verbose_name=_("item"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    value = models.SmallIntegerField(_("value"), help_text=_("The points this answer scores."))
    code = models.CharField(
        _("code"), max_length=100, blank=True, help_text=_("FHIR code; empty means the value.")
    )
    system = models.CharField(_("code system"), max_length=255, blank=True)
    text_de = models.CharField(_("text (German)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300, blank=True)

    text = TranslatedField()

    class Meta:
        ordering = ["item", "order", "value"]
        constraints = [
            models.UniqueConstraint(fields=["item", "value"], name="option_value_unique")
        ]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")

    def __str__(self):
        return f"{self.value}: {self.text}"


class ScoreBand(models.Model):
    """An interpretation of a score range, e.g. ODI 21–40 "moderate limitation"."""

    questionnaire = models.ForeignKey(
        Questionnaire, models.CASCADE, related_name="bands", verbose_name=_("questionnaire")
    )
    code = models.SlugField(_("code"), max_length=40)
    lower = models.DecimalField(_("from"), max_digits=7, decimal_places=2)
    upper = models.DecimalField(_("to"), max_digits=7, decimal_places=2)
    label_de = models.CharField(_("label (German)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120, blank=True)

    label = TranslatedField()

    class Meta:
        ordering = ["questionnaire", "lower"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="band_code_unique")
        ]
        verbose_name = _("interpretation band")
        verbose_name_plural = _("interpretation bands")

    def __str__(self):
        return f"{self.lower:g}–{self.upper:g} {self.label}"

    def clean(self):
        super().clean()
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValidationError({"upper": _("The upper end must not be below the lower end.")})


class Response(models.Model):
    """One filled-in questionnaire. The score is computed once on submission and kept with the
    definition's version, so later edits to the definition do not rewrite history."""

    patient = models.ForeignKey(
        "patients.Patient",
        models.CASCADE,
        related_name="questionnaire_responses",
        verbose_name=_("patient"),
    )
    questionnaire = models.ForeignKey(
        Questionnaire, models.PROTECT, related_name="responses", verbose_name=_("questionnaire")
    )
    questionnaire_version = models.CharField(_("version"), max_length=40, blank=True)
    due_week = models.PositiveSmallIntegerField(
        _("due week"),
        null=True,
        blank=True,
        help_text=_("The schedule week this response answers (0 = baseline); empty if ad hoc."),
    )
    submitted_at = models.DateTimeField(_("submitted"))
    score = models.DecimalField(
        _("score"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty when too many answers are missing."),
    )
    band = models.CharField(_("band"), max_length=40, blank=True)
    answered = models.PositiveSmallIntegerField(_("answered items"), default=0)
    missing = models.PositiveSmallIntegerField(_("missing answers"), default=0)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(
                fields=["patient", "questionnaire", "-submitted_at"],
                name="response_patient_q_time",
            )
        ]
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")

    def __str__(self):
        return f"{self.questionnaire} {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    response = models.ForeignKey(
        Response, models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    item = models.ForeignKey(Item, models.PROTECT, related_name="answers", verbose_name=_("item"))
    value = models.SmallIntegerField(_("value"), null=True, blank=True)

    class Meta:
        ordering = ["response", "item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="answer_item_unique")
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"{self.item.link_id}={self.value}"


MAX_REQUEST_DAYS_AHEAD = 60


class QuestionnaireRequest(models.Model):
    """A questionnaire a therapist sent to one patient outside the schedule (docs/product.md,
    "Questionnaires on demand"). It is due from the moment it is sent until it is answered or
    cancelled; ``due_on`` is the day the patient should have answered by, and the day of the
    optional reminder. The first response to the questionnaire after the request fulfils it."""

    patient = models.ForeignKey(
        "patients.Patient",
        models.CASCADE,
        related_name="questionnaire_requests",
        verbose_name=_("patient"),
    )
    questionnaire = models.ForeignKey(
        Questionnaire, models.PROTECT, related_name="requests", verbose_name=_("questionnaire")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"))
    due_on = models.DateField(_("due on"))
    remind = models.BooleanField(
        _("send a reminder"),
        default=False,
        help_text=_("One reminder at the patient's reminder time on the due day."),
    )
    response = models.OneToOneField(
        Response,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="request",
        verbose_name=_("response"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per patient and questionnaire: a second one would be answered
            # by the same response anyway.
            models.UniqueConstraint(
                fields=["patient", "questionnaire"],
                condition=models.Q(answered_at__isnull=True, cancelled_at__isnull=True),
                name="questionnaire_request_one_open",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=models.Q(
                    remind=True, answered_at__isnull=True, cancelled_at__isnull=True
                ),
                name="questionnaire_request_remind",
            )
        ]
        verbose_name = _("questionnaire request")
        verbose_name_plural = _("questionnaire requests")

    def __str__(self):
        return f"{self.questionnaire} {self.due_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.cancelled_at is None
