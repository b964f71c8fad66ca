import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from patients.models import Patient
from questionnaires.models import Questionnaire


@pytest.fixture
def make_therapist(db):
    def make(username: str):
        user = get_user_model().objects.create_user(
            username, f"{username}@example.org", password="correct horse battery", is_staff=True
        )
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
        user = get_user_model().objects.create_user(
            username, f"{username}@example.org", first_name=username.capitalize()
        )
        return Patient.objects.create(user=user, therapist=therapist, **values)

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
