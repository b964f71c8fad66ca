"""The reminder of a questionnaire sent on demand: at the patient's reminder time on the due day
(or the next reminder time when that one had passed), once, only when asked for, and not for a
request answered or cancelled (docs/product.md, "Questionnaires on demand")."""

from datetime import date, time, timedelta

import pytest
from django.core import mail

from questionnaires.models import Questionnaire, QuestionnaireRequest
from reminders import selectors, services
from reminders.models import Delivery, ReminderKind
from tests import factories

from .conftest import utc

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 1)
SIX_PM_BERLIN = utc(2026, 6, 1, 16)
# No window of the schedule is open on DAY: the baseline closed, week 4 not yet open.
BETWEEN_WINDOWS = DAY - timedelta(days=20)


def questionnaire_reminders(at):
    return [
        reminder.patient_id
        for reminder in selectors.due_reminders(start=at - timedelta(minutes=15), end=at)
        if reminder.kind == ReminderKind.QUESTIONNAIRE
    ]


def request(patient, *, due_on=DAY, remind=True, **values):
    return QuestionnaireRequest.objects.create(
        patient=patient,
        questionnaire=Questionnaire.objects.get(slug="nrs-pain-week"),
        requested_at=SIX_PM_BERLIN - timedelta(days=2),
        due_on=due_on,
        remind=remind,
        **values,
    )


@pytest.fixture
def patient(make_patient):
    return make_patient(reminder_time=time(18), start=BETWEEN_WINDOWS, language="en")


def test_a_reminder_at_the_reminder_time_on_the_due_day(patient, make_patient):
    request(patient)
    silent = make_patient(reminder_time=time(18), start=BETWEEN_WINDOWS)
    request(silent, remind=False)
    later = make_patient(reminder_time=time(18), start=BETWEEN_WINDOWS)
    request(later, due_on=DAY + timedelta(days=1))

    assert questionnaire_reminders(SIX_PM_BERLIN) == [patient.pk]
    assert questionnaire_reminders(SIX_PM_BERLIN - timedelta(hours=1)) == []


@pytest.mark.parametrize("closed", ["answered_at", "cancelled_at"])
def test_no_reminder_for_an_answered_or_cancelled_request(patient, closed):
    request(patient, **{closed: SIX_PM_BERLIN - timedelta(hours=3)})

    assert questionnaire_reminders(SIX_PM_BERLIN) == []


def test_patients_without_a_programme_are_reminded_too(therapist):
    patient = factories.PatientFactory(
        therapist=therapist,
        reminder_time=time(18),
        quiet_hours_start=time(0),
        quiet_hours_end=time(0),
    )
    request(patient)

    assert questionnaire_reminders(SIX_PM_BERLIN) == [patient.pk]


def test_quiet_hours_and_opting_out_hold(make_patient):
    quiet = make_patient(reminder_time=time(18), start=BETWEEN_WINDOWS, quiet_hours_start=time(17))
    request(quiet)
    opted_out = make_patient(reminder_time=time(18), start=BETWEEN_WINDOWS, reminder_opt_out=True)
    request(opted_out)

    assert questionnaire_reminders(SIX_PM_BERLIN) == []


def test_a_missed_reminder_time_goes_at_the_next_one_but_not_a_week_later(patient, make_patient):
    request(patient, due_on=DAY - timedelta(days=1))
    old = make_patient(reminder_time=time(18), start=BETWEEN_WINDOWS)
    request(old, due_on=DAY - timedelta(days=7))

    assert questionnaire_reminders(SIX_PM_BERLIN) == [patient.pk]


def test_the_reminder_goes_once_and_names_the_questionnaire(
    patient, published, django_capture_on_commit_callbacks, settings
):
    settings.REMINDER_DIGEST_TIME = ""
    request(patient)

    for day in range(3):
        now = SIX_PM_BERLIN + timedelta(days=day)
        with django_capture_on_commit_callbacks(execute=True):
            services.reminders_run(now=now, start=now - timedelta(minutes=15))

    deliveries = Delivery.objects.filter(patient=patient, kind=ReminderKind.QUESTIONNAIRE)
    assert list(deliveries.values_list("day", flat=True)) == [DAY]
    sent = [message for message in mail.outbox if "questionnaire" in message.subject]
    assert len(sent) == 1
    assert Questionnaire.objects.get(slug="nrs-pain-week").title_en in sent[0].body
    assert "/questionnaires/" in sent[0].body
