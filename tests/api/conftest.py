"""The API's test world: six roles and the data they reach.

``world`` holds two therapists, the practice admin and three patients: ``patient`` (the one whose
objects the tests address, in phase 2 with a session, a next-day check and a questionnaire
response), ``other_patient`` (same therapist, own programme) and ``foreign_patient`` (the other
therapist's). ``call(role, method, url, body)`` sends a request as that role with a bearer
token; anonymous sends none.
"""

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from patients import services
from patients.models import Assignment, Patient, SessionLog
from questionnaires.models import Questionnaire
from questionnaires.services import response_submit
from tests import factories
from tokens.services import token_create

ANONYMOUS = "anonymous"
PATIENT = "patient"
OTHER_PATIENT = "other_patient"
THERAPIST = "therapist"
OTHER_THERAPIST = "other_therapist"
ADMIN = "admin"
ROLES = [ANONYMOUS, PATIENT, OTHER_PATIENT, THERAPIST, OTHER_THERAPIST, ADMIN]
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Login throttling counts in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def make_therapist(username: str):
    return factories.TherapistFactory(username=username, password=PASSWORD)


def make_patient(therapist, *, username: str | None = None, **profile) -> Patient:
    username = username or f"patient{next(_numbers)}"
    return factories.PatientFactory(
        therapist=therapist,
        username=username,
        first_name=username.title(),
        password=PASSWORD,
        **profile,
    )


_numbers = itertools.count(1)


def assign(patient: Patient, *, phase: int = 1, days_ago: int = 30) -> Assignment:
    """The MASTER programme, started ``days_ago``, moved on to ``phase``."""
    start = (timezone.now() - timedelta(days=days_ago)).date()
    return factories.assign(patient, phase=phase, start_date=start)


def log(patient: Patient, *, days_ago: float = 1, pain: int | None = None, **fields) -> SessionLog:
    """A session through the service, one entry per prescribed exercise."""
    return factories.log_session(
        patient,
        performed_at=timezone.now() - timedelta(days=days_ago),
        pain=pain,
        reps=10,
        **fields,
    )


def full_answers(questionnaire: Questionnaire, pick: int = 0) -> dict[str, int]:
    """Every item answered with its ``pick``-th option."""
    return {
        item.link_id: list(item.options.order_by("order", "value"))[pick].value
        for item in questionnaire.items.all()
    }


@dataclass
class World:
    therapist: object
    other_therapist: object
    admin: object
    patient: Patient
    other_patient: Patient
    foreign_patient: Patient
    assignment: Assignment
    session: SessionLog
    response: object

    def user(self, role: str):
        return {
            PATIENT: self.patient.user,
            OTHER_PATIENT: self.other_patient.user,
            THERAPIST: self.therapist,
            OTHER_THERAPIST: self.other_therapist,
            ADMIN: self.admin,
        }.get(role)


def build_world() -> World:
    therapist = make_therapist("therapist1")
    other_therapist = make_therapist("therapist2")
    admin = get_user_model().objects.create_superuser("chef", "chef@example.org", PASSWORD)
    patient = make_patient(therapist, username="anna")
    other_patient = make_patient(therapist, username="berta")
    foreign_patient = make_patient(other_therapist, username="carla")
    assignment = assign(patient, phase=2)
    assign(other_patient)
    assign(foreign_patient)
    session = log(patient, days_ago=1)
    services.next_day_check_record(session=log(patient, days_ago=2), pain=2)
    log(other_patient)
    log(foreign_patient)
    questionnaire = Questionnaire.objects.get(slug="nrs-pain-week")
    response = response_submit(
        patient=patient, questionnaire=questionnaire, answers=full_answers(questionnaire)
    )
    return World(
        therapist=therapist,
        other_therapist=other_therapist,
        admin=admin,
        patient=patient,
        other_patient=other_patient,
        foreign_patient=foreign_patient,
        assignment=assignment,
        session=session,
        response=response,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> World:
    """One ``world`` for all tests of a module that only read it, such as the role matrices
    parametrized per URL × role (so pytest-xdist can spread them): built once per module and
    worker in an open transaction, rolled back when the module is done. Each test runs in a
    savepoint inside it (its ``db`` fixture), so a test's writes never reach the next test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def bearer_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        _row, token = token_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def call(world):
    """``call(role, "post", url, body, **headers)`` → the response, as that role."""
    clients = {}

    def send(role, method, url, body=None, **headers):
        if role not in clients:
            clients[role] = bearer_client(world.user(role))
        return getattr(clients[role], method)(url, body, format="json", **headers)

    return send
