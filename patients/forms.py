"""Portal forms. They check the shape and range of what a patient enters; the services check
the rest (prescription, dates) and write."""

import uuid
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

NRS_CHOICES = [(value, str(value)) for value in range(11)]
YES_NO = [("no", _("No")), ("yes", _("Yes"))]


class ScaleWidget(forms.RadioSelect):
    """0–10 as a row of large radio buttons: one tap on a phone, arrow keys on a keyboard."""

    template_name = "portal/widgets/scale.html"  # writes its options itself


def nrs_field(label, *, required=True, help_text=""):
    return forms.TypedChoiceField(
        label=label,
        choices=NRS_CHOICES,
        coerce=int,
        empty_value=None,
        required=required,
        widget=ScaleWidget,
        help_text=help_text,
    )


def yes_no_field(label):
    """An explicit yes or no, with no default: an unanswered safety question is an error, never
    a "no" (docs/clinical-safety.md)."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "yes-no"}),
        error_messages={"required": _("Please answer yes or no.")},
    )


def red_flag_fields():
    """The three safety questions of a session and of a symptom report."""
    return {
        "red_flag_saddle_numbness": yes_no_field(
            _("Have you noticed new numbness around your genitals, buttocks or inner thighs?")
        ),
        "red_flag_bladder_bowel": yes_no_field(
            _("Have you noticed new problems controlling or passing urine or stool?")
        ),
        "red_flag_leg_weakness": yes_no_field(
            _("Has a leg or foot become weaker, newly or more than before?")
        ),
    }


RED_FLAG_FIELDS = ("red_flag_saddle_numbness", "red_flag_bladder_bowel", "red_flag_leg_weakness")


if TYPE_CHECKING:  # read as the form it is mixed into
    _Form = forms.Form
else:
    _Form = object


class SafetyQuestionsMixin(_Form):
    """The three safety questions first; ``said_yes`` reads them from the submitted data, so a
    yes counts even when the rest of the form is incomplete."""

    RED_FLAG_FIELDS = RED_FLAG_FIELDS

    def said_yes(self) -> bool:
        return any(self.data.get(name) == "yes" for name in RED_FLAG_FIELDS)


class SessionForm(SafetyQuestionsMixin, forms.Form):
    """What a session asks once: first the safety questions and the pain before, at the end the
    pain after, the effort and notes. A yes to a safety question stops the session at step 1
    (``stop_errors``): the "after" values are not asked then."""

    red_flag_saddle_numbness, red_flag_bladder_bowel, red_flag_leg_weakness = (
        red_flag_fields().values()
    )
    pain_before = nrs_field(
        _("How strong is your back pain right now, before you start?"),
        help_text=_("0 = no pain, 10 = worst pain imaginable"),
    )
    pain_after = nrs_field(
        _("How strong is your back pain now, after the session?"),
        help_text=_("0 = no pain, 10 = worst pain imaginable"),
    )
    rpe = nrs_field(
        _("How hard was the session overall?"),
        help_text=_("0 = no effort at all, 10 = maximal effort"),
    )
    notes = forms.CharField(
        label=_("Notes for your therapist (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    idempotency_key = forms.CharField(
        max_length=64, widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex
    )
    # When a session saved on the phone without a connection was done (static/js/
    # portal-session.js adds it; docs/product.md "Installable app and offline use"). Empty: now.
    performed_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    # What a session stopped at the safety questions needs (its notes are kept when valid).
    STOP_FIELDS = (*RED_FLAG_FIELDS, "pain_before", "idempotency_key")

    def is_valid_for_stop(self) -> bool:
        """Validate only what a stopped session saves; errors of the later steps are dropped,
        so a form rule of the exercise steps never keeps a warning sign from being saved."""
        for name in list(self.errors):
            if name not in self.STOP_FIELDS and name != NON_FIELD_ERRORS:
                del self.errors[name]
        return not self.errors


class SymptomReportForm(SafetyQuestionsMixin, forms.Form):
    """ "Something is wrong?" on any day: the safety questions, pain now and notes."""

    red_flag_saddle_numbness, red_flag_bladder_bowel, red_flag_leg_weakness = (
        red_flag_fields().values()
    )
    pain = nrs_field(
        _("How strong is your back pain right now?"),
        help_text=_("0 = no pain, 10 = worst pain imaginable"),
    )
    notes = forms.CharField(
        label=_("What is wrong? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EntryForm(forms.Form):
    """One prescribed exercise as done today. Which of reps or duration applies is the
    prescription's business; the template shows the matching field."""

    exercise = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    sets_done = forms.IntegerField(
        label=_("Sets done"),
        min_value=0,
        max_value=20,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reps = forms.IntegerField(
        label=_("Repetitions per set"),
        min_value=0,
        max_value=200,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    duration_s = forms.IntegerField(
        label=_("Seconds per set"),
        min_value=0,
        max_value=3600,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    load_kg = forms.DecimalField(
        label=_("Extra load in kg (if any)"),
        max_digits=5,
        decimal_places=1,
        required=False,
        validators=[MinValueValidator(0), MaxValueValidator(300)],
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5", "min": "0"}),
    )
    pain = nrs_field(_("Pain during this exercise"), required=False)
    skipped = forms.BooleanField(label=_("I skipped this exercise today"), required=False)
    skip_reason = forms.CharField(label=_("Why? (optional)"), max_length=200, required=False)

    def __init__(self, *args, exercise_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exercise"].choices = [(pk, pk) for pk in exercise_ids]
        self.fields["exercise"].error_messages["invalid_choice"] = _(
            "This exercise is no longer in your prescription. Reload the page."
        )

    def clean(self):
        data = super().clean()
        if data.get("skipped"):
            # A skipped exercise counts nothing; keep only why.
            data.update(sets_done=0, reps=None, duration_s=None, load_kg=None, pain=None)
            return data
        if data.get("sets_done") == 0:
            self.add_error(
                "sets_done", _("Enter how many sets you did, or tick that you skipped it.")
            )
        if data.get("pain") is None and "pain" not in self.errors:
            self.add_error("pain", _("Rate the pain during this exercise (0 = none)."))
        return data

    def entry(self) -> dict:
        data = self.cleaned_data
        return {
            field: data.get(field)
            for field in (
                "exercise",
                "sets_done",
                "reps",
                "duration_s",
                "load_kg",
                "pain",
                "skipped",
                "skip_reason",
            )
        }


class BaseEntryFormSet(forms.BaseFormSet):
    def __init__(self, *args, exercise_ids=(), **kwargs):
        self.exercise_ids = list(exercise_ids)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"exercise_ids": self.exercise_ids}

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            exercise = form.cleaned_data.get("exercise")
            if exercise in seen:
                raise forms.ValidationError(_("An exercise appears twice. Reload the page."))
            seen.add(exercise)
        if all(form.cleaned_data.get("skipped") for form in self.forms):
            raise forms.ValidationError(
                _("You skipped every exercise. Log at least one, or come back another time.")
            )


EntryFormSet = forms.formset_factory(
    EntryForm,
    formset=BaseEntryFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=30,
    validate_max=True,
    absolute_max=30,
)


class NextDayCheckForm(forms.Form):
    session = forms.IntegerField(widget=forms.HiddenInput)
    pain = nrs_field(
        _("How does your back feel today?"),
        help_text=_("0 = no pain, 10 = worst pain imaginable"),
    )
    notes = forms.CharField(
        label=_("Anything to add? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HabitTickForm(forms.Form):
    habit = forms.TypedChoiceField(coerce=int)
    action = forms.ChoiceField(choices=[("tick", "tick"), ("untick", "untick")])

    def __init__(self, *args, habit_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["habit"].choices = [(pk, pk) for pk in habit_ids]
