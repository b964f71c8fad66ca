"""/programme.pdf: the patient's take-home programme to print (``patients.programme_pdf``), in
their language unless ``?lang=de|en`` asks for the other one."""

from django.views.decorators.http import require_safe

from patients import programme_pdf, selectors
from patients.portal.access import patient_required


@patient_required
@require_safe
def programme(request):
    patient = request.patient
    # An unknown ?lang= falls back to the patient's language rather than failing the print.
    language = programme_pdf.language_for(
        patient, request.GET.get("lang")
    ) or programme_pdf.language_for(patient, None)
    programme = selectors.take_home_programme(patient=patient)
    return programme_pdf.pdf_response(
        programme_pdf.programme_pdf(programme, language=language), language=language
    )
