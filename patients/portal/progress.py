"""/progress/: pain before and after each session, weekly adherence and questionnaire scores,
drawn by Chart.js from data handed over with ``json_script`` (no inline script: CSP)."""

from datetime import timedelta

from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from patients import selectors
from patients.hooks import hook
from patients.portal.access import patient_required, patient_today

PAIN_WEEKS = 12


@patient_required
@require_safe
def progress(request):
    return render(request, "portal/progress.html", progress_context(request))


def progress_context(request):
    """The page's context (the portal's view, and the therapist's read-only preview in
    ``patients.admin.preview``)."""
    patient = request.patient
    today = patient_today(patient)
    pains = sorted(
        selectors.pain_values(
            patient=patient, since=today - timedelta(weeks=PAIN_WEEKS), until=today
        )
    )
    adherence = selectors.weekly_adherence(patient=patient, today=today, since_start=True)
    scores = hook("questionnaire_score_series")(patient)
    chart = {
        "labels": {
            "painBefore": _("Pain before"),
            "painAfter": _("Pain after"),
            "adherence": _("Sessions done of those prescribed (%)"),
            "score": _("Score"),
        },
        "pain": {
            "days": [day.isoformat() for day, _before, _after in pains],
            "labels": [date_format(day, "SHORT_DATE_FORMAT") for day, _b, _a in pains],
            "before": [before for _day, before, _after in pains],
            "after": [after for _day, _before, after in pains],
        },
        "adherence": {
            "weeks": [row["week"] for row in adherence],
            "labels": [
                date_format(today.fromisoformat(row["week"]), "SHORT_DATE_FORMAT")
                for row in adherence
            ],
            "values": [round(row["value"] * 100) for row in adherence],
        },
        "scores": scores,
    }
    context = {
        "chart": chart,
        "pains": pains,
        "adherence_rows": list(
            zip(chart["adherence"]["labels"], chart["adherence"]["values"], strict=True)
        ),
        "score_series": scores,
        "weeks": PAIN_WEEKS,
    }
    return context
