"""Forms of the therapist admin. They only validate input; the admin hands the cleaned data to
``patients.services``, which decide and write."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Field
from django.utils.translation import gettext_lazy as _

from patients.models import (
    PROFILE_FIELDS,
    Patient,
    PrescriptionItem,
    RedFlagSign,
    ScreeningPrompt,
)
from programs.models import Phase, Program

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _user_field(name: str, *, required: bool = True) -> forms.Field:
    model_field = get_user_model()._meta.get_field(name)
    field = model_field.formfield() if isinstance(model_field, Field) else None
    if field is None:
        raise LookupError(f"The user model's {name!r} has no form field.")
    field.required = required
    return field


class PatientCreationForm(forms.ModelForm):
    """A new patient: the login's names and e-mail plus the profile. The login gets no usable
    password; the patient sets one through the password reset ("invitation")."""

    username = _user_field("username")
    first_name = _user_field("first_name")
    last_name = _user_field("last_name")
    email = _user_field("email")

    class Meta:
        model = Patient
        fields = ["therapist", *PROFILE_FIELDS]

    def clean_username(self):
        # The service checks this again inside its transaction; here it becomes a form error.
        username = self.cleaned_data["username"]
        if get_user_model()._default_manager.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username


class ReasonForm(forms.Form):
    """Why the phase changes: kept in the phase history."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Kept in the phase history, e.g. what you observed in the last sessions."),
    )


class ClearanceForm(forms.Form):
    note = forms.CharField(
        label=_("Medical clearance"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Who cleared the patient, when, and on what findings."),
    )


# The guideline's red-flag groups (RedFlagSign.group_of), in the order the screening asks them.
SIGN_GROUPS = {
    "fracture": _("Fracture"),
    "tumour": _("Tumour"),
    "infection": _("Infection"),
    "radicular": _("Radiculopathy"),
    "cauda": _("Cauda equina"),
}


def _short_label(label) -> str:
    """A sign's label without its group ("Tumour: history of cancer" → "history of cancer"),
    for the list under the group's heading; the whole label where it has no group prefix."""
    text = str(label)
    return text.split(": ", 1)[1] if ": " in text else text


class ScreeningForm(forms.Form):
    """The red-flag screening (docs/clinical-safety.md): every red flag of the guideline, by
    group, and apart from them the prompts, which do not stop a programme by themselves."""

    signs = forms.MultipleChoiceField(
        label=_("Red flags found"),
        choices=RedFlagSign.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Leave all unticked when the screening found no red flag. Each red flag ticked "
            "stops the programme until you record a medical clearance."
        ),
    )
    prompts = forms.MultipleChoiceField(
        label=_("Prompts looked into"),
        choices=ScreeningPrompt.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Prompts do not stop the programme. Tick the ones you asked about; when one points "
            "to a red flag, tick that red flag above."
        ),
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    def sign_groups(self) -> list[tuple["StrOrPromise", list[tuple[object, str]]]]:
        """The sign checkboxes by group: ``[(group label, [(checkbox, label), …]), …]``."""
        checkboxes = {checkbox.data["value"]: checkbox for checkbox in self["signs"]}
        groups: dict[str, list] = {}
        for code, label in RedFlagSign.choices:
            group = RedFlagSign.group_of(code)
            groups.setdefault(group, []).append((checkboxes[code], _short_label(label)))
        return [(SIGN_GROUPS.get(group, group), signs) for group, signs in groups.items()]


class AssignProgramForm(forms.Form):
    """A programme and the phase it starts in (docs/product.md, "Starting phase"): the service
    refuses a later start without a reason, and any start without a recent screening or with
    an open red flag."""

    program = forms.ModelChoiceField(label=_("Programme"), queryset=Program.objects.none())
    start_phase = forms.TypedChoiceField(
        label=_("Start in phase"),
        coerce=int,
        empty_value=None,
        required=False,
        initial=1,
        choices=(),
        help_text=_("The exercises of the earlier phases are prescribed too."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Required when the programme does not start in the first phase."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # practice-wide programmes and the therapist's own, not another's (programs/rules.py)
        self.fields["program"].queryset = Program.objects.for_user(user).filter(is_active=True)
        self.fields["start_phase"].choices = [
            (phase.number, str(phase)) for phase in Phase.objects.order_by("number")
        ]


# The builder's edit form, in the order a therapist reads a dose (docs/product.md).
ITEM_FORM_FIELDS = (
    "sets",
    "reps_min",
    "reps_max",
    "duration_min_s",
    "duration_max_s",
    "hold_s",
    "load_kg",
    "band",
    "side",
    "rest_s",
    "tempo",
    "frequency",
    "variant_allowed",
)


class ItemDoseForm(forms.ModelForm):
    """One prescribed exercise's dose on the patient page. Validating it runs the model's own
    validation (bounds, reps or duration, complete ranges), the same the service runs; the
    form never saves: the view hands ``changes()`` to the services."""

    class Meta:
        model = PrescriptionItem
        fields = ITEM_FORM_FIELDS
        widgets = {"band": forms.TextInput(attrs={"size": 14})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels say enough on a card; help texts would repeat on every exercise.
        for field in self.fields.values():
            field.help_text = ""

    def changes(self) -> dict:
        """The changed dose fields (``variant_allowed`` has its own service)."""
        return {
            name: self.cleaned_data[name] for name in self.changed_data if name != "variant_allowed"
        }


class ItemAddForm(forms.Form):
    """Add a catalogue exercise to one patient's prescription, with the extras a therapist
    usually sets at once; sets, repetitions and frequency start from the programme's or the
    goal's dose and are changed on the exercise's card."""

    exercise = forms.TypedChoiceField(label=_("Exercise"), coerce=int, choices=())
    phase = forms.TypedChoiceField(label=_("Phase"), coerce=int, choices=())
    load_kg = PrescriptionItem._meta.get_field("load_kg").formfield()
    band = PrescriptionItem._meta.get_field("band").formfield(
        widget=forms.TextInput(attrs={"size": 14})
    )
    hold_s = PrescriptionItem._meta.get_field("hold_s").formfield()
    side = PrescriptionItem._meta.get_field("side").formfield()

    def __init__(self, *args, exercises=(), phases=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for exercise in exercises:
            label = _("%(exercise)s (phase %(phase)s)") % {
                "exercise": exercise,
                "phase": exercise.phase.number,
            }
            groups.setdefault(str(exercise.goal), []).append((exercise.pk, label))
        self.fields["exercise"].choices = [("", "---------"), *groups.items()]
        self.fields["phase"].choices = [
            (phase.number, str(phase))
            for phase in phases
            if current is None or phase.number <= current
        ]
        if current is not None:
            self.fields["phase"].initial = current

    def extras(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in PrescriptionItem.EXTRA_FIELDS
            if self.cleaned_data.get(name) not in (None, "")
        }
