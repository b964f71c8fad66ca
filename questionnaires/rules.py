"""Pure rules for questionnaires sent on demand (docs/product.md, "Questionnaires on demand")."""

from datetime import date, timedelta

from django.utils.translation import gettext as _

from questionnaires.models import MAX_REQUEST_DAYS_AHEAD


def request_due_problem(*, due_on: date, today: date) -> str | None:
    """Why ``due_on`` cannot be the due date of a request sent on ``today`` (the patient's
    day), or None: not in the past, and at most ``MAX_REQUEST_DAYS_AHEAD`` days ahead."""
    if due_on < today:
        return _("The due date cannot be in the past.")
    if due_on > today + timedelta(days=MAX_REQUEST_DAYS_AHEAD):
        return _("The due date can be at most %(days)d days ahead.") % {
            "days": MAX_REQUEST_DAYS_AHEAD
        }
    return None
