import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from questionnaires.models import Questionnaire

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class FhirImportForm(forms.Form):
    file = forms.FileField(
        label=_("FHIR R4 JSON file"),
        help_text=_("A Questionnaire resource or a Bundle of them."),
    )
    dry_run = forms.BooleanField(
        label=_("Only check, write nothing"), required=False, initial=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            return json.loads(upload.read().decode("utf-8"), parse_float=Decimal)
        except UnicodeDecodeError as error:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from error
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("The file is not valid JSON: %(error)s"), params={"error": error}
            ) from error


class QuestionnaireRequestForm(forms.Form):
    """The therapist's "Send questionnaire" form; the service holds the rules (due-date bounds,
    one open request per questionnaire) and its refusals land on these fields."""

    questionnaire = forms.ModelChoiceField(
        label=_("Questionnaire"), queryset=Questionnaire.objects.none(), empty_label=None
    )
    due_on = forms.DateField(
        label=_("Due on"),
        help_text=_("The patient sees it as due from now on; this is the day to answer by."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    remind = forms.BooleanField(
        label=_("Send a reminder"),
        required=False,
        help_text=_("Once, at the patient's reminder time on the due day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = Questionnaire.objects.filter(
            is_active=True
        ).order_by("title_de", "id")
