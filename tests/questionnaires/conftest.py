import pytest
from django.contrib.auth.models import Permission

from questionnaires.models import Questionnaire
from tests import factories


@pytest.fixture
def make_therapist(db):
    def make(username: str):
        user = factories.TherapistFactory(username=username, password="correct horse battery")
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="questionnaires",
                codename__in=["view_response", "view_questionnaire"],
            )
        )
        return user

    return make


@pytest.fixture
def therapist(make_therapist):
    return make_therapist("t.weber")


@pytest.fixture
def make_patient(db, therapist):
    def make(username: str, therapist=therapist, **values):
        return factories.PatientFactory(therapist=therapist, username=username, **values)

    return make


@pytest.fixture
def patient(make_patient):
    return make_patient("anna")


@pytest.fixture
def odi(db):
    return Questionnaire.objects.get(slug="disability-index")


@pytest.fixture
def tsk(db):
    return Questionnaire.objects.get(slug="fear-of-movement")


@pytest.fixture
def nrs(db):
    return Questionnaire.objects.get(slug="nrs-pain-week")
