from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from patients import selectors, services
from patients.models import (
    Alert,
    AssignmentStatus,
    ExerciseEntry,
    PhaseChange,
    PhaseChangeKind,
    RedFlag,
    RedFlagSign,
    SessionLog,
)
from programs.models import Exercise, Program
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in the source language; the default language is German."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return factories.TherapistFactory(username="t.weber", email="weber@example.org")


@pytest.fixture
def new_patient(staff):
    return services.patient_create(
        username="anna",
        email="anna@example.org",
        first_name="Anna",
        last_name="Schmidt",
        therapist=staff,
        created_by=staff,
    )


@pytest.fixture
def master():
    return Program.objects.get(slug="master")


@pytest.fixture
def assignment(new_patient, master, staff):
    services.screening_record(patient=new_patient, screened_by=staff, signs=[])
    return services.assignment_create(patient=new_patient, program=master, created_by=staff)


def _entry(slug, **values):
    return {"exercise": Exercise.objects.get(slug=slug).pk, "sets_done": 2, **values}


def _log(patient, entries, **values):
    defaults = {
        "performed_at": timezone.now() - timedelta(minutes=5),
        "pain_before": 2,
        "pain_after": 2,
        "rpe": 4,
        "red_flag_saddle_numbness": False,
        "red_flag_bladder_bowel": False,
        "red_flag_leg_weakness": False,
    }
    return services.session_log_create(patient=patient, entries=entries, **(defaults | values))


def test_patient_create_makes_a_login_without_usable_password(new_patient, staff):
    assert new_patient.user.username == "anna"
    assert not new_patient.user.has_usable_password()
    assert new_patient.pain_limit == 3
    assert new_patient.therapist == staff


def test_patient_create_refuses_a_taken_username(new_patient, staff):
    with pytest.raises(ValidationError):
        services.patient_create(
            username="Anna",
            email="x@example.org",
            first_name="A",
            last_name="B",
            therapist=staff,
            created_by=staff,
        )


def test_unresolved_red_flag_blocks_the_programme_until_cleared(new_patient, master, staff):
    services.screening_record(
        patient=new_patient, screened_by=staff, signs=[RedFlagSign.TUMOUR_HISTORY]
    )

    services.screening_record(patient=new_patient, screened_by=staff, signs=[])
    with pytest.raises(ValidationError, match="unresolved red flag"):
        services.assignment_create(patient=new_patient, program=master, created_by=staff)
    with pytest.raises(ValidationError):
        services.red_flag_clear(red_flag=new_patient.red_flags.get(), cleared_by=staff, note="  ")

    services.red_flag_clear(
        red_flag=new_patient.red_flags.get(), cleared_by=staff, note="GP letter: cleared"
    )
    services.screening_record(patient=new_patient, screened_by=staff, signs=[])
    assignment = services.assignment_create(patient=new_patient, program=master, created_by=staff)

    assert assignment.status == AssignmentStatus.ACTIVE
    assert new_patient.red_flags.get().clearance_note == "GP letter: cleared"


def test_assignment_starts_in_phase_one_with_its_exercises(assignment):
    assert assignment.current_phase.number == 1
    assert sorted(assignment.items.values_list("exercise__slug", flat=True)) == [
        "lws-release-doppelball",
        "passive-extension-faszienrolle",
    ]
    first = assignment.items.get(exercise__slug="lws-release-doppelball")
    assert first.dosage() == first.exercise.goal.dosage()
    assert assignment.phase_changes.get().kind == PhaseChangeKind.START


def test_a_second_open_programme_is_refused(assignment, master, staff):
    services.screening_record(patient=assignment.patient, screened_by=staff, signs=[])
    with pytest.raises(ValidationError, match="already has an open programme"):
        services.assignment_create(patient=assignment.patient, program=master, created_by=staff)


def test_advance_adds_the_next_phase_keeps_earlier_and_records_history(assignment, staff):
    with pytest.raises(ValidationError):
        services.assignment_advance(assignment=assignment, changed_by=staff, reason="")

    services.assignment_advance(
        assignment=assignment, changed_by=staff, reason="Pain-free for two weeks"
    )
    assignment.refresh_from_db()

    assert assignment.current_phase.number == 2
    assert assignment.items.count() == 4
    change = assignment.phase_changes.filter(kind=PhaseChangeKind.ADVANCE).get()
    assert (change.from_phase.number, change.to_phase.number) == (1, 2)
    assert (change.changed_by, change.reason) == (staff, "Pain-free for two weeks")


def test_regress_goes_back_one_phase_and_keeps_exercises(assignment, staff):
    services.assignment_advance(assignment=assignment, changed_by=staff, reason="ready")
    services.assignment_regress(assignment=assignment, changed_by=staff, reason="flare-up")
    assignment.refresh_from_db()

    assert assignment.current_phase.number == 1
    assert assignment.items.count() == 4
    with pytest.raises(ValidationError, match="first phase"):
        services.assignment_regress(assignment=assignment, changed_by=staff, reason="again")
    assert PhaseChange.objects.filter(assignment=assignment).count() == 3


def test_pause_and_resume(assignment, staff):
    services.assignment_pause(assignment=assignment, changed_by=staff)
    assert assignment.status == AssignmentStatus.PAUSED
    with pytest.raises(ValidationError):
        services.assignment_pause(assignment=assignment, changed_by=staff)

    services.assignment_resume(assignment=assignment, changed_by=staff)
    assert assignment.status == AssignmentStatus.ACTIVE


