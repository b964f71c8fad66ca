"""The safety loop in the portal: the safety questions first in the session (a yes stops it with
one post), the live pain warning, "Something is wrong?" on any day, the urgent banner while a
red flag is open, and no training invitation after high pain (docs/clinical-safety.md)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from patients import services
from patients.models import (
    Alert,
    AssignmentStatus,
    PhaseChange,
    PhaseChangeKind,
    RedFlag,
    SessionLog,
    SymptomReport,
)
from patients.selectors import open_assignment
from reminders import services as reminder_services
from reminders.models import Delivery, ReminderKind
from tests.portal.conftest import log_session, make_patient

pytestmark = pytest.mark.django_db

PHONE = "+49 30 1234 567"
EMERGENCY = "go to a hospital emergency department now, or call 112"
DOCTOR_TODAY = "must be checked by a doctor today"
STOPPED = "Your training is stopped until your therapist has checked this with you."
STOP_TODAY = "do not go on today, and contact your practice"

PORTAL_PAGES = [
    "portal:today",
    "portal:session",
    "portal:history",
    "portal:progress",
    "portal:habits",
    "portal:questionnaires",
    "portal:symptom_report",
    "profile",
]


@pytest.fixture(autouse=True)
def practice(settings):
    settings.PRACTICE_NAME = "Praxis Weber"
    settings.PRACTICE_PHONE = PHONE


def _step_one(**answers):
    """Only what step 1 of the session posts when "Save and stop" is tapped."""
    data = {
        "idempotency_key": "s" * 32,
        "pain_before": "4",
        "red_flag_saddle_numbness": "no",
        "red_flag_bladder_bowel": "no",
        "red_flag_leg_weakness": "no",
        "stop": "1",
        "entry-TOTAL_FORMS": "0",
        "entry-INITIAL_FORMS": "0",
        "entry-MIN_NUM_FORMS": "1",
        "entry-MAX_NUM_FORMS": "30",
    }
    data.update(answers)
    return {key: value for key, value in data.items() if value is not None}


def _stop(client, **answers):
    return client.post(reverse("portal:session"), _step_one(**answers))


# --- A yes on step 1 stops the session with one post ----------------------------------------


def test_a_yes_on_step_one_saves_the_stop_with_one_post(patient_client, patient, therapist):
    response = _stop(patient_client, red_flag_bladder_bowel="yes", notes="Since this morning")
    session = SessionLog.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:session_feedback", args=[session.pk])
    assert (session.pain_before, session.pain_after, session.rpe) == (4, None, None)
    assert session.red_flag_bladder_bowel and not session.red_flag_saddle_numbness
    assert session.notes == "Since this morning"
    assert not session.entries.exists()
    assert session.flag_reasons[0] == "red_flag"

    assignment = open_assignment(patient)
    assert assignment.status == AssignmentStatus.STOPPED
    assert PhaseChange.objects.filter(assignment=assignment, kind=PhaseChangeKind.STOP).exists()
    assert [(flag.sign, flag.source, flag.session_id) for flag in RedFlag.objects.all()] == [
        ("cauda_bladder", "session", session.pk)
    ]
    alert = Alert.objects.get(kind="red_flag")
    assert (alert.session_id, alert.details) == (session.pk, ["cauda_bladder"])

    # The therapist's e-mail: one urgent record, sent by the reminders' send function.
    delivery = Delivery.objects.get(kind=ReminderKind.RED_FLAG)
    assert delivery.alert_id == alert.pk
    reminder_services.delivery_send(delivery_id=delivery.pk)
    (message,) = mail.outbox
    assert message.to == [therapist.email]
    # In the practice's language (German by default), as the therapist reads the admin.
    assert message.subject.startswith("Dringend")


def test_the_page_after_a_stop_shows_the_urgent_advice_and_the_practice_phone(patient_client):
    response = _stop(patient_client, red_flag_saddle_numbness="yes")
    page = patient_client.get(response["Location"]).content.decode()
    assert "Stop and get help now" in page
    assert EMERGENCY in page
    assert STOPPED in page
    assert 'href="tel:+49301234567"' in page and PHONE in page
    assert 'href="tel:112"' in page
    assert "Praxis Weber" in page
    assert "Stopped at the safety questions" in page
    assert "stayed below" not in page
    assert 'id="urgent-banner"' not in page  # the page says it itself, once
    history = patient_client.get(reverse("portal:history")).content.decode()
    assert "pain 4, stopped at the safety questions" in history and "None" not in history


def test_leg_weakness_means_a_doctor_today(patient_client):
    response = _stop(patient_client, red_flag_leg_weakness="yes")
    page = patient_client.get(response["Location"]).content.decode()
    assert DOCTOR_TODAY in page
    assert EMERGENCY not in page
    assert RedFlag.objects.get().sign == "leg_weakness"


def test_a_yes_with_the_whole_form_sent_is_a_stop_too_without_the_exercise_rules(
    patient_client, patient
):
    """Without JavaScript a patient may answer yes and still press "Save session" at the end,
    with empty exercises: no "sets required", no "you skipped all", the yes is saved."""
    data = _step_one(red_flag_leg_weakness="yes", stop=None, pain_after="", rpe="")
    data.update(
        {
            "entry-TOTAL_FORMS": "1",
            "entry-INITIAL_FORMS": "1",
            "entry-0-exercise": str(open_assignment(patient).items.first().exercise_id),
            "entry-0-sets_done": "0",
        }
    )
    response = patient_client.post(reverse("portal:session"), data)
    assert response.status_code == 302
    session = SessionLog.objects.get()
    assert session.red_flag_leg_weakness and not session.entries.exists()
    assert open_assignment(patient).status == AssignmentStatus.STOPPED


def test_a_bad_value_on_a_later_step_never_holds_up_the_stop(patient_client):
    response = _stop(
        patient_client, red_flag_saddle_numbness="yes", notes="x" * 2001, pain_after="12", rpe="x"
    )
    assert response.status_code == 302
    session = SessionLog.objects.get()
    assert (session.red_flag_saddle_numbness, session.notes, session.pain_after) == (True, "", None)


def test_stop_with_every_answer_no_is_refused(patient_client, patient):
    response = _stop(patient_client)
    assert response.status_code == 400
    assert "nothing to stop" in response.content.decode()
    assert not SessionLog.objects.exists()
    assert open_assignment(patient).status == AssignmentStatus.ACTIVE


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"red_flag_bladder_bowel": "yes", "red_flag_leg_weakness": None}, "red_flag_leg_weakness"),
        (
            {"red_flag_saddle_numbness": "", "red_flag_leg_weakness": "yes"},
            "red_flag_saddle_numbness",
        ),
        ({"red_flag_bladder_bowel": "yes", "pain_before": None}, "pain_before"),
        ({"red_flag_bladder_bowel": "maybe"}, "red_flag_bladder_bowel"),
    ],
)
def test_missing_answers_are_refused_never_taken_as_no(patient_client, answers, field):
    response = _stop(patient_client, **answers)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    page = response.content.decode()
    assert "The session is not saved yet" in page
    assert not SessionLog.objects.exists() and not RedFlag.objects.exists()


def test_an_unanswered_question_in_the_whole_form_is_refused(patient_client):
    data = _step_one(stop=None, red_flag_saddle_numbness=None, pain_after="2", rpe="3")
    response = patient_client.post(reverse("portal:session"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["red_flag_saddle_numbness"] == [
        "Please answer yes or no."
    ]
    assert not SessionLog.objects.exists()


def test_step_one_asks_the_safety_questions_first_with_no_default(patient_client):
    page = patient_client.get(reverse("portal:session")).content.decode()
    step_one = page[page.index('id="step-start"') : page.index('id="step-1"')]
    for name in ("red_flag_saddle_numbness", "red_flag_bladder_bowel", "red_flag_leg_weakness"):
        assert f'name="{name}"' in step_one
    assert step_one.index("red_flag_leg_weakness") < step_one.index('name="pain_before"')
    assert 'name="stop"' in step_one and "Save and stop" in step_one
    assert not re.search(r"<input[^>]*\bchecked\b", step_one)  # no answer is preset
    finish = page[page.index('id="step-finish"') :]
    assert 'name="red_flag_' not in finish  # no question asked again


# --- Live pain warning and steady high pain ---------------------------------------------------


def test_every_pain_input_has_a_live_warning(patient_client, patient):
    page = patient_client.get(reverse("portal:session")).content.decode()
    assert f'data-pain-limit="{patient.pain_limit}"' in page and 'data-pain-high="5"' in page
    # pain before, one per exercise (4 due in phase 2), pain after
    assert page.count('data-role="pain-warning" aria-live="polite"') == 6
    texts = page[page.index('<template id="pain-warning-texts">') : page.index("</template>")]
    assert "This is above your pain limit of 3." in texts
    assert "Make the movement smaller or use less load." in texts
    assert "Train only as far as the pain stays below your limit" in texts
    assert "Pain above 5 out of 10 is too much for training" in texts and STOP_TODAY in texts


def test_steady_high_pain_is_flagged_and_advised(patient_client, patient):
    session = log_session(patient, pain_before=8, pain_after=8, pain=2)
    assert session.flagged
    assert set(session.flag_reasons) == {"pain_high", "pain_above_limit"}
    page = patient_client.get(reverse("portal:session_feedback", args=[session.pk]))
    page = page.content.decode()
    assert "This session needs attention" in page
    assert "Pain was above 5 out of 10" in page
    assert "Pain was above your pain limit" in page
    assert STOP_TODAY in page
    assert "stayed below" not in page and "stayed under" not in page


def test_after_a_high_pain_day_today_says_not_to_train(patient_client, patient):
    log_session(patient, pain_before=7, pain_after=7)
    page = patient_client.get(reverse("portal:today")).content.decode()
    assert 'id="not-today"' in page and STOP_TODAY in page
    assert "Start the guided session" not in page
    assert 'id="urgent-banner"' not in page  # high pain is not a red flag
    session_page = patient_client.get(reverse("portal:session")).content.decode()
    assert 'id="high-pain-today"' in session_page and STOP_TODAY in session_page


# --- "Something is wrong?" --------------------------------------------------------------------


def _report(client, **values):
    data = {
        "red_flag_saddle_numbness": "no",
        "red_flag_bladder_bowel": "no",
        "red_flag_leg_weakness": "no",
        "pain": "2",
        "notes": "",
    }
    data.update(values)
    return client.post(reverse("portal:symptom_report"), data, follow=True)


def test_a_symptom_report_with_a_red_flag_stops_the_programme(patient_client, patient):
    response = _report(patient_client, red_flag_saddle_numbness="yes", pain="4")
    page = response.content.decode()
    report = SymptomReport.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "portal:symptom_report_result", args=[report.pk]
    )
    assert "Stop and get help now" in page and EMERGENCY in page and STOPPED in page
    assert 'href="tel:+49301234567"' in page
    assert RedFlag.objects.get().symptom_report == report
    assert open_assignment(patient).status == AssignmentStatus.STOPPED
    assert Delivery.objects.filter(kind=ReminderKind.RED_FLAG, patient=patient).count() == 1


def test_a_symptom_report_with_pain_7_says_not_today_and_tells_the_practice(
    patient_client, patient
):
    page = _report(patient_client, pain="7", notes="Sharp pain").content.decode()
    assert "Do not train today" in page and STOP_TODAY in page
    assert "Your practice will be told today." in page
    assert EMERGENCY not in page
    report = SymptomReport.objects.get()
    assert (report.pain, report.notes, report.flagged) == (7, "Sharp pain", True)
    assert Alert.objects.filter(symptom_report=report, kind="pain_high").exists()
    assert Delivery.objects.filter(kind=ReminderKind.ALERT, patient=patient).count() == 1
    assert open_assignment(patient).status == AssignmentStatus.ACTIVE
    today = patient_client.get(reverse("portal:today")).content.decode()
    assert 'id="not-today"' in today and "Start the guided session" not in today


def test_a_symptom_report_with_pain_2_is_noted_for_the_therapist(patient_client, patient):
    page = _report(patient_client, pain="2").content.decode()
    assert "noted for your therapist" in page
    assert STOP_TODAY not in page and EMERGENCY not in page
    report = SymptomReport.objects.get()
    assert not report.flagged
    assert Alert.objects.get(symptom_report=report).kind == "symptom_report"
    assert not Delivery.objects.exists()


def test_no_page_invites_training_while_stopped(patient_client):
    assert "Start a session" in patient_client.get(reverse("portal:history")).content.decode()
    _report(patient_client, red_flag_leg_weakness="yes", pain="3")
    for name in PORTAL_PAGES:
        page = patient_client.get(reverse(name)).content.decode()
        assert "Start a session" not in page and "Start the guided session" not in page, name


def test_a_symptom_report_works_without_a_programme(client, therapist):
    patient = make_patient(therapist, "fritz", phase=0)
    client.force_login(patient.user)
    page = _report(client, red_flag_leg_weakness="yes", pain="3").content.decode()
    assert DOCTOR_TODAY in page
    assert RedFlag.objects.get(patient=patient).sign == "leg_weakness"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"red_flag_bladder_bowel": ""}, "red_flag_bladder_bowel"),
        ({"pain": ""}, "pain"),
        ({"pain": "11"}, "pain"),
        ({"notes": "x" * 2001}, "notes"),
    ],
)
def test_a_symptom_report_with_missing_or_bad_answers_is_refused(patient_client, values, field):
    response = _report(patient_client, **values)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not SymptomReport.objects.exists()


def test_another_patients_report_is_not_found(patient_client, other_patient):
    report = services.symptom_report_create(
        patient=other_patient,
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
        pain=2,
    )
    response = patient_client.get(reverse("portal:symptom_report_result", args=[report.pk]))
    assert response.status_code == 404


# --- The banner, the help entry and the footer on every page -----------------------------------


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_every_page_has_the_help_entry_and_the_practice_in_the_footer(patient_client, name):
    page = patient_client.get(reverse(name)).content.decode()
    assert f'href="{reverse("portal:symptom_report")}"' in page
    assert "Something is wrong?" in page
    footer = page[page.index('<footer class="disclaimer">') :]
    assert "Praxis Weber" in footer and 'href="tel:+49301234567"' in footer
    assert "does not replace medical advice" in footer
    assert 'id="urgent-banner"' not in page


def test_the_banner_stands_on_every_page_until_the_therapist_clears(
    patient_client, patient, therapist
):
    _stop(patient_client, red_flag_saddle_numbness="yes", red_flag_leg_weakness="yes")
    for name in PORTAL_PAGES:
        page = patient_client.get(reverse(name)).content.decode()
        banner = page[page.index('id="urgent-banner"') : page.index("</section>")]
        assert EMERGENCY in banner and DOCTOR_TODAY in banner and STOPPED in banner, name
        assert 'href="tel:+49301234567"' in banner and 'href="tel:112"' in banner, name

    today = patient_client.get(reverse("portal:today"))
    assert today.context["due"] == []
    assert "Start the guided session" not in today.content.decode()
    assert "Nothing is due today. Rest" not in today.content.decode()
    session_page = patient_client.get(reverse("portal:session")).content.decode()
    assert 'id="session-unavailable"' in session_page and 'name="pain_before"' not in session_page

    for flag in RedFlag.objects.all():
        services.red_flag_clear(red_flag=flag, cleared_by=therapist, note="Neurology: all clear")
    assert open_assignment(patient).status == AssignmentStatus.ACTIVE
    for name in PORTAL_PAGES:
        assert 'id="urgent-banner"' not in patient_client.get(reverse(name)).content.decode()
    assert (
        "Start the guided session" in patient_client.get(reverse("portal:today")).content.decode()
    )


def test_the_banner_without_a_practice_phone_still_gives_112(patient_client, settings):
    settings.PRACTICE_PHONE = ""
    _stop(patient_client, red_flag_bladder_bowel="yes")
    page = patient_client.get(reverse("portal:today")).content.decode()
    banner = page[page.index('id="urgent-banner"') : page.index("</section>")]
    assert "Call your practice." in banner and 'href="tel:112"' in banner
    assert 'href="tel:+' not in page


def test_pages_for_visitors_have_no_patient_parts_but_the_practice(client):
    page = client.get(reverse("login")).content.decode()
    assert "Something is wrong?" not in page
    footer = page[page.index('<footer class="disclaimer">') :]
    assert "Praxis Weber" in footer and 'href="tel:+49301234567"' in footer


def test_banner_costs_one_query_and_two_with_an_open_red_flag(
    patient_client, patient, django_assert_num_queries
):
    from patients.portal import access

    class Request:
        pass

    request = Request()
    request.patient = patient
    with django_assert_num_queries(1):
        assert not access.safety_state(request).stopped
    _stop(patient_client, red_flag_leg_weakness="yes")
    request = Request()
    request.patient = patient
    with django_assert_num_queries(2):
        assert access.safety_state(request).open_signs == ["leg_weakness"]
    with django_assert_num_queries(0):
        access.safety_state(request)  # once per request


def test_today_while_stopped_query_count(patient_client, django_assert_max_num_queries):
    _stop(patient_client, red_flag_leg_weakness="yes")
    # As on an ordinary day (test_today.py) plus the open red flags' signs for the banner.
    with django_assert_max_num_queries(12):
        response = patient_client.get(reverse("portal:today"))
    assert 'id="urgent-banner"' in response.content.decode()


def test_symptom_pages_query_counts(patient_client, django_assert_max_num_queries):
    # session, user, patient's consent, safety state
    with django_assert_max_num_queries(4):
        assert patient_client.get(reverse("portal:symptom_report")).status_code == 200
    response = _report(patient_client, red_flag_bladder_bowel="yes", pain="3")
    report = SymptomReport.objects.get()
    # the result page shows the advice itself: no banner query on top
    with django_assert_max_num_queries(4):
        response = patient_client.get(reverse("portal:symptom_report_result", args=[report.pk]))
    assert 'id="report-advice"' in response.content.decode()
