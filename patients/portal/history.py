"""/history/: the patient's sessions, newest first, 20 to a page."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from patients import rules, selectors
from patients.portal import access
from patients.portal.access import patient_required

PAGE_SIZE = 20


@patient_required
@require_safe
def history(request):
    paginator = Paginator(selectors.session_history(patient=request.patient), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    sessions = list(page.object_list)
    known = set(rules.FlagReason)
    rows = [
        {
            "session": session,
            "reasons": [
                rules.FlagReason(code).message for code in session.flag_reasons if code in known
            ],
        }
        for session in sessions
    ]
    oldest_first = sessions[::-1]
    chart = {
        "labels": {"painBefore": _("Pain before"), "painAfter": _("Pain after")},
        "pain": {
            "labels": [date_format(s.local_date, "SHORT_DATE_FORMAT") for s in oldest_first],
            "before": [session.pain_before for session in oldest_first],
            "after": [session.pain_after for session in oldest_first],
        },
    }
    # While training is stopped (a red flag), no invitation to start a session.
    stopped = access.safety_state(request).stopped
    context = {"page": page, "rows": rows, "chart": chart, "stopped": stopped}
    return render(request, "portal/history.html", context)
