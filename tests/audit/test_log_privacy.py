"""No personal data in logs (docs/product.md): a whole patient journey, with every log record
captured at DEBUG, never logs the patient's name, e-mail address or free-text notes — and the
filter on the configured handlers redacts what a library might log."""

import logging
import sys
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mtt.logging import RedactPersonalDataFilter, redact
from patients import services
from patients.models import RedFlag, SessionLog
from reminders import services as reminder_services
from reminders.models import Delivery, ReminderKind
from tests.api.conftest import bearer_client
from tests.patients.conftest import english_client

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-private-passphrase"
NOTES = "Knie links geschwollen nach Gartenarbeit"
CHECK_NOTES = "Nachts Kribbeln im Fuss seit Dienstag"
BAD_NOTES = "Streit mit dem Arbeitgeber wegen Krankschreibung"
SCREENING_NOTES = "Sturz von der Leiter vor drei Wochen"


class Capture(logging.Handler):
    """Keeps each record as it arrives, before any other handler's filter rewrites it."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.names: list[str] = []

    def emit(self, record):
        self.names.append(record.name)
        parts = [str(record.msg), repr(record.args), record.getMessage()]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        self.texts.append("\n".join(parts))


@pytest.fixture
def captured():
    root = logging.getLogger()
    handler = Capture()
    level = root.level
    root.handlers.insert(0, handler)  # first: sees each record as it was logged
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_patient_journey_logs_no_name_email_or_notes(
    captured, client, therapist, patient, make_patient, assignment, other_therapist
):
    user = patient.user
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    other = make_patient(therapist=other_therapist)
    services.screening_record(patient=other, screened_by=other_therapist, signs=[])
    other_assignment = services.assignment_create(
        patient=other, program=assignment.program, created_by=other_therapist
    )
    exercise_id = assignment.items.first().exercise_id
    other_session, _ = services.session_log_create(
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
        patient=other,
        performed_at=timezone.now() - timedelta(hours=2),
        pain_before=1,
        pain_after=1,
        rpe=3,
        entries=[{"exercise": other_assignment.items.first().exercise_id, "sets_done": 1}],
    )

    # A failed login with the e-mail address, then the right one.
    failed = client.post(reverse("login"), {"username": user.email, "password": "wrong-one"})
    assert failed.status_code == 200
    signed_in = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302

    # The portal: today, a search-like query string, another patient's session (404).
    assert client.get(reverse("portal:today"), {"q": user.email}).status_code == 200
    foreign_session = reverse("portal:session_feedback", args=[other_session.pk])
    assert client.get(foreign_session).status_code == 404

    # The API: a session with free-text notes and a red flag (the therapist is notified), a
    # bad one with notes (400), another patient's session (404), a next-day check with notes.
    api = bearer_client(user)
    body = {
        "performed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "pain_before": 2,
        "pain_after": 3,
        "rpe": 5,
        "notes": NOTES,
        "red_flag_saddle_numbness": False,
        "red_flag_bladder_bowel": False,
        "red_flag_leg_weakness": True,
        "entries": [{"exercise": exercise_id, "sets_done": 2, "reps": 10}],
    }
    created = api.post("/api/v1/sessions/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["flagged"]
    bad = api.post(
        "/api/v1/sessions/", {**body, "pain_before": 99, "notes": BAD_NOTES}, format="json"
    )
    assert bad.status_code == 400
    assert api.get(f"/api/v1/sessions/{other_session.pk}/").status_code == 404
    session = SessionLog.objects.get(pk=created.json()["id"])
    check = api.post(
        "/api/v1/next-day-checks/",
        {"session": session.pk, "pain": 6, "notes": CHECK_NOTES},
        format="json",
    )
    assert check.status_code == 201, check.json()

    # The therapist's red-flag e-mail and a reminder to the patient, sent through the mailer.
    red_flag = Delivery.objects.get(patient=patient, kind=ReminderKind.RED_FLAG)
    reminder_services.delivery_send(delivery_id=red_flag.pk)  # before clearance acknowledges it
    # The red flag stopped the programme (no reminders); clearance resumes it.
    services.red_flag_clear(
        red_flag=RedFlag.objects.get(patient=patient), cleared_by=therapist, note="Checked."
    )
    reminder = Delivery.objects.create(  # tomorrow's: today's session would skip it
        patient=patient,
        day=timezone.localdate() + timedelta(days=1),
        kind=ReminderKind.EVENING,
        batch=uuid.uuid4(),
        updated_at=timezone.now(),
    )
    reminder_services.delivery_send(delivery_id=reminder.pk)
    recipients = {address for message in mail.outbox for address in message.to}
    assert {therapist.email, user.email} <= recipients

    # The therapist: the patient list searched by name, the patient page, a screening with
    # notes, and another therapist's patient (404).
    staff = english_client(therapist)
    listed = staff.get(reverse("admin:patients_patient_changelist"), {"q": user.last_name})
    assert listed.status_code == 200
    assert staff.get(reverse("admin:patients_patient_change", args=[patient.pk])).status_code == 200
    screening = staff.post(
        reverse("admin:patients_patient_screening", args=[patient.pk]),
        {"signs": ["fracture_trauma"], "notes": SCREENING_NOTES},
    )
    assert screening.status_code == 302
    foreign = staff.get(reverse("admin:patients_patient_change", args=[other.pk]))
    assert foreign.status_code == 404

    # Records came in, the 4xx warnings among them ...
    assert "django.request" in captured.names
    assert any("Not Found" in text for text in captured.texts)
    assert any("Bad Request" in text for text in captured.texts)
    # ... and none of them carries the patient's name, address or notes.
    personal = [
        user.first_name,
        user.last_name,
        user.get_full_name(),
        user.email,
        NOTES,
        CHECK_NOTES,
        BAD_NOTES,
        SCREENING_NOTES,
    ]
    for text in captured.texts:
        for value in personal:
            assert value not in text, f"{value!r} logged: {text}"


def record(name, msg, *args, exc_info=None):
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, exc_info)


def test_the_filter_redacts_emails_query_strings_and_secret_paths():
    redacting = RedactPersonalDataFilter()
    request = record("django.request", "Not Found: %s", "/admin/?q=Anna+Schmidt")
    server = record("django.server", '"GET /api/v1/patients/?search=anna@example.org HTTP/1.1" 200')
    app = record("reminders", "could not send to %s (%s)", "anna@example.org", "SMTPError")
    feed = record("django.request", "Not Found: /calendar/s3cr3t-key.ics")
    link = record("django.security", "Bad link /accounts/invitation/MTI/abc-123def/")
    try:
        raise ValueError("duplicate key (email)=(anna@example.org)")
    except ValueError:
        failure = record("django.request", "Internal Server Error: /x/", exc_info=sys.exc_info())

    for item in (request, server, app, feed, link, failure):
        assert redacting.filter(item) is True

    assert request.getMessage() == "Not Found: /admin/?[…]"
    assert server.getMessage() == '"GET /api/v1/patients/?[…] HTTP/1.1" 200'
    assert app.getMessage() == "could not send to [email] (SMTPError)"
    assert app.args == ()
    assert feed.getMessage() == "Not Found: /calendar/[key].ics"
    assert link.getMessage() == "Bad link /accounts/invitation/[link]/"
    assert "anna@example.org" not in logging.Formatter().format(failure)
    assert "(email)=([email])" in failure.exc_text
    # Outside the request logs a question mark in prose stays.
    assert redact("why? because") == "why? because"


def test_every_configured_handler_carries_the_filter():
    from django.conf import settings

    handlers = settings.LOGGING["handlers"]
    assert handlers and all("redact" in handler.get("filters", []) for handler in handlers.values())
    live = [
        handler
        for handler in logging.getLogger().handlers + logging.getLogger("django.server").handlers
        if not isinstance(handler, Capture) and type(handler).__module__.startswith("logging")
    ]
    assert live
    assert all(
        any(isinstance(f, RedactPersonalDataFilter) for f in handler.filters) for handler in live
    )
