"""The safety loop through the API (docs/api.md): symptom reports, me/today's status
and advice, screenings, red-flag codes, the red-flag list and clearance, the patient rows'
programme state, and what assignments/ refuses."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from patients import services
from patients.models import (
    Alert,
    Assignment,
    PhaseChange,
    RedFlag,
    RedFlagSign,
    Screening,
    ScreeningPrompt,
    SymptomReport,
)
from programs.models import Program
from tests.api.conftest import (
    ADMIN,
    OTHER_THERAPIST,
    PATIENT,
    THERAPIST,
    assign,
    bearer_client,
    make_patient,
)

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/me/symptom-reports/"
TODAY = "/api/v1/me/today/"
RED_FLAGS = "/api/v1/red-flags/"
ANSWERS = ("red_flag_saddle_numbness", "red_flag_bladder_bowel", "red_flag_leg_weakness")


def report(**changes):
    data = dict.fromkeys(ANSWERS, False) | {"pain": 2, "notes": "Stiff this morning."}
    return data | changes


def screenings_url(patient):
    return f"/api/v1/patients/{patient.pk}/screenings/"


def stored():
    return (
        SymptomReport.objects.count(),
        Alert.objects.count(),
        RedFlag.objects.count(),
        Screening.objects.count(),
    )


# --- me/symptom-reports/ ----------------------------------------------------------------------


def test_a_report_without_warning_signs_reaches_the_therapist_without_advice(world, call):
    response = call(PATIENT, "post", REPORTS, report())

    assert response.status_code == 201, response.content
    data = response.json()
    assert {"id", "flagged", "advice"} <= data.keys()
    assert (data["flagged"], data["advice"], data["flag_reasons"]) == (False, [], [])
    stored_report = SymptomReport.objects.get(pk=data["id"])
    assert (stored_report.patient, stored_report.pain) == (world.patient, 2)
    assert stored_report.notes == "Stiff this morning."
    assert Alert.objects.get(symptom_report=stored_report).kind == "symptom_report"
    world.assignment.refresh_from_db()
    assert world.assignment.status == "active"


def test_saddle_numbness_in_a_report_stops_the_programme_with_urgent_advice(world, call, settings):
    settings.PRACTICE_PHONE = "+49 30 1234567"

    response = call(PATIENT, "post", REPORTS, report(red_flag_saddle_numbness=True))

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["flagged"] is True
    assert data["flag_reasons"] == ["red_flag"]
    assert [item["code"] for item in data["advice"]] == ["emergency_now", "programme_stopped"]
    assert data["advice"][0]["level"] == "urgent"
    assert "emergency department" in data["advice"][0]["text"]
    assert data["practice"]["phone"] == "+49 30 1234567"
    flag = RedFlag.objects.get(symptom_report_id=data["id"])
    assert (flag.sign, flag.source, flag.cleared_at) == ("cauda_saddle", "symptom_report", None)
    world.assignment.refresh_from_db()
    assert world.assignment.status == "stopped"


def test_leg_weakness_means_a_doctor_today(world, call):
    data = call(PATIENT, "post", REPORTS, report(red_flag_leg_weakness=True)).json()

    assert [(item["code"], item["level"]) for item in data["advice"]] == [
        ("doctor_today", "urgent"),
        ("programme_stopped", "warning"),
    ]
    assert "doctor today" in data["advice"][0]["text"]


def test_high_pain_in_a_report_says_stop_for_today(world, call):
    data = call(PATIENT, "post", REPORTS, report(pain=8)).json()

    assert data["flagged"] is True
    assert set(data["flag_reasons"]) == {"pain_high", "pain_above_limit"}
    assert data["advice"][0]["code"] == "stop_today"
    assert data["advice"][0]["level"] == "warning"
    assert Alert.objects.filter(symptom_report_id=data["id"], kind="pain_high").exists()


def test_a_patient_without_a_programme_can_report(world):
    newcomer = make_patient(world.therapist, username="newcomer")

    response = bearer_client(newcomer.user).post(
        REPORTS, report(red_flag_bladder_bowel=True), format="json"
    )

    assert response.status_code == 201, response.content
    assert RedFlag.objects.get(patient=newcomer).sign == "cauda_bladder"


BAD_REPORTS = {
    **{
        f"{name} missing": ({k: v for k, v in report().items() if k != name}, [name])
        for name in ANSWERS
    },
    "no answers at all": ({"pain": 2}, list(ANSWERS)),
    "pain missing": ({k: v for k, v in report().items() if k != "pain"}, ["pain"]),
    "answer null": (report(red_flag_leg_weakness=None), ["red_flag_leg_weakness"]),
    "answer not a boolean": (report(red_flag_bladder_bowel="maybe"), ["red_flag_bladder_bowel"]),
    "pain above 10": (report(pain=11), ["pain"]),
    "pain negative": (report(pain=-1), ["pain"]),
    "notes too long": (report(notes="x" * 2001), ["notes"]),
    "notes not text": (report(notes=0), ["notes"]),
}


@pytest.mark.parametrize("case", BAD_REPORTS, ids=list(BAD_REPORTS))
def test_bad_reports_answer_400_naming_the_field_and_store_nothing(world, call, case):
    data, fields = BAD_REPORTS[case]
    before = stored()

    response = call(PATIENT, "post", REPORTS, data)

    assert response.status_code == 400, response.content
    assert set(fields) <= response.json().keys()
    if case.endswith("missing") or case == "no answers at all":
        assert all(response.json()[name] == ["This field is required."] for name in fields)
    assert stored() == before


def test_the_report_list_is_the_patients_own_newest_first(world, call):
    for pain in (1, 2, 3):
        call(PATIENT, "post", REPORTS, report(pain=pain))
    services.symptom_report_create(
        patient=world.other_patient,
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
        pain=4,
    )

    page = call(PATIENT, "get", REPORTS, {"page_size": 2}).json()
    rest = call(PATIENT, "get", page["next"]).json()

    assert page["count"] == 3
    assert [row["pain"] for row in page["results"] + rest["results"]] == [3, 2, 1]
    assert page["results"][0]["advice"] == []
    assert call(THERAPIST, "get", REPORTS).status_code == 403


def test_the_report_list_costs_the_same_for_many_reports(world, call):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = call(PATIENT, "get", REPORTS)
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    call(PATIENT, "post", REPORTS, report(pain=7))
    small = count()
    for pain in range(15):
        call(PATIENT, "post", REPORTS, report(pain=pain % 11, red_flag_leg_weakness=pain == 3))
    large = count()

    assert small[1] == 1 and large[1] == 16
    assert small[0] == large[0] <= 3


# --- me/today/ --------------------------------------------------------------------------------


def test_today_is_active_without_advice_when_all_is_well(world, call, settings):
    settings.PRACTICE_NAME = "Praxis Rücken"
    settings.PRACTICE_PHONE = ""

    data = call(PATIENT, "get", TODAY).json()

    assert data["status"] == "active"
    assert data["advice"] == []
    assert data["practice"] == {"name": "Praxis Rücken", "phone": ""}
    assert any(row["due"] for row in data["exercises"])


def test_a_red_flag_stops_today_with_urgent_advice_and_nothing_due(world, call):
    call(PATIENT, "post", REPORTS, report(red_flag_bladder_bowel=True))

    data = call(PATIENT, "get", TODAY).json()

    assert data["status"] == "stopped"
    assert data["exercises"] and not any(row["due"] for row in data["exercises"])
    assert [(item["code"], item["level"]) for item in data["advice"]] == [
        ("emergency_now", "urgent"),
        ("programme_stopped", "warning"),
    ]
    assert "112" in data["advice"][0]["text"]


def test_high_pain_today_advises_not_to_go_on_and_nothing_is_due(world, call):
    assert any(row["due"] for row in call(PATIENT, "get", TODAY).json()["exercises"])
    call(PATIENT, "post", REPORTS, report(pain=9))

    data = call(PATIENT, "get", TODAY).json()

    assert data["status"] == "active"
    assert [(item["code"], item["level"]) for item in data["advice"]] == [("stop_today", "warning")]
    assert data["exercises"] and not any(row["due"] for row in data["exercises"])


def test_a_paused_programme_says_so(world, call):
    services.assignment_pause(assignment=world.assignment, changed_by=world.therapist)

    data = call(PATIENT, "get", TODAY).json()

    assert data["status"] == "paused"
    assert [(item["code"], item["level"]) for item in data["advice"]] == [
        ("programme_paused", "info")
    ]


def test_without_a_programme_status_is_null_but_red_flag_advice_shows(world):
    newcomer = make_patient(world.therapist, username="newcomer")
    client = bearer_client(newcomer.user)
    client.post(REPORTS, report(red_flag_leg_weakness=True), format="json")

    data = client.get(TODAY).json()

    assert (data["status"], data["phase"], data["exercises"]) == (None, None, [])
    assert [item["code"] for item in data["advice"]] == ["doctor_today", "programme_stopped"]


def test_regression_takes_the_later_phases_exercises_out_of_today(world, call):
    phase_2 = {row["slug"] for row in call(PATIENT, "get", TODAY).json()["exercises"]}

    regressed = call(
        THERAPIST,
        "post",
        f"/api/v1/assignments/{world.assignment.pk}/regress/",
        {"reason": "Flare"},
    )
    after = call(PATIENT, "get", TODAY).json()
    call(THERAPIST, "post", f"/api/v1/assignments/{world.assignment.pk}/advance/", {"reason": "Ok"})
    again = call(PATIENT, "get", TODAY).json()

    assert regressed.status_code == 200
    assert after["phase"]["number"] == 1
    assert {row["phase"] for row in after["exercises"]} == {1}
    assert {"segmentale-stabilisation", "plank-mtt"} <= phase_2
    assert not {"segmentale-stabilisation", "plank-mtt"} & {
        row["slug"] for row in after["exercises"]
    }
    assert {row["slug"] for row in again["exercises"]} == phase_2


# --- screenings -------------------------------------------------------------------------------


def test_a_screening_with_red_flags_opens_them_once_and_stops_the_programme(world, call):
    body = {"red_flags": ["tumour_history", "infection_fever"], "notes": "Lymphoma 2019."}

    first = call(THERAPIST, "post", screenings_url(world.patient), body)
    second = call(THERAPIST, "post", screenings_url(world.patient), body)

    assert first.status_code == 201, first.content
    data = first.json()
    assert {"id", "red_flags", "open_red_flags"} <= data.keys()
    assert data["red_flags"] == ["tumour_history", "infection_fever"]
    assert data["open_red_flags"] == ["infection_fever", "tumour_history"]
    assert (data["patient"], data["screened_by"], data["notes"]) == (
        world.patient.pk,
        "therapist1",
        "Lymphoma 2019.",
    )
    assert second.json()["open_red_flags"] == data["open_red_flags"]
    assert RedFlag.objects.filter(patient=world.patient).count() == 2
    assert Screening.objects.filter(patient=world.patient).count() == 3  # the fixture's first
    world.assignment.refresh_from_db()
    assert world.assignment.status == "stopped"


def test_a_clean_screening_records_the_prompts_and_opens_nothing(world, call):
    response = call(
        ADMIN,
        "post",
        screenings_url(world.patient),
        {"red_flags": [], "prompts": ["age_over_50", "inflammatory_night"]},
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["red_flags"], data["open_red_flags"]) == ([], [])
    assert data["prompts"] == ["age_over_50", "inflammatory_night"]
    assert Screening.objects.get(pk=data["id"]).prompts == ["age_over_50", "inflammatory_night"]


BAD_SCREENINGS = {
    "red flags missing": ({"notes": "x"}, "red_flags"),
    "unknown red flag": ({"red_flags": ["dragon_bite"]}, "red_flags"),
    "a prompt as a red flag": ({"red_flags": ["age_over_50"]}, "red_flags"),
    "red flags not a list": ({"red_flags": "cauda_saddle"}, "red_flags"),
    "unknown prompt": ({"red_flags": [], "prompts": ["tumour_history"]}, "prompts"),
    "notes too long": ({"red_flags": [], "notes": "x" * 4001}, "notes"),
    "notes not text": ({"red_flags": [], "notes": 7}, "notes"),
}


@pytest.mark.parametrize("case", BAD_SCREENINGS, ids=list(BAD_SCREENINGS))
def test_bad_screenings_answer_400_and_store_nothing(world, call, case):
    body, field = BAD_SCREENINGS[case]
    before = stored()

    response = call(THERAPIST, "post", screenings_url(world.patient), body)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert stored() == before


def test_only_the_patients_therapists_screen(world, call):
    body = {"red_flags": ["cauda_saddle"]}
    before = stored()

    assert call(OTHER_THERAPIST, "post", screenings_url(world.patient), body).status_code == 404
    assert call(PATIENT, "post", screenings_url(world.patient), body).status_code == 403
    assert stored() == before


# --- red-flag-codes/ --------------------------------------------------------------------------


def test_the_codes_list_every_red_flag_and_prompt_with_labels_and_groups(world, call):
    rows = call(THERAPIST, "get", "/api/v1/red-flag-codes/").json()

    by_code = {row["code"]: row for row in rows}
    assert [row["code"] for row in rows if not row["prompt"]] == RedFlagSign.values
    assert [row["code"] for row in rows if row["prompt"]] == ScreeningPrompt.values
    assert by_code["cauda_saddle"] == {
        "code": "cauda_saddle",
        "label": "Cauda equina: numbness in the saddle area",
        "group": "cauda",
        "group_label": "Cauda equina",
        "prompt": False,
    }
    assert by_code["leg_weakness"]["group"] == "radicular"
    assert (by_code["age_over_50"]["group"], by_code["age_over_50"]["prompt"]) == ("tumour", True)
    assert {row["group"] for row in rows} == {
        "fracture",
        "tumour",
        "infection",
        "radicular",
        "cauda",
        "inflammatory",
    }


# --- red-flags/ -------------------------------------------------------------------------------


def raise_flags(world):
    """One red flag from each source for ``patient``, one from a session of the foreign
    patient."""
    services.screening_record(
        patient=world.patient, screened_by=world.therapist, signs=["fracture_trauma"]
    )
    services.symptom_report_create(
        patient=world.patient,
        red_flag_saddle_numbness=True,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=False,
        pain=3,
    )
    services.session_log_create(
        patient=world.patient,
        performed_at=timezone.now() - timedelta(minutes=5),
        pain_before=3,
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=False,
        red_flag_leg_weakness=True,
    )
    services.session_log_create(
        patient=world.foreign_patient,
        performed_at=timezone.now() - timedelta(minutes=5),
        pain_before=3,
        red_flag_saddle_numbness=False,
        red_flag_bladder_bowel=True,
        red_flag_leg_weakness=False,
    )


def test_the_list_shows_each_source_scoped_to_the_callers_patients(world, call):
    raise_flags(world)

    response = call(THERAPIST, "get", RED_FLAGS, {"patient": world.patient.pk})

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(row["code"], row["source"]) for row in rows] == [
        ("leg_weakness", "session"),
        ("cauda_saddle", "symptom_report"),
        ("fracture_trauma", "screening"),
    ]
    assert rows[0].keys() == {
        "id",
        "patient",
        "code",
        "label",
        "source",
        "raised_at",
        "cleared_at",
        "cleared_by",
        "note",
    }
    assert rows[0]["label"] == "Radiculopathy: new or worsening leg weakness"
    assert (rows[0]["patient"], rows[0]["cleared_at"], rows[0]["cleared_by"]) == (
        world.patient.pk,
        None,
        None,
    )
    assert (
        call(THERAPIST, "get", RED_FLAGS, {"patient": world.foreign_patient.pk}).json()["results"]
        == []
    )
    assert {row["patient"] for row in call(ADMIN, "get", RED_FLAGS).json()["results"]} == {
        world.patient.pk,
        world.foreign_patient.pk,
    }
    assert [row["code"] for row in call(OTHER_THERAPIST, "get", RED_FLAGS).json()["results"]] == [
        "cauda_bladder"
    ]
    own = call(PATIENT, "get", RED_FLAGS).json()["results"]
    assert {row["patient"] for row in own} == {world.patient.pk}
    assert call(THERAPIST, "get", RED_FLAGS, {"patient": "abc"}).status_code == 400


def test_the_list_filters_open_and_source(world, call):
    raise_flags(world)
    flag = RedFlag.objects.get(patient=world.patient, sign="fracture_trauma")
    services.red_flag_clear(red_flag=flag, cleared_by=world.therapist, note="X-ray clear.")

    open_rows = call(THERAPIST, "get", RED_FLAGS, {"open": "true"}).json()["results"]
    cleared = call(THERAPIST, "get", RED_FLAGS, {"open": "false"}).json()["results"]
    screened = call(THERAPIST, "get", RED_FLAGS, {"source": "screening"}).json()["results"]

    assert {row["code"] for row in open_rows} == {"leg_weakness", "cauda_saddle"}
    assert [(row["code"], row["note"], row["cleared_by"]) for row in cleared] == [
        ("fracture_trauma", "X-ray clear.", "therapist1")
    ]
    assert [row["code"] for row in screened] == ["fracture_trauma"]
    for bad in ({"open": "maybe"}, {"open": "null"}, {"source": "phone"}):
        assert call(THERAPIST, "get", RED_FLAGS, bad).status_code == 400, bad


def test_the_red_flag_list_costs_the_same_for_many_flags(world, call):
    def count():
        call(THERAPIST, "get", RED_FLAGS)
        with CaptureQueriesContext(connection) as queries:
            response = call(THERAPIST, "get", RED_FLAGS)
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    raise_flags(world)
    small = count()
    for number in range(6):
        patient = make_patient(world.therapist, username=f"flagged{number}")
        services.screening_record(
            patient=patient, screened_by=world.therapist, signs=RedFlagSign.values[:3]
        )
        flag = patient.red_flags.first()
        services.red_flag_clear(red_flag=flag, cleared_by=world.admin, note="ok")
    large = count()

    assert small[1] == 3 and large[1] == 20
    # Count, page (with who cleared), the audit INSERT; the token's look-up.
    assert small[0] == large[0] <= 4


# --- red-flags/{id}/clear/ --------------------------------------------------------------------


def clear_url(flag):
    return f"{RED_FLAGS}{flag.pk}/clear/"


def test_clearing_the_last_red_flag_resumes_the_programme(world, call):
    call(PATIENT, "post", REPORTS, report(red_flag_saddle_numbness=True))
    flag = RedFlag.objects.get(patient=world.patient)

    response = call(THERAPIST, "post", clear_url(flag), {"note": "MRI normal, Dr. Weber."})

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["id"], data["code"], data["note"], data["cleared_by"]) == (
        flag.pk,
        "cauda_saddle",
        "MRI normal, Dr. Weber.",
        "therapist1",
    )
    assert data["cleared_at"] is not None
    world.assignment.refresh_from_db()
    assert world.assignment.status == "active"
    resume = PhaseChange.objects.filter(assignment=world.assignment).first()
    assert (resume.kind, resume.reason, resume.changed_by) == (
        "resume",
        "MRI normal, Dr. Weber.",
        world.therapist,
    )
    today = call(PATIENT, "get", TODAY).json()
    assert today["status"] == "active" and today["advice"] == []
    assert any(row["due"] for row in today["exercises"])


def test_the_programme_stays_stopped_while_another_flag_is_open(world, call):
    call(
        PATIENT, "post", REPORTS, report(red_flag_saddle_numbness=True, red_flag_leg_weakness=True)
    )
    first, _second = RedFlag.objects.filter(patient=world.patient)

    call(THERAPIST, "post", clear_url(first), {"note": "Checked."})

    world.assignment.refresh_from_db()
    assert world.assignment.status == "stopped"
    assert call(PATIENT, "get", TODAY).json()["status"] == "stopped"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "note"),
        ({"note": ""}, "note"),
        ({"note": "   "}, "note"),
        ({"note": "x" * 2001}, "note"),
        ({"note": 5}, "note"),
    ],
)
def test_clearance_needs_a_note(world, call, body, field):
    call(PATIENT, "post", REPORTS, report(red_flag_saddle_numbness=True))
    flag = RedFlag.objects.get(patient=world.patient)

    response = call(THERAPIST, "post", clear_url(flag), body)

    assert response.status_code == 400
    assert field in response.json()
    flag.refresh_from_db()
    assert flag.cleared_at is None


def test_a_cleared_flag_cannot_be_cleared_again(world, call):
    call(PATIENT, "post", REPORTS, report(red_flag_saddle_numbness=True))
    flag = RedFlag.objects.get(patient=world.patient)
    call(THERAPIST, "post", clear_url(flag), {"note": "First."})

    again = call(ADMIN, "post", clear_url(flag), {"note": "Second."})

    assert again.status_code == 400
    assert again.json()["non_field_errors"] == ["This red flag was already cleared."]
    flag.refresh_from_db()
    assert (flag.clearance_note, flag.cleared_by) == ("First.", world.therapist)


def test_only_the_patients_therapists_clear(world, call):
    call(PATIENT, "post", REPORTS, report(red_flag_saddle_numbness=True))
    flag = RedFlag.objects.get(patient=world.patient)

    assert call(PATIENT, "post", clear_url(flag), {"note": "I feel fine."}).status_code == 403
    assert call(OTHER_THERAPIST, "post", clear_url(flag), {"note": "ok"}).status_code == 404
    flag.refresh_from_db()
    assert flag.cleared_at is None


def test_staff_reads_and_changes_are_audited(world, call):
    call(PATIENT, "post", REPORTS, report(red_flag_saddle_numbness=True))
    call(PATIENT, "get", RED_FLAGS)
    flag = RedFlag.objects.get(patient=world.patient)
    AuditEntry.objects.all().delete()  # the fixture's own

    call(THERAPIST, "get", RED_FLAGS)
    call(THERAPIST, "post", clear_url(flag), {"note": "ok"})
    screening = call(THERAPIST, "post", screenings_url(world.patient), {"red_flags": []}).json()

    rows = list(
        AuditEntry.objects.order_by("id").values_list(
            "user_id", "patient_id", "action", "object_type", "object_id"
        )
    )
    therapist, patient = world.therapist.pk, world.patient.pk
    assert rows == [
        (therapist, patient, "list", "patients.redflag", str(flag.pk)),
        (therapist, patient, "change", "patients.redflag", str(flag.pk)),
        (therapist, patient, "add", "patients.screening", str(screening["id"])),
    ]


# --- patients/: programme state of each row ---------------------------------------------------


def row_of(call, patient):
    response = call(ADMIN, "get", f"/api/v1/patients/{patient.pk}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_patient_rows_show_the_programme_state_and_open_red_flags(world, call):
    newcomer = make_patient(world.therapist, username="newcomer")
    services.assignment_complete(
        assignment=world.other_patient.assignments.get(), changed_by=world.therapist
    )
    call(PATIENT, "post", REPORTS, report(red_flag_leg_weakness=True))

    stopped, completed, never = (
        row_of(call, p) for p in (world.patient, world.other_patient, newcomer)
    )
    listed = {
        row["id"]: row for row in call(THERAPIST, "get", "/api/v1/patients/").json()["results"]
    }

    assert (stopped["assignment_status"], stopped["open_red_flag"]) == ("stopped", True)
    assert stopped["current_phase"] == 2
    assert (completed["assignment_status"], completed["open_red_flag"]) == ("completed", False)
    assert completed["current_phase"] is None
    assert (never["assignment_status"], never["open_red_flag"]) == (None, False)
    assert listed[world.patient.pk]["assignment_status"] == "stopped"
    assert listed[world.other_patient.pk]["assignment_status"] == "completed"
    assert call(THERAPIST, "get", "/api/v1/patients/", {"phase": 2}).json()["count"] == 1


def test_a_new_programme_after_a_completed_one_shows_active(world, call):
    services.assignment_complete(assignment=world.assignment, changed_by=world.therapist)
    assign(world.patient, phase=1)

    assert row_of(call, world.patient)["assignment_status"] == "active"


# --- assignments/: the screening gate and start_phase ----------------------------------------


ASSIGNMENTS = "/api/v1/assignments/"


def master_pk():
    return Program.objects.get(slug="master").pk


def test_an_unscreened_patient_gets_no_programme(world, call):
    newcomer = make_patient(world.therapist, username="newcomer")

    response = call(
        THERAPIST, "post", ASSIGNMENTS, {"patient": newcomer.pk, "program": master_pk()}
    )

    assert response.status_code == 400
    assert "Screen this patient for red flags first" in response.json()["non_field_errors"][0]
    assert not Assignment.objects.filter(patient=newcomer).exists()


def test_an_old_screening_is_not_enough(world, call):
    newcomer = make_patient(world.therapist, username="newcomer")
    services.screening_record(
        patient=newcomer,
        screened_by=world.therapist,
        signs=[],
        screened_at=timezone.now() - timedelta(days=40),
    )

    response = call(
        THERAPIST, "post", ASSIGNMENTS, {"patient": newcomer.pk, "program": master_pk()}
    )

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_an_open_red_flag_blocks_a_programme_until_clearance(world, call):
    newcomer = make_patient(world.therapist, username="newcomer")
    screened = call(
        THERAPIST, "post", screenings_url(newcomer), {"red_flags": ["tumour_night_pain"]}
    )
    body = {"patient": newcomer.pk, "program": master_pk()}

    refused = call(THERAPIST, "post", ASSIGNMENTS, body)
    flag = RedFlag.objects.get(patient=newcomer)
    call(THERAPIST, "post", clear_url(flag), {"note": "Oncology follow-up clear."})
    accepted = call(THERAPIST, "post", ASSIGNMENTS, body)

    assert screened.json()["open_red_flags"] == ["tumour_night_pain"]
    assert refused.status_code == 400
    assert "unresolved red flag" in refused.json()["non_field_errors"][0]
    assert accepted.status_code == 201, accepted.content


def test_a_programme_can_start_in_a_later_phase_with_a_reason(world, call):
    newcomer = make_patient(world.therapist, username="newcomer")
    services.screening_record(patient=newcomer, screened_by=world.therapist, signs=[])
    body = {"patient": newcomer.pk, "program": master_pk(), "start_phase": 3}

    without = call(THERAPIST, "post", ASSIGNMENTS, body)
    response = call(THERAPIST, "post", ASSIGNMENTS, body | {"reason": "Came from rehab, stable."})

    assert without.status_code == 400
    assert "reason" in without.json()
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["current_phase"]["number"] == 3
    assert {item["phase"] for item in data["items"]} == {1, 2, 3}
    assert (data["phase_changes"][0]["kind"], data["phase_changes"][0]["reason"]) == (
        "start",
        "Came from rehab, stable.",
    )


@pytest.mark.parametrize("start_phase", [0, 9, -1, "two"])
def test_a_start_phase_the_programme_does_not_have_answers_400(world, call, start_phase):
    newcomer = make_patient(world.therapist, username="newcomer")
    services.screening_record(patient=newcomer, screened_by=world.therapist, signs=[])

    response = call(
        THERAPIST,
        "post",
        ASSIGNMENTS,
        {"patient": newcomer.pk, "program": master_pk(), "start_phase": start_phase, "reason": "x"},
    )

    assert response.status_code == 400
    assert "start_phase" in response.json()
    assert not Assignment.objects.filter(patient=newcomer).exists()


def test_start_phase_1_needs_no_reason(world, call):
    newcomer = make_patient(world.therapist, username="newcomer")
    services.screening_record(patient=newcomer, screened_by=world.therapist, signs=[])

    response = call(
        THERAPIST,
        "post",
        ASSIGNMENTS,
        {"patient": newcomer.pk, "program": master_pk(), "start_phase": 1},
    )

    assert response.status_code == 201, response.content
    assert response.json()["current_phase"]["number"] == 1
