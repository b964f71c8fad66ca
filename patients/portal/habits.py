"""/habits/: the daily-life pillars of the programme, ticked off for today."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from patients import selectors, services
from patients.forms import HabitTickForm
from patients.portal.access import patient_required, patient_today


@patient_required
@require_http_methods(["GET", "POST"])
def habits(request):
    patient = request.patient
    today = patient_today(patient)
    assignment = selectors.open_assignment(patient)
    rows = selectors.habit_days(patient=patient, assignment=assignment, day=today)
    by_id = {row.habit.pk: row.habit for row in rows}
    if request.method == "POST":
        form = HabitTickForm(request.POST, habit_ids=by_id)
        if form.is_valid():
            services.habit_check_record(
                patient=patient,
                habit=by_id[form.cleaned_data["habit"]],
                day=today,
                delta=1 if form.cleaned_data["action"] == "tick" else -1,
            )
            target = "portal:today" if request.POST.get("next") == "today" else "portal:habits"
            return redirect(target)
        return render(request, "portal/habits.html", {"rows": rows, "today": today}, status=400)
    return render(request, "portal/habits.html", {"rows": rows, "today": today})
