"""The patient's iCalendar feed (RFC 5545): one all-day event per coming due day.

Phone calendars subscribe to the secret URL and poll it. Events carry exercise names and a link
to today's plan, nothing else about the patient. UIDs are stable per feed key and day, so a
refresh updates the events instead of duplicating them, and a rotated key starts a new feed.
"""

import hashlib
from collections import defaultdict
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event
from icalendar.enums import TRANSP

from patients import rules as patient_rules
from patients import selectors as patient_selectors
from patients.models import AssignmentStatus, Patient, PrescriptionItem

HISTORY_DAYS = 21  # the longest interval (14 days) and the ISO week

REFRESH = timedelta(hours=6)


def feed(*, token: str, due_days: list[tuple[date, list]], now: datetime, language: str) -> bytes:
    key = hashlib.sha256(token.encode()).hexdigest()[:16]
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    today_url = settings.SITE_URL + "/today/"
    calendar = Calendar.new(
        prodid="-//MTT Rücken//Training calendar//EN",
        name=_("MTT Rücken: training"),
        description=_("Your coming training days. This app does not replace medical advice."),
        refresh_interval=REFRESH,
        language=language,
        url=today_url,
    )
    calendar.add("x-published-ttl", REFRESH)
    for day, items in due_days:
        names = ", ".join(str(item.exercise.name) for item in items)
        calendar.add_component(
            Event.new(
                uid=f"{day:%Y%m%d}-{key}@{host}",
                stamp=now,
                start=day,
                end=day + timedelta(days=1),
                summary=_("Training: %(exercises)s") % {"exercises": names},
                description=f"{names}\n{today_url}",
                url=today_url,
                transparency=TRANSP.TRANSPARENT,
            )
        )
    return calendar.to_ical()


CALENDAR_DAYS = 28


def coming_due_days(
    *, patient: Patient, today: date, days: int = CALENDAR_DAYS
) -> list[tuple[date, list[PrescriptionItem]]]:
    """The due days from today on, with the exercises due, per ``patients.rules.due_days``
    (assuming the patient trains on each of them): three queries."""
    assignment = patient_selectors.open_assignment(patient)
    if assignment is None or assignment.status != AssignmentStatus.ACTIVE:
        return []
    items = list(patient_selectors.active_items(assignment))
    history = patient_selectors.done_days(
        patient_ids=[patient.pk], since=today - timedelta(days=HISTORY_DAYS), until=today
    ).get(patient.pk, {})
    by_day: dict[date, list[PrescriptionItem]] = defaultdict(list)
    for item in items:
        for day in patient_rules.due_days(
            start=today,
            end=today + timedelta(days=days - 1),
            done_days=history.get(item.exercise_id, []),
            interval_days=item.interval_days,
            weekly_max=item.weekly_max,
        ):
            by_day[day].append(item)
    return sorted(by_day.items())