def test_session_log_stores_the_session_and_its_entries(assignment):
    session, created = _log(
        assignment.patient,
        [_entry("lws-release-doppelball", pain=1), _entry("passive-extension-faszienrolle")],
        notes="felt good",
    )

    assert created
    assert not session.flagged
    assert session.flag_reasons == []
    assert session.phase.number == 1
    assert list(session.entries.values_list("exercise__slug", "pain")) == [
        ("lws-release-doppelball", 1),
        ("passive-extension-faszienrolle", None),
    ]


def test_pain_above_the_limit_flags_the_session_and_alerts_the_therapist(assignment):
    session, _ = _log(assignment.patient, [_entry("lws-release-doppelball", pain=5)])

    assert session.flagged
    assert "pain_above_limit" in session.flag_reasons
    assert Alert.objects.filter(session=session, kind="pain_above_limit").exists()


def test_pain_rising_by_two_flags_the_session(assignment):
    session, _ = _log(
        assignment.patient, [_entry("lws-release-doppelball")], pain_before=1, pain_after=3
    )

    assert session.flag_reasons == ["pain_rise"]


def test_red_flag_in_the_session_check_in_alerts_and_blocks(assignment, staff):
    session, _ = _log(
        assignment.patient, [_entry("lws-release-doppelball")], red_flag_bladder_bowel=True
    )

    assert "red_flag" in session.flag_reasons
    assert RedFlag.objects.get(session=session).sign == RedFlagSign.CAUDA_BLADDER
    with pytest.raises(ValidationError):
        services.assignment_advance(assignment=assignment, changed_by=staff, reason="ready")


def test_a_partially_invalid_session_writes_nothing(assignment):
    entries = [_entry("lws-release-doppelball"), _entry("reaktives-federn")]

    with pytest.raises(ValidationError) as error:
        _log(assignment.patient, entries)

    assert "entries[1].exercise" in error.value.message_dict
    assert SessionLog.objects.count() == 0
    assert ExerciseEntry.objects.count() == 0


def test_out_of_range_values_write_nothing(assignment):
    with pytest.raises(ValidationError):
        _log(assignment.patient, [_entry("lws-release-doppelball", pain=11)])
    with pytest.raises(ValidationError):
        _log(assignment.patient, [_entry("lws-release-doppelball")], rpe=12)
    with pytest.raises(ValidationError):
        _log(
            assignment.patient,
            [_entry("lws-release-doppelball")],
            performed_at=timezone.now() + timedelta(hours=2),
        )

    assert SessionLog.objects.count() == 0
    assert ExerciseEntry.objects.count() == 0


def test_idempotency_key_returns_the_first_session(assignment):
    entries = [_entry("lws-release-doppelball")]
    fingerprint = services.request_fingerprint({"entries": entries})

    first, created = _log(
        assignment.patient, entries, idempotency_key="k-1", fingerprint=fingerprint
    )
    again, created_again = _log(
        assignment.patient, entries, idempotency_key="k-1", fingerprint=fingerprint
    )

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert SessionLog.objects.count() == 1
    with pytest.raises(services.IdempotencyConflict):
        _log(assignment.patient, entries, idempotency_key="k-1", fingerprint="other")


def test_next_day_check_worse_by_two_flags_the_session(assignment):
    session, _ = _log(
        assignment.patient, [_entry("lws-release-doppelball")], pain_before=2, pain_after=2
    )

    check = services.next_day_check_record(session=session, pain=4)
    session.refresh_from_db()

    assert check.flagged
    assert session.flagged
    assert "next_day_worse" in session.flag_reasons
    assert Alert.objects.filter(session=session, kind="next_day_worse").exists()
    with pytest.raises(ValidationError):
        services.next_day_check_record(session=session, pain=1)


def test_alerts_acknowledge_only_counts_open_ones(assignment, staff):
    _log(assignment.patient, [_entry("lws-release-doppelball", pain=5)])

    first = services.alerts_acknowledge(alerts=Alert.objects.all(), acknowledged_by=staff)
    second = services.alerts_acknowledge(alerts=Alert.objects.all(), acknowledged_by=staff)

    assert (first, second) == (1, 0)


def test_today_plan_marks_what_was_done_today_as_not_due(assignment):
    patient = assignment.patient
    today = timezone.localdate()
    _log(patient, [_entry("lws-release-doppelball")])

    plan = {
        row.item.exercise.slug: row
        for row in selectors.today_plan(patient=patient, assignment=assignment, today=today)
    }

    assert plan["lws-release-doppelball"].done_today
    assert not plan["lws-release-doppelball"].due
    assert plan["passive-extension-faszienrolle"].due


def test_readiness_explains_why_a_new_patient_is_not_ready(assignment):
    readiness = selectors.assignment_readiness(assignment=assignment, today=timezone.localdate())

    assert not readiness.ready
    unmet = {reason.code for reason in readiness.reasons if not reason.met}
    assert "time_in_phase" in unmet
    assert readiness.reasons[0].met


def test_every_flag_reason_the_rules_raise_is_an_alert_kind():
    from patients.models import FlagKind
    from patients.rules import FlagReason

    assert {reason.value for reason in FlagReason} <= set(FlagKind.values)


def test_patient_overview_charts_questionnaire_scores(assignment):
    from questionnaires.models import Questionnaire
    from questionnaires.services import response_submit

    nrs = Questionnaire.objects.get(slug="nrs-pain-week")
    link_id = nrs.items.get().link_id
    response_submit(patient=assignment.patient, questionnaire=nrs, answers={link_id: 4})

    overview = selectors.patient_overview(patient=assignment.patient, today=timezone.localdate())

    assert [(row["slug"], row["score"]) for row in overview["chart"]["questionnaire_scores"]] == [
        ("nrs-pain-week", 4.0)
    ]
