"""/symptoms/: "Something is wrong?" on any day, with or without a programme — the three
safety questions, pain now and notes (``services.symptom_report_create``), then what to do
(docs/clinical-safety.md)."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from patients import rules, services
from patients.forms import SymptomReportForm
from patients.models import SymptomReport
from patients.portal import access
from patients.portal.access import patient_required


@patient_required(consent_exempt=True)
@require_http_methods(["GET", "POST"])
def symptom_report(request):
    form = SymptomReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = services.symptom_report_create(
            patient=request.patient,
            pain=data["pain"],
            notes=data["notes"],
            **{name: data[name] for name in SymptomReportForm.RED_FLAG_FIELDS},
        )
        return redirect("portal:symptom_report_result", pk=report.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/symptom_report.html", {"form": form}, status=status)


@patient_required(consent_exempt=True)
@require_safe
def symptom_report_result(request, pk: int):
    report = get_object_or_404(SymptomReport, pk=pk, patient=request.patient)
    known = set(rules.FlagReason)
    reasons = [rules.FlagReason(code) for code in report.flag_reasons if code in known]
    signs = [sign for name, sign in services.SESSION_RED_FLAGS.items() if getattr(report, name)]
    context = {
        "report": report,
        "advice": rules.session_advice(reasons, red_flags=signs),
        "red_flag": bool(signs),
        "pain_high": rules.FlagReason.PAIN_HIGH in reasons,
        "urgent_shown": bool(signs),
        "contact": access.practice_contact(),
    }
    return render(request, "portal/symptom_report_result.html", context)
