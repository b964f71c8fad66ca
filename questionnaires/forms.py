import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

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
