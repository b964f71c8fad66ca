"""/questionnaires/: fill in what is due, then see the score and what it means.

Scores and schedules belong to the ``questionnaires`` app (services and selectors there); this
module only shows them to the patient.
"""

from collections import defaultdict

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from patients.portal.access import patient_required, patient_today
from questionnaires import scoring
from questionnaires import selectors as q_selectors
from questionnaires import services as q_services
from questionnaires.models import Questionnaire, Response, ScoreBand


def due_for(patient, *, today=None, assignment=None):
    """What is due today, by the schedule and on request (two queries, three without the
    open assignment at hand)."""
    start = assignment.start_date if assignment else q_selectors.program_start(patient)
    return q_selectors.due_with_requests(
        patient=patient, today=today or patient_today(patient), program_start=start
    )


def _bands(questionnaire_ids):
    bands = defaultdict(dict)
    for band in ScoreBand.objects.filter(questionnaire_id__in=questionnaire_ids):
        bands[band.questionnaire_id][band.code] = band
    return bands


def score_series(patient) -> list[dict]:
    """One series per questionnaire for the progress chart, oldest first (two queries)."""
    series: dict[int, dict] = {}
    for response in q_selectors.responses_for_patient(patient=patient):
        if response.score is None:
            continue
        questionnaire = response.questionnaire
        row = series.setdefault(
            questionnaire.pk,
            {
                "title": questionnaire.title,
                "higher_is_worse": questionnaire.higher_is_worse,
                "days": [],
                "labels": [],
                "values": [],
            },
        )
        day = response.submitted_at.date()
        row["days"].append(day.isoformat())
        row["labels"].append(date_format(day, "SHORT_DATE_FORMAT"))
        row["values"].append(float(response.score))
    return list(series.values())


@patient_required
@require_safe
def questionnaire_list(request):
    patient = request.patient
    responses = list(
        Response.objects.filter(patient=patient)
        .select_related("questionnaire")
        .order_by("-submitted_at", "-id")[:50]
    )
    bands = _bands({response.questionnaire_id for response in responses})
    rows = [
        {"response": response, "band": bands[response.questionnaire_id].get(response.band)}
        for response in responses
    ]
    return render(request, "portal/questionnaires.html", {"due": due_for(patient), "rows": rows})


class AnswersForm(forms.Form):
    """One radio group per item, built from the questionnaire's definition."""

    def __init__(self, *args, questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        for item in questionnaire.items.all():
            self.fields[item.link_id] = forms.TypedChoiceField(
                label=item.text,
                choices=[(option.value, option.text) for option in item.options.all()],
                coerce=int,
                empty_value=None,
                required=item.required,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please answer this question.")},
            )

    def answers(self) -> dict:
        return dict(self.cleaned_data)


@patient_required
@require_http_methods(["GET", "POST"])
def questionnaire_fill(request, slug: str):
    patient = request.patient
    questionnaire = get_object_or_404(
        q_selectors.questionnaires_with_definition(Questionnaire.objects.filter(is_active=True)),
        slug=slug,
    )
    due = next((d for d in due_for(patient) if d.questionnaire.pk == questionnaire.pk), None)
    form = AnswersForm(request.POST or None, questionnaire=questionnaire)
    if request.method == "POST" and form.is_valid():
        try:
            response = q_services.response_submit(
                patient=patient,
                questionnaire=questionnaire,
                answers=form.answers(),
                due_week=due.due_week if due else None,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return redirect("portal:questionnaire_result", pk=response.pk)
    context = {"questionnaire": questionnaire, "form": form, "due": due}
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/questionnaire_fill.html", context, status=status)


@patient_required
@require_safe
def questionnaire_result(request, pk: int):
    response = get_object_or_404(
        Response.objects.select_related("questionnaire"), pk=pk, patient=request.patient
    )
    questionnaire = q_selectors.questionnaires_with_definition(
        Questionnaire.objects.filter(pk=response.questionnaire_id)
    ).get()
    definition = q_selectors.scoring_definition(questionnaire)
    low, high = scoring.score_range(definition)
    band = next((b for b in questionnaire.bands.all() if b.code == response.band), None)
    context = {
        "response": response,
        "questionnaire": questionnaire,
        "band": band,
        "bands": list(questionnaire.bands.all()),
        "score_min": low,
        "score_max": high,
    }
    return render(request, "portal/questionnaire_result.html", context)
