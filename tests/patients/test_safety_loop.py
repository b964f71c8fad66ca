"""The clinical-safety loop at the service level (docs/clinical-safety.md): safety questions
that are always saved, red flags that stop the programme until clearance, high pain, symptom
reports, regression and the screening gate."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from patients import rules, selectors, services
from patients.models import (
    Alert,
    Assignment,
    AssignmentStatus,
    PhaseChange,
    PhaseChangeKind,
    RedFlag,
    RedFlagSign,
    RedFlagSource,
    SessionLog,
)
from programs.models import Exercise
from reminders.models import Delivery
from tests import factories

pytestmark = pytest.mark.django_db

NO = {"red_flag_saddle_numbness": False, "red_flag_bladder_bowel": False}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def assignment(patient, master, therapist):
    return factories.assign(patient, program=master, days_ago=20)


def _entry(slug, **values):
    return {"exercise": Exercise.objects.get(slug=slug).pk, "sets_done": 2, **values}


def _log(patient, *, entries=None, **values):
    """One exercise logged, or none (``entries=[]``: only the safety answers)."""
    exercises = [] if entries == [] else None
    return factories.log_session(
        patient, exercises=exercises, slugs=["lws-release-doppelball"], **values
    )


def _status(assignment):
    return Assignment.objects.get(pk=assignment.pk).status


# --- safety questions first ---------------------------------------------------------------


def test_a_yes_at_the_safety_questions_is_saved_without_exercises_and_stops_the_programme(
    assignment,
):
    patient = assignment.patient

    session = _log(
        patient,
        red_flag_saddle_numbness=True,
        pain_after=None,
        rpe=None,
        entries=[],
    )

    assert session.pk and session.flag_reasons == ["red_flag"]
    assert not session.entries.exists()
    assert _status(assignment) == AssignmentStatus.STOPPED
    flag = RedFlag.objects.get(patient=patient)
    assert (flag.sign, flag.source, flag.session_id) == (
        RedFlagSign.CAUDA_SADDLE,
        RedFlagSource.SESSION,
        session.pk,
    )
    alert = Alert.objects.get(patient=patient, kind="red_flag")
    assert alert.details == ["cauda_saddle"]
    assert Delivery.objects.filter(patient=patient, kind="red_flag").count() == 1
    stop = PhaseChange.objects.get(assignment=assignment, kind=PhaseChangeKind.STOP)
    assert "saddle" in stop.reason and stop.changed_by == patient.user


def test_the_safety_answers_are_required_keyword_arguments(assignment):
    with pytest.raises(TypeError, match="red_flag_leg_weakness"):
        services.session_log_create(
            patient=assignment.patient,
            performed_at=timezone.now(),
            pain_before=2,
            pain_after=2,
            rpe=3,
            entries=[_entry("lws-release-doppelball")],
            **NO,
        )


def test_without_a_yes_the_after_values_and_an_exercise_are_still_required(assignment):
    with pytest.raises(ValidationError) as error:
        _log(assignment.patient, pain_after=None, rpe=None, entries=[])

    assert error.value.message_dict == {
        "entries": ["Log at least one exercise."],
        "pain_after": ["This field is required."],
        "rpe": ["This field is required."],
    }
    assert not SessionLog.objects.exists()


def test_a_red_flag_is_saved_even_when_the_programme_is_already_stopped(assignment):
    patient = assignment.patient
    _log(patient, red_flag_leg_weakness=True, pain_after=None, rpe=None, entries=[])

    again = _log(patient, red_flag_bladder_bowel=True, pain_after=None, rpe=None, entries=[])

    assert again.flag_reasons == ["red_flag"]
    assert set(patient.red_flags.values_list("sign", flat=True)) == {
        "leg_weakness",
        "cauda_bladder",
    }
    assert Delivery.objects.filter(patient=patient, kind="red_flag").count() == 2
    with pytest.raises(ValidationError, match="paused or stopped"):
        _log(patient)


def test_nothing_is_due_and_the_advice_is_urgent_while_a_red_flag_is_open(assignment):
    patient = assignment.patient
    today = timezone.localdate()
    _log(patient, red_flag_bladder_bowel=True, pain_after=None, rpe=None, entries=[])
    stopped = selectors.open_assignment(patient)

    plan = selectors.today_plan(patient=patient, assignment=stopped, today=today)
    state = selectors.safety_state(patient=patient, today=today)

    assert stopped.status == AssignmentStatus.STOPPED
    assert plan and not any(row.due for row in plan)
    assert state.stopped and state.open_signs == ["cauda_bladder"]
    assert state.advice == [rules.Advice.EMERGENCY_NOW, rules.Advice.PROGRAMME_STOPPED]
    assert "112" in str(state.advice[0].message)


def test_clearance_of_the_last_red_flag_resumes_the_programme_with_history(assignment, therapist):
    patient = assignment.patient
    _log(
        patient,
        red_flag_leg_weakness=True,
        red_flag_bladder_bowel=True,
        pain_after=None,
        rpe=None,
        entries=[],
    )
    first, second = patient.red_flags.order_by("sign")

    services.red_flag_clear(red_flag=first, cleared_by=therapist, note="GP: bladder normal")
    assert _status(assignment) == AssignmentStatus.STOPPED
    assert Alert.objects.get(kind="red_flag").acknowledged_at is None  # one is still open
    with pytest.raises(ValidationError, match="clearance"):
        services.assignment_resume(assignment=assignment, changed_by=therapist)

    services.red_flag_clear(red_flag=second, cleared_by=therapist, note="Neurology: no deficit")

    assert _status(assignment) == AssignmentStatus.ACTIVE
    alert = Alert.objects.get(kind="red_flag")
    assert alert.acknowledged_at is not None and alert.acknowledged_by == therapist
    resume = PhaseChange.objects.get(assignment=assignment, kind=PhaseChangeKind.RESUME)
    assert (resume.changed_by, resume.reason) == (therapist, "Neurology: no deficit")
    state = selectors.safety_state(patient=patient, today=timezone.localdate())
    assert not state.stopped and state.advice == []


def test_a_paused_programme_is_stopped_too_and_a_red_flag_session_may_not_log_exercises(
    assignment, therapist
):
    services.assignment_pause(assignment=assignment, changed_by=therapist)

    with pytest.raises(ValidationError, match="log only the warning signs"):
        _log(assignment.patient, red_flag_leg_weakness=True)
    _log(assignment.patient, red_flag_leg_weakness=True, entries=[], pain_after=None, rpe=None)

    assert _status(assignment) == AssignmentStatus.STOPPED


# --- pain ---------------------------------------------------------------------------------


def test_steady_high_pain_is_flagged_and_reaches_the_therapist_the_same_day(assignment):
    session = _log(assignment.patient, pain_before=8, pain_after=8)

    assert session.flagged
    assert session.flag_reasons == ["pain_high", "pain_above_limit"]
    kinds = set(Alert.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == {"pain_high", "pain_above_limit"}
    mails = Delivery.objects.filter(patient=assignment.patient)
    assert [(d.kind, d.details.get("alert_kind")) for d in mails] == [("alert", "pain_high")]
    state = selectors.safety_state(patient=assignment.patient, today=timezone.localdate())
    assert state.high_pain_today and state.advice == [rules.Advice.STOP_TODAY]


def test_pain_just_above_the_limit_alerts_in_the_admin_only(assignment):
    session = _log(assignment.patient, pain_before=4, pain_after=4)

    assert session.flag_reasons == ["pain_above_limit"]
    assert not Delivery.objects.filter(patient=assignment.patient).exists()


@pytest.mark.parametrize(("pain", "kinds"), [(4, ["next_day_worse"]), (6, None)])
def test_a_bad_next_day_answer_alerts_the_same_day(assignment, pain, kinds):
    session = _log(assignment.patient, pain_before=2, pain_after=2)

    services.next_day_check_record(session=session, pain=pain)

    expected = kinds or ["next_day_worse", "next_day_pain_high"]
    mailed = Delivery.objects.filter(patient=assignment.patient).values_list(
        "details__alert_kind", flat=True
    )
    assert sorted(mailed) == sorted(expected)


# --- symptom reports ------------------------------------------------------------------------


def test_a_symptom_report_with_a_red_flag_stops_the_programme(assignment):
    report = services.symptom_report_create(
        patient=assignment.patient,
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=True,
        pain=4,
        notes="Bein knickt weg",
    )

    assert report.flagged and report.flag_reasons == ["red_flag", "pain_above_limit"]
    assert _status(assignment) == AssignmentStatus.STOPPED
    flag = RedFlag.objects.get(patient=assignment.patient)
    assert (flag.source, flag.symptom_report_id) == (RedFlagSource.SYMPTOM_REPORT, report.pk)
    assert Delivery.objects.filter(patient=assignment.patient, kind="red_flag").exists()


def test_a_symptom_report_works_without_a_programme_and_always_reaches_the_therapist(patient):
    quiet = services.symptom_report_create(
        patient=patient, pain=2, notes="Ziehen im Rücken", red_flag_leg_weakness=False, **NO
    )
    high = services.symptom_report_create(
        patient=patient, pain=7, red_flag_leg_weakness=False, **NO
    )

    assert not quiet.flagged
    assert Alert.objects.get(symptom_report=quiet).kind == "symptom_report"
    assert high.flag_reasons == ["pain_high", "pain_above_limit"]
    assert Delivery.objects.filter(patient=patient, kind="alert").count() == 1


def test_a_symptom_report_refuses_pain_off_the_scale(patient):
    with pytest.raises(ValidationError) as error:
        services.symptom_report_create(patient=patient, pain=11, red_flag_leg_weakness=False, **NO)
    assert "pain" in error.value.message_dict
    assert not Alert.objects.exists()


# --- screening and the programme gate -------------------------------------------------------


def test_no_programme_without_a_recent_screening(patient, master, therapist):
    with pytest.raises(ValidationError, match="Screen this patient"):
        services.assignment_create(patient=patient, program=master, created_by=therapist)
    services.screening_record(
        patient=patient,
        screened_by=therapist,
        signs=[],
        screened_at=timezone.now() - timedelta(days=31),
    )
    with pytest.raises(ValidationError, match="last 30 days"):
        services.assignment_create(patient=patient, program=master, created_by=therapist)

    services.screening_record(patient=patient, screened_by=therapist, signs=[])

    assert services.assignment_create(patient=patient, program=master, created_by=therapist)


@override_settings(SCREENING_VALID_DAYS=60)
def test_the_screening_validity_is_a_setting(patient, master, therapist):
    services.screening_record(
        patient=patient,
        screened_by=therapist,
        signs=[],
        screened_at=timezone.now() - timedelta(days=45),
    )
    assert services.assignment_create(patient=patient, program=master, created_by=therapist)


def test_saving_the_same_screening_twice_adds_no_duplicate_open_red_flag(patient, therapist):
    signs = [RedFlagSign.TUMOUR_HISTORY, RedFlagSign.INFECTION_FEVER]
    first = services.screening_record(
        patient=patient, screened_by=therapist, signs=signs, prompts=["age_over_50"]
    )
    second = services.screening_record(patient=patient, screened_by=therapist, signs=signs)

    assert first.red_flags.count() == 2 and second.red_flags.count() == 0
    assert patient.red_flags.filter(cleared_at__isnull=True).count() == 2
    assert first.prompts == ["age_over_50"]
    with pytest.raises(ValidationError) as error:
        services.screening_record(patient=patient, screened_by=therapist, signs=["nope"])
    assert "signs" in error.value.message_dict


def test_a_red_flag_found_in_a_screening_stops_a_running_programme(assignment, therapist):
    services.screening_record(
        patient=assignment.patient,
        screened_by=therapist,
        signs=[RedFlagSign.TUMOUR_WEIGHT_LOSS],
    )

    assert _status(assignment) == AssignmentStatus.STOPPED
    state = selectors.safety_state(patient=assignment.patient, today=timezone.localdate())
    assert state.advice == [rules.Advice.PROGRAMME_STOPPED]


def test_the_guideline_groups_are_all_in_the_red_flag_list():
    groups = {RedFlagSign.group_of(sign) for sign in RedFlagSign.values}
    assert groups == {"fracture", "tumour", "infection", "radicular", "cauda"}
    assert {"cauda_saddle", "cauda_bladder", "leg_weakness", "radicular_gait"} <= set(
        RedFlagSign.values
    )


# --- phases ---------------------------------------------------------------------------------


def _prescribed(assignment):
    return set(
        assignment.items.filter(removed_at__isnull=True).values_list("phase__number", flat=True)
    )


def test_going_back_takes_the_later_phase_out_and_advancing_restores_its_defaults(
    patient, master, therapist
):
    services.screening_record(patient=patient, screened_by=therapist, signs=[])
    assignment = services.assignment_create(
        patient=patient, program=master, created_by=therapist, start_phase=4, reason="athlete"
    )
    bouncing = assignment.items.get(phase__number=4)
    services.prescription_item_update(item=bouncing, changed_by=therapist, dosage={"sets": 1})
    assert _prescribed(assignment) == {1, 2, 3, 4}

    services.assignment_regress(assignment=assignment, changed_by=therapist, reason="pain")

    assert _prescribed(assignment) == {1, 2, 3}
    today = timezone.localdate()
    plan = selectors.today_plan(patient=patient, assignment=assignment, today=today)
    assert "reaktives-federn" not in {row.item.exercise.slug for row in plan}
    assert assignment.items.get(pk=bouncing.pk).removed_at is not None  # kept in history

    services.assignment_advance(assignment=assignment, changed_by=therapist, reason="better")

    restored = assignment.items.get(pk=bouncing.pk)
    default = master.program_exercises.get(exercise_id=bouncing.exercise_id)
    assert restored.removed_at is None and restored.sets == default.dosage()["sets"]


def test_starting_after_the_first_phase_needs_a_reason(patient, master, therapist):
    services.screening_record(patient=patient, screened_by=therapist, signs=[])
    with pytest.raises(ValidationError) as error:
        services.assignment_create(
            patient=patient, program=master, created_by=therapist, start_phase=2
        )
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.assignment_create(
            patient=patient, program=master, created_by=therapist, start_phase=9, reason="x"
        )
    assert "start_phase" in error.value.message_dict

    assignment = services.assignment_create(
        patient=patient, program=master, created_by=therapist, start_phase=2, reason="stable"
    )

    assert assignment.current_phase.number == 2 and _prescribed(assignment) == {1, 2}
    start = PhaseChange.objects.get(assignment=assignment)
    assert (start.kind, start.reason) == (PhaseChangeKind.START, "stable")


# --- when a session may be logged -----------------------------------------------------------


def test_a_session_before_the_programme_started_or_too_far_back_is_refused(assignment):
    patient = assignment.patient
    before_start = timezone.now() - timedelta(days=21)
    with pytest.raises(ValidationError, match="before the programme started"):
        _log(patient, performed_at=before_start)

    Assignment.objects.filter(pk=assignment.pk).update(start_date=date(2000, 1, 1))
    with pytest.raises(ValidationError, match="at most 14 days back"):
        _log(patient, performed_at=timezone.now() - timedelta(days=15))

    assert _log(patient, performed_at=timezone.now() - timedelta(days=14))
