"""Each endpoint × role (anonymous, patient, another patient, therapist, another therapist,
practice admin) with the status docs/product.md asks for: another user's object answers 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients import services
from patients.models import RedFlag, RedFlagSign, RedFlagSource
from programs.models import DailyHabit, Program
from questionnaires.models import Questionnaire
from tests.api.conftest import full_answers, make_patient
from tests.api.roles import OWN_OBJECT, PATIENT_ONLY, READ_ALL, EndpointRoles, statuses

pytestmark = pytest.mark.django_db


def session_body(world, **extra):
    exercise = world.assignment.items.first().exercise_id
    return {
        "patient": world.patient.pk,
        "performed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "pain_before": 2,
        "pain_after": 2,
        "rpe": 5,
        "red_flag_saddle_numbness": False,
        "red_flag_bladder_bowel": False,
        "red_flag_leg_weakness": False,
        "entries": [{"exercise": exercise, "sets_done": 2, "reps": 10}],
        **extra,
    }


# --- patients ---------------------------------------------------------------------------------


class TestPatientList(EndpointRoles):
    expected = READ_ALL

    def url(self, world):
        return "/api/v1/patients/"


class TestPatientDetail(EndpointRoles):
    expected = OWN_OBJECT

    def url(self, world):
        return f"/api/v1/patients/{world.patient.pk}/"


class TestPatientCreate(EndpointRoles):
    method = "post"
    expected = statuses(401, 403, 403, 201, 201, 201)

    def url(self, world):
        return "/api/v1/patients/"

    def body(self, world):
        return {
            "username": "new.patient",
            "first_name": "Neu",
            "last_name": "Patient",
            "email": "new@example.org",
        }


class TestPatientUpdate(EndpointRoles):
    method = "patch"
    expected = statuses(401, 403, 403, 200, 404, 200)

    def url(self, world):
        return f"/api/v1/patients/{world.patient.pk}/"

    def body(self, world):
        return {"pain_limit": 4}


# --- assignments ------------------------------------------------------------------------------


class TestAssignmentList(EndpointRoles):
    expected = READ_ALL

    def url(self, world):
        return "/api/v1/assignments/"


class TestAssignmentDetail(EndpointRoles):
    expected = OWN_OBJECT

    def url(self, world):
        return f"/api/v1/assignments/{world.assignment.pk}/"


class TestAssignmentCreate(EndpointRoles):
    """The other therapist names a patient outside their scope: 400, "does not exist"."""

    method = "post"
    expected = statuses(401, 403, 403, 201, 400, 201)

    def url(self, world):
        return "/api/v1/assignments/"

    def body(self, world):
        newcomer = make_patient(world.therapist, username="newcomer")
        services.screening_record(patient=newcomer, screened_by=world.therapist, signs=[])
        return {"patient": newcomer.pk, "program": Program.objects.get(slug="master").pk}


class TestAssignmentAdvance(EndpointRoles):
    method = "post"
    expected = statuses(401, 403, 403, 200, 404, 200)

    def url(self, world):
        return f"/api/v1/assignments/{world.assignment.pk}/advance/"

    def body(self, world):
        return {"reason": "Stable for three weeks."}


class TestAssignmentRegress(EndpointRoles):
    method = "post"
    expected = statuses(401, 403, 403, 200, 404, 200)

    def url(self, world):
        return f"/api/v1/assignments/{world.assignment.pk}/regress/"

    def body(self, world):
        return {"reason": "Pain flared up."}


class TestAssignmentReadiness(EndpointRoles):
    expected = OWN_OBJECT

    def url(self, world):
        return f"/api/v1/assignments/{world.assignment.pk}/readiness/"


# --- sessions and next-day checks -------------------------------------------------------------


class TestSessionList(EndpointRoles):
    expected = READ_ALL

    def url(self, world):
        return "/api/v1/sessions/"


class TestSessionDetail(EndpointRoles):
    expected = OWN_OBJECT

    def url(self, world):
        return f"/api/v1/sessions/{world.session.pk}/"


class TestSessionCreate(EndpointRoles):
    """For ``patient``: the patient and their therapists may log; others name a patient outside
    their scope and get 400."""

    method = "post"
    expected = statuses(401, 201, 400, 201, 400, 201)

    def url(self, world):
        return "/api/v1/sessions/"

    def body(self, world):
        return session_body(world)


class TestNextDayCheckList(EndpointRoles):
    expected = READ_ALL

    def url(self, world):
        return "/api/v1/next-day-checks/"


class TestNextDayCheckCreate(EndpointRoles):
    method = "post"
    expected = statuses(401, 201, 400, 201, 400, 201)

    def url(self, world):
        return "/api/v1/next-day-checks/"

    def body(self, world):
        return {"session": world.session.pk, "pain": 2}


# --- questionnaires ---------------------------------------------------------------------------


class TestQuestionnaireList(EndpointRoles):
    expected = READ_ALL

    def url(self, world):
        return "/api/v1/questionnaires/"


class TestQuestionnaireDetail(EndpointRoles):
    expected = READ_ALL

    def url(self, world):
        return f"/api/v1/questionnaires/{world.response.questionnaire_id}/"


class TestQuestionnairesDue(EndpointRoles):
    expected = PATIENT_ONLY

    def url(self, world):
        return "/api/v1/questionnaires/due/"


class TestResponseList(EndpointRoles):
    expected = READ_ALL

    def url(self, world):
        return "/api/v1/questionnaires/responses/"


class TestResponseDetail(EndpointRoles):
    expected = OWN_OBJECT

    def url(self, world):
        return f"/api/v1/questionnaires/responses/{world.response.pk}/"


class TestResponseCreate(EndpointRoles):
    method = "post"
    expected = statuses(401, 201, 400, 201, 400, 201)

    def url(self, world):
        return "/api/v1/questionnaires/responses/"

    def body(self, world):
        questionnaire = Questionnaire.objects.get(slug="fear-of-movement")
        return {
            "patient": world.patient.pk,
            "questionnaire": questionnaire.pk,
            "answers": full_answers(questionnaire),
        }


# --- habits and me/ ---------------------------------------------------------------------------


class TestHabitList(EndpointRoles):
    """Therapists name the patient; patients always get their own."""

    expected = statuses(401, 200, 200, 200, 404, 200)

    def url(self, world):
        return f"/api/v1/habits/?patient={world.patient.pk}"


class TestHabitTick(EndpointRoles):
    expected = statuses(401, 200, 200, 403, 403, 403)
    method = "post"

    def url(self, world):
        return f"/api/v1/habits/{DailyHabit.objects.first().pk}/tick/"


class TestToday(EndpointRoles):
    expected = PATIENT_ONLY

    def url(self, world):
        return "/api/v1/me/today/"


class TestProfile(EndpointRoles):
    expected = PATIENT_ONLY

    def url(self, world):
        return "/api/v1/me/profile/"


class TestProfileUpdate(EndpointRoles):
    method = "patch"
    expected = PATIENT_ONLY

    def url(self, world):
        return "/api/v1/me/profile/"

    def body(self, world):
        return {"reminder_time": "07:30"}


class TestTokenRevoke(EndpointRoles):
    method = "delete"
    expected = statuses(401, 204, 204, 204, 204, 204)

    def url(self, world):
        return "/api/v1/auth/token/"


# --- the safety loop: symptom reports, screenings, red flags ----------------------------------


def red_flag_of_patient(world):
    return RedFlag.objects.create(
        patient=world.patient, sign=RedFlagSign.CAUDA_SADDLE, source=RedFlagSource.SESSION
    )


class TestSymptomReportCreate(EndpointRoles):
    method = "post"
    expected = statuses(401, 201, 201, 403, 403, 403)

    def url(self, world):
        return "/api/v1/me/symptom-reports/"

    def body(self, world):
        return {
            "red_flag_saddle_numbness": False,
            "red_flag_bladder_bowel": False,
            "red_flag_leg_weakness": False,
            "pain": 3,
        }


class TestSymptomReportList(EndpointRoles):
    expected = PATIENT_ONLY

    def url(self, world):
        return "/api/v1/me/symptom-reports/"


class TestScreeningCreate(EndpointRoles):
    method = "post"
    expected = statuses(401, 403, 403, 201, 404, 201)

    def url(self, world):
        return f"/api/v1/patients/{world.patient.pk}/screenings/"

    def body(self, world):
        return {"red_flags": ["tumour_history"], "notes": "Asked at intake."}


class TestRedFlagCodes(EndpointRoles):
    expected = READ_ALL

    def url(self, world):
        return "/api/v1/red-flag-codes/"


class TestRedFlagList(EndpointRoles):
    expected = READ_ALL

    def url(self, world):
        red_flag_of_patient(world)
        return f"/api/v1/red-flags/?patient={world.patient.pk}"


class TestRedFlagDetail(EndpointRoles):
    expected = OWN_OBJECT

    def url(self, world):
        return f"/api/v1/red-flags/{red_flag_of_patient(world).pk}/"


class TestRedFlagClear(EndpointRoles):
    method = "post"
    expected = statuses(401, 403, 403, 200, 404, 200)

    def url(self, world):
        return f"/api/v1/red-flags/{red_flag_of_patient(world).pk}/clear/"

    def body(self, world):
        return {"note": "Seen by Dr. Weber: no cauda equina syndrome."}
