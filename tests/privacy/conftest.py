"""Patients with a bit of everything, each marked with texts no other row contains, so a scan of
every table can tell whether anything of theirs is left."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.utils import timezone

from patients import services
from patients.models import Alert, FlagKind, Patient, RedFlagSign
from programs.models import DailyHabit, Program
from questionnaires.models import Questionnaire
from questionnaires.services import response_submit
from reminders.models import Delivery, PushSubscription, ReminderKind
from tests import factories
from tests.two_factor import login_verified
from tokens.services import token_create

PASSWORD = "rolling-slowly-42"
THERAPIST_GROUP = "Therapeut"


@dataclass
class Marked:
    """A patient and the texts that identify them."""

    patient: Patient
    name: str
    email: str
    username: str
    note: str

    @property
    def needles(self) -> list[str]:
        return [self.name.split()[-1], self.email, self.username, self.note]


def make_therapist(username: str):
    return factories.TherapistFactory(username=username, password=PASSWORD, first_name="Tanja")


@pytest.fixture
def therapist(db):
    return make_therapist("t.weber")


def make_marked_patient(therapist, tag: str, *, sessions: int = 3, language="de") -> Marked:
    """A patient with screening and a cleared red flag, a programme moved to phase 2,
    ``sessions`` logged sessions with notes (one with a next-day check), a questionnaire,
    habit ticks, a reminder record, an API token, a browser session, a login failure and an
    admin history entry — every free text carrying the patient's own marker."""
    username = f"qzw{tag.lower()}"
    last_name = f"Zwiebelmeyer{tag}"
    email = f"quirinus.{tag.lower()}@zwiebel.example.org"
    note = f"ZEBRANOTE{tag}"
    patient = factories.PatientFactory(
        therapist=therapist,
        username=username,
        email=email,
        first_name="Quirinus",
        last_name=last_name,
        password=PASSWORD,
        language=language,
        diagnosis=f"Bandscheibe L4/5 {note}",
        relevant_conditions=f"Asthma {note}",
        date_of_birth=timezone.localdate().replace(year=1970, month=5, day=17),
    )
    services.screening_record(
        patient=patient, screened_by=therapist, signs=[RedFlagSign.TUMOUR_HISTORY], notes=note
    )
    flag = patient.red_flags.get()
    services.red_flag_clear(red_flag=flag, cleared_by=therapist, note=f"Dr. Arzt {note}")
    assignment = services.assignment_create(
        patient=patient,
        program=Program.objects.get(slug="master"),
        created_by=therapist,
        start_date=timezone.localdate() - timedelta(days=40),
    )
    services.assignment_advance(assignment=assignment, changed_by=therapist, reason=f"ok {note}")
    exercise_ids = list(assignment.items.values_list("exercise_id", flat=True))
    logged = []
    for number in range(sessions):
        session, _created = services.session_log_create(
            red_flag_saddle_numbness=False,
            red_flag_bladder_bowel=False,
            red_flag_leg_weakness=False,
            patient=patient,
            # Within the back-dating limit (docs/clinical-safety.md), however long the history.
            performed_at=timezone.now() - timedelta(hours=(sessions - number) * 5, minutes=3),
            pain_before=2,
            pain_after=3 if number % 2 else 2,
            rpe=4 + number % 3,
            notes=f"Session {number} {note}",
            entries=[
                {"exercise": exercise_ids[0], "sets_done": 3, "reps": 12, "pain": 1},
                {
                    "exercise": exercise_ids[1],
                    "sets_done": 0,
                    "skipped": True,
                    "skip_reason": f"tired {note}",
                },
            ],
        )
        logged.append(session)
    services.next_day_check_record(session=logged[0], pain=3, notes=f"stiff {note}")
    services.symptom_report_create(
        patient=patient,
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
        pain=2,
        notes=f"ache {note}",
    )
    # The therapist's note on a call about an alert is free text about the patient too.
    alert = Alert.objects.create(patient=patient, kind=FlagKind.PAIN_HIGH)
    services.alert_call_back_record(alert=alert, called_back_by=therapist, note=f"rang {note}")
    questionnaire = Questionnaire.objects.get(slug="nrs-pain-week")
    response_submit(
        patient=patient,
        questionnaire=questionnaire,
        answers={item.link_id: 4 for item in questionnaire.items.all()},
    )
    habit = DailyHabit.objects.order_by("pk").first()
    services.habit_check_record(patient=patient, habit=habit, day=timezone.localdate())
    Delivery.objects.create(
        patient=patient,
        day=timezone.localdate(),
        kind=ReminderKind.SESSION,
        batch=uuid.uuid4(),
        updated_at=timezone.now(),
        error=f"mailbox {email} full",
    )
    # A push device whose address carries the note: the scans find it until it is erased.
    PushSubscription.objects.create(
        patient=patient,
        endpoint=f"https://push.example.org/send/{note}",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
    )
    token_create(user=patient.user)
    login_verified(Client(), patient.user)  # a row in django_session
    AccessAttempt.objects.create(
        username=username,
        ip_address="192.0.2.7",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        attempt_time=timezone.now(),
        failures_since_start=1,
    )
    LogEntry.objects.create(
        user=therapist,
        content_type=ContentType.objects.get_for_model(Patient),
        object_id=str(patient.pk),
        object_repr=f"Quirinus {last_name}",
        action_flag=CHANGE,
        change_message="Changed diagnosis.",
    )
    patient.refresh_from_db()
    return Marked(
        patient=patient, name=f"Quirinus {last_name}", email=email, username=username, note=note
    )


@pytest.fixture
def anna(therapist) -> Marked:
    return make_marked_patient(therapist, "A", sessions=4)


@pytest.fixture
def bert(therapist) -> Marked:
    return make_marked_patient(therapist, "B", sessions=2, language="en")


def text_columns() -> list[tuple[str, str]]:
    """Every text and JSON column of every model's table (auto-created many-to-many tables
    included)."""
    columns = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for field in meta.concrete_fields:
            if field.get_internal_type() in {
                "CharField",
                "TextField",
                "EmailField",
                "SlugField",
                "URLField",
                "JSONField",
                "GenericIPAddressField",
            }:
                columns.append((meta.db_table, field.column))
    return columns


def tables_containing(needles: list[str]) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every place a needle occurs, case-insensitively."""
    quote = connection.ops.quote_name
    hits = set()
    with connection.cursor() as cursor:
        for table, column in text_columns():
            for needle in needles:
                cursor.execute(
                    f"SELECT 1 FROM {quote(table)} WHERE CAST({quote(column)} AS text) "  # noqa: S608
                    "ILIKE %s LIMIT 1",
                    [f"%{needle}%"],
                )
                if cursor.fetchone():
                    hits.add((table, column, needle))
    return hits


def sessions_of(user_id: int) -> int:
    from django.contrib.sessions.models import Session

    return sum(
        1
        for session in Session.objects.all()
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id)
    )


def english(client: Client, user) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login_verified(client, user)
