"""Who may open which URL: every pattern of the URLconf, for every role of docs/product.md.

The patterns are read from the resolver (admin and API included), so a new URL fails this test
until it has a row in ``EXPECTED``. Object URLs are built with the objects of ``anna`` (the
patient) and her therapist: ``patient`` and ``therapist`` reach their own object, while
``other_patient`` (berta, same therapist) and ``other_therapist`` (carla's) ask for someone
else's and must get 404, not 403 (no enumeration). Staff sessions carry a verified second factor,
as the admin requires. Every request is a GET; ``WRITES`` sends empty POSTs to the API's object
actions (400 for one's own object, 404 for another's).

Outcomes: ``OK`` (2xx, or a redirect within the site), ``LOGIN`` (a redirect to the portal or
admin login), ``INDEX`` (a redirect to the admin's start page: staff on a patient page, or the
admin's answer for an object that is not there for this user), or the status code (400, 401,
403, 404, 405).
"""

import json
import os
import re
import uuid
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.tokens import invitation_token, login_link_token
from audit.models import AuditAction, AuditEntry
from patients.models import (
    Alert,
    NextDayCheck,
    Patient,
    RedFlag,
    RedFlagSign,
    RedFlagSource,
    SymptomReport,
)
from programs.models import DailyHabit, Exercise, Phase, Program, TrainingGoal
from programs.services import program_copy
from questionnaires.models import Item, Questionnaire
from questionnaires.services import questionnaire_request_create
from reminders.models import Delivery, Digest, PushSubscription, ReminderKind, ReminderRun
from reminders.services import calendar_token_rotate
from tests.api.conftest import ROLES
from tests.two_factor import confirmed_device, login_verified
from tokens.services import token_create

OK, LOGIN, INDEX = "ok", "login", "admin index"


def r(anonymous, patient, other_patient, therapist, other_therapist, admin):
    return dict(
        zip(
            ROLES,
            [anonymous, patient, other_patient, therapist, other_therapist, admin],
            strict=True,
        )
    )


# --- the usual shapes ------------------------------------------------------------------------
EVERYONE = r(OK, OK, OK, OK, OK, OK)
SIGNED_IN = r(LOGIN, OK, OK, OK, OK, OK)
POST_ONLY = r(405, 405, 405, 405, 405, 405)
PORTAL = r(LOGIN, OK, OK, INDEX, INDEX, INDEX)  # the patient's own pages; staff go to the admin
PORTAL_POST = r(LOGIN, 405, 405, INDEX, INDEX, INDEX)
PORTAL_OWN = r(LOGIN, OK, 404, INDEX, INDEX, INDEX)  # a patient's object in the portal
STAFF = r(LOGIN, LOGIN, LOGIN, OK, OK, OK)  # admin pages every therapist may open
STAFF_404 = r(LOGIN, LOGIN, LOGIN, 404, 404, 404)
STAFF_OWN = r(LOGIN, LOGIN, LOGIN, OK, 404, OK)  # a patient's object in the admin
SUPERUSER = r(LOGIN, LOGIN, LOGIN, 403, 403, OK)  # admin pages for the practice admin only
OWN_SUPERUSER = r(LOGIN, LOGIN, LOGIN, 403, 404, OK)  # deleting a patient's object
NOBODY = r(LOGIN, LOGIN, LOGIN, 403, 403, 403)  # e.g. adding records only the app writes
STAFF_POST = r(LOGIN, LOGIN, LOGIN, 405, 405, 405)
API_ALL = r(401, OK, OK, OK, OK, OK)  # API reads everyone signed in may make (scoped)
API_OWN = r(401, OK, 404, OK, 404, OK)  # API object of the patient
API_PATIENT = r(401, OK, OK, 403, 403, 403)  # me/…: the caller's own data
API_PUBLIC = r(OK, OK, OK, OK, OK, OK)

EXPECTED: dict[str, dict[str, str | int]] = {}

# --- GET, per pattern (URL name, or the route where the pattern has no name) ----------------
EXPECTED.update(
    {
        # site
        "home": r(OK, OK, OK, INDEX, INDEX, INDEX),  # visitors see it; users are sent on
        "health": EVERYONE,
        "favicon": EVERYONE,
        "metrics": r(404, 404, 404, 404, 404, 404),  # no METRICS_TOKEN set: no such page
        # the installable app (mtt/pwa.py): the same for everyone, no personal data
        "manifest": EVERYONE,
        "service_worker": EVERYONE,
        "offline": EVERYONE,
        # exercise pictures: a name nobody stored; a stored one answers everyone (catalogue
        # content, tests/programs/test_media.py)
        "media": r(404, 404, 404, 404, 404, 404),
        "set_language": EVERYONE,  # GET only redirects back
        "reminders:calendar": EVERYONE,  # the secret feed URL is the credential
        # accounts
        "login": EVERYONE,
        "logout": POST_ONLY,
        "login_link_request": EVERYONE,
        "login_link": EVERYONE,  # shows a button; the one-time link is the credential
        "password_reset": EVERYONE,
        "password_reset_done": EVERYONE,
        "password_reset_confirm": EVERYONE,
        "password_reset_complete": EVERYONE,
        "invitation_accept": EVERYONE,
        "password_change": SIGNED_IN,
        "profile": PORTAL,
        "token_revoke": PORTAL_POST,  # the profile's "sign out this app" button
        "calendar_renew": PORTAL_POST,  # the profile's "renew the secret address" button
        "language": POST_ONLY,
        # portal
        "portal:today": PORTAL,
        "portal:next_day_check": PORTAL_POST,
        # POST only; another patient's item is 404 (tests/portal/test_variants.py)
        "portal:switch_variant": PORTAL_POST,
        "portal:session": PORTAL,
        "portal:session_feedback": PORTAL_OWN,
        "portal:symptom_report": PORTAL,
        "portal:symptom_report_result": PORTAL_OWN,
        "portal:history": PORTAL,
        "portal:progress": PORTAL,
        "portal:habits": PORTAL,
        "portal:programme_pdf": PORTAL,  # the patient's own take-home programme
        "portal:questionnaires": PORTAL,
        "portal:questionnaire_result": PORTAL_OWN,
        "portal:questionnaire_fill": PORTAL,
        # API: the catalogue (public reads), schema and docs
        "phase-list": API_PUBLIC,
        "phase-detail": API_PUBLIC,
        "goal-list": API_PUBLIC,
        "goal-detail": API_PUBLIC,
        "exercise-list": API_PUBLIC,
        "exercise-detail": API_PUBLIC,
        "program-list": API_PUBLIC,
        "program-detail": API_PUBLIC,
        "api-root": API_PUBLIC,  # the list of resources, nothing more
        "schema": API_PUBLIC,
        "api-docs": API_PUBLIC,
        # API: patients' data
        "me-today": API_PATIENT,
        "me-profile": API_PATIENT,
        "auth-token": r(401, 401, 401, 401, 401, 401),  # POST obtains; DELETE needs the token
        "auth-token-list": API_ALL,  # the caller's own tokens
        "auth-token-detail": r(401, OK, 404, 404, 404, 404),  # anna's token: hers alone
        "patient-list": API_ALL,
        "patient-detail": API_OWN,
        "assignment-list": API_ALL,
        "assignment-detail": API_OWN,
        "assignment-advance": r(401, 403, 403, 405, 405, 405),  # therapists, POST only
        "assignment-regress": r(401, 403, 403, 405, 405, 405),
        "assignment-readiness": API_OWN,
        # one patient's prescription, therapists only (tests/api/test_prescription_items.py)
        "assignment-item-list": r(401, 403, 403, OK, 404, OK),
        "assignment-item-detail": r(401, 403, 403, OK, 404, OK),
        "assignment-item-move": r(401, 403, 403, 405, 405, 405),  # POST only
        "session-list": API_ALL,
        "session-detail": API_OWN,
        "next-day-check-list": API_ALL,
        "next-day-check-detail": API_OWN,
        "questionnaire-response-list": API_ALL,
        "questionnaire-response-detail": API_OWN,
        "questionnaire-list": API_ALL,
        "questionnaire-due": r(401, OK, OK, 403, 403, 403),  # the calling patient's
        "questionnaire-detail": API_ALL,
        # a patient's questionnaire requests: listed in scope; sent by therapists (POST)
        "patient-questionnaire-requests": API_OWN,
        "patient-questionnaire-request-cancel": r(401, 405, 405, 405, 405, 405),  # POST only
        "habit-list": r(401, OK, OK, 400, 400, 400),  # staff must name the patient
        "habit-tick": r(401, 405, 405, 405, 405, 405),  # POST only (and for patients only)
        "habit-untick": r(401, 405, 405, 405, 405, 405),
        "me-export": API_PATIENT,
        "me-programme": API_PATIENT,
        "me-consent": API_PATIENT,
        # API: the safety loop (symptom reports, screenings, red flags and their clearance)
        "me-symptom-report-list": API_PATIENT,
        # API: push reminders (the public key, the patient's own devices)
        "push-public-key": API_PATIENT,
        "me-push-subscription-list": API_PATIENT,
        "me-push-subscription-detail": r(401, OK, 404, 403, 403, 403),  # anna's device
        "patient-screenings": r(401, 403, 403, 405, 405, 405),  # therapists, POST only
        "red-flag-codes": API_ALL,
        "red-flag-list": API_ALL,
        "red-flag-detail": API_OWN,
        "red-flag-clear": r(401, 403, 403, 405, 405, 405),  # therapists, POST only
        # privacy: the patient's own data export and consent; staff have no such page
        "privacy:overview": r(LOGIN, OK, OK, 404, 404, 404),
        "privacy:consent": r(LOGIN, OK, OK, 404, 404, 404),
        "privacy:consent_withdraw": POST_ONLY,
        "privacy:export_json": r(LOGIN, OK, OK, 404, 404, 404),
        "privacy:export_pdf": r(LOGIN, OK, OK, 404, 404, 404),
    }
)

# Admin: the site's own pages.
EXPECTED.update(
    {
        "admin:index": STAFF,  # the therapist's start page ("Heute")
        "admin:apps": STAFF,  # Django's list of apps, linked from the start page
        "admin:login": r(OK, OK, OK, INDEX, INDEX, INDEX),  # patients read "not authorised"
        "admin:logout": r(INDEX, INDEX, INDEX, 405, 405, 405),  # POST only
        "admin:two_factor": r(LOGIN, LOGIN, LOGIN, INDEX, INDEX, INDEX),  # verified: on to next
        "admin:password_change": STAFF,
        "admin:password_change_done": STAFF,
        "admin:autocomplete": r(LOGIN, LOGIN, LOGIN, 403, 403, 403),  # needs a field to search
        "admin:jsi18n": STAFF,
        "admin:view_on_site": STAFF_404,  # patients have no public page
        "admin:app_list": STAFF,
        "admin/(?P<url>.*)$": STAFF_404,  # the catch-all for unknown admin URLs
    }
)


def model_admin_rows(model: str, *, lists, add, view, delete):
    """The pages Django's ModelAdmin adds for ``app_label.model``; ``view`` stands for the change
    and history pages. The bare object URL only redirects to the change page."""
    app_label, model_name = model.split(".")
    prefix = f"admin:{app_label}_{model_name}"
    return {
        f"{prefix}_changelist": lists,
        f"{prefix}_add": add,
        f"{prefix}_change": view,
        f"{prefix}_history": view,
        f"{prefix}_delete": delete,
        f"admin/{app_label}/{model_name}/<path:object_id>/": r(LOGIN, LOGIN, LOGIN, OK, OK, OK),
    }


ADMIN_MODELS = {
    # model: (changelist, add, change and history, delete)
    "auth.group": (SUPERUSER, SUPERUSER, SUPERUSER, SUPERUSER),
    "auth.user": (SUPERUSER, SUPERUSER, SUPERUSER, SUPERUSER),
    "tokens.apitoken": (SUPERUSER, NOBODY, SUPERUSER, SUPERUSER),
    # the practice-wide catalogue: therapists read it (a read-only change page), the practice
    # admin writes it; a therapist adds programmes of their own (CATALOGUE_WRITES below)
    "programs.phase": (STAFF, SUPERUSER, STAFF, SUPERUSER),
    "programs.traininggoal": (STAFF, SUPERUSER, STAFF, SUPERUSER),
    "programs.exercise": (STAFF, SUPERUSER, STAFF, SUPERUSER),
    "programs.dailyhabit": (STAFF, SUPERUSER, STAFF, SUPERUSER),
    "programs.program": (STAFF, STAFF, STAFF, SUPERUSER),
    "patients.alert": (STAFF, NOBODY, STAFF_OWN, OWN_SUPERUSER),
    "patients.sessionlog": (STAFF, NOBODY, STAFF_OWN, OWN_SUPERUSER),
    "patients.assignment": (STAFF, NOBODY, STAFF_OWN, OWN_SUPERUSER),
    "patients.redflag": (STAFF, NOBODY, STAFF_OWN, OWN_SUPERUSER),
    "patients.symptomreport": (STAFF, NOBODY, STAFF_OWN, OWN_SUPERUSER),  # read-only
    "patients.patient": (STAFF, STAFF, STAFF_OWN, OWN_SUPERUSER),
    "questionnaires.questionnaire": (STAFF, SUPERUSER, STAFF, SUPERUSER),
    "questionnaires.item": (STAFF, SUPERUSER, STAFF, SUPERUSER),
    "questionnaires.response": (STAFF, NOBODY, STAFF_OWN, OWN_SUPERUSER),
    "reminders.delivery": (STAFF, NOBODY, STAFF_OWN, OWN_SUPERUSER),
    "reminders.digest": (STAFF, NOBODY, STAFF_OWN, OWN_SUPERUSER),  # a therapist's own digests
    "reminders.reminderrun": (SUPERUSER, NOBODY, SUPERUSER, SUPERUSER),
    "otp_totp.totpdevice": (SUPERUSER, SUPERUSER, SUPERUSER, SUPERUSER),
    "axes.accessattempt": (SUPERUSER, NOBODY, SUPERUSER, SUPERUSER),
    "axes.accessfailurelog": (SUPERUSER, NOBODY, SUPERUSER, SUPERUSER),
    "axes.accesslog": (SUPERUSER, NOBODY, SUPERUSER, SUPERUSER),
    # the audit log is append-only: read by the practice admin, written by the app only
    "audit.auditentry": (SUPERUSER, NOBODY, SUPERUSER, NOBODY),
    "privacy.consentrecord": (SUPERUSER, NOBODY, SUPERUSER, NOBODY),
}
for _model, (_lists, _add, _view, _delete) in ADMIN_MODELS.items():
    EXPECTED.update(model_admin_rows(_model, lists=_lists, add=_add, view=_view, delete=_delete))

# Admin: the patient page's own actions (POST forms) and the questionnaire import.
EXPECTED.update(
    {
        "admin:patients_patient_screening": STAFF_POST,
        "admin:patients_patient_clear_red_flag": STAFF_POST,
        "admin:patients_patient_assign": STAFF_POST,
        "admin:patients_patient_advance": STAFF_POST,
        "admin:patients_patient_regress": STAFF_POST,
        "admin:patients_patient_pause": STAFF_POST,
        "admin:patients_patient_resume": STAFF_POST,
        # the programme builder's forms (tests/patients/test_admin_builder.py)
        "admin:patients_patient_prescription_add": STAFF_POST,
        "admin:patients_patient_prescription_change": STAFF_POST,
        "admin:patients_patient_prescription_remove": STAFF_POST,
        "admin:patients_patient_prescription_move": STAFF_POST,
        "admin:patients_patient_programme_pdf": STAFF_OWN,  # "Print programme", audited
        "admin:patients_alert_acknowledge": STAFF_POST,  # start page and patient page
        "admin:patients_alert_call_back": STAFF_POST,  # "call-back noted" on the start page
        # "See as patient": read-only portal pages of the patient, audited
        "admin:patients_patient_preview_today": STAFF_OWN,
        "admin:patients_patient_preview_session": STAFF_OWN,
        "admin:patients_patient_preview_progress": STAFF_OWN,
        # "Send questionnaire": the form (GET) for one's own patient; cancelling is POST only
        "admin:questionnaires_questionnaire_send": STAFF_OWN,
        "admin:questionnaires_questionnaire_request_cancel": STAFF_POST,
        "admin:questionnaires_questionnaire_import_fhir": SUPERUSER,
        "admin:programs_program_copy": STAFF_POST,  # "Copy to my programmes"
        "admin:auth_user_password_change": SUPERUSER,
        # a therapist may not read consent records; another's patient's record is not there
        "admin:privacy_consentrecord_history": r(LOGIN, LOGIN, LOGIN, 403, INDEX, OK),
        "admin:otp_totp_totpdevice_config": SUPERUSER,  # shows the device's QR code
        "admin:otp_totp_totpdevice_qrcode": SUPERUSER,
        "admin:tokens_apitoken_mine": STAFF,  # one's own API tokens (verified sessions only)
    }
)

# POST with an empty body to the API's object actions: a caller who may act on the object gets
# 400 (the body is missing), anyone else 404 for another's object, 403 for the wrong role.
WRITES = {
    "assignment-advance": r(401, 403, 403, 400, 404, 400),
    "assignment-regress": r(401, 403, 403, 400, 404, 400),
    "assignment-item-list": r(401, 403, 403, 400, 404, 400),  # adding needs an exercise
    "assignment-item-move": r(401, 403, 403, 400, 404, 400),  # moving needs a direction
    "habit-tick": r(401, OK, OK, 403, 403, 403),  # a habit of the programme both patients follow
    "patient-screenings": r(401, 403, 403, 400, 404, 400),
    "red-flag-clear": r(401, 403, 403, 400, 404, 400),
    "patient-questionnaire-requests": r(401, 403, 403, 400, 404, 400),
}


# --- building concrete URLs ------------------------------------------------------------------
def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            key = f"{namespace}{pattern.name}" if pattern.name else route
            yield key, route, pattern


def all_patterns():
    return list(walk(get_resolver().url_patterns))


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


class Objects:
    """The objects the URLs point at: anna's and her therapist's."""

    def __init__(self, world):
        patient = world.patient
        self.world = world
        self.red_flag = RedFlag.objects.create(
            patient=patient, sign=RedFlagSign.choices[0][0], source=RedFlagSource.choices[0][0]
        )
        self.alert = Alert.objects.create(patient=patient, kind="pain_rise")
        self.symptom_report = patient.symptom_reports.create(
            reported_at=timezone.now(),
            local_date=timezone.localdate(),
            red_flag_saddle_numbness=False,
            red_flag_bladder_bowel=False,
            red_flag_leg_weakness=False,
            pain=2,
        )
        self.next_day_check = NextDayCheck.objects.filter(session__patient=patient).first()
        self.item = world.assignment.items.order_by("pk").first()
        self.habit = DailyHabit.objects.first()
        self.questionnaire = Questionnaire.objects.get(slug="nrs-pain-week")
        self.questionnaire_request = questionnaire_request_create(
            patient=patient, questionnaire=self.questionnaire, requested_by=world.therapist
        )
        self.token, _secret = token_create(user=patient.user)
        self.own_program = program_copy(
            program=Program.objects.get(slug="master"), owner=world.therapist
        )
        self.push_device = PushSubscription.objects.create(
            patient=patient,
            endpoint="https://push.example.org/send/anna",
            p256dh="B" + "A" * 86,
            auth="A" * 22,
        )
        calendar_token_rotate(patient=patient)
        confirmed_device(world.therapist)
        self._extra_admin_objects()

    def _extra_admin_objects(self):
        patient, therapist = self.world.patient, self.world.therapist
        now, day = timezone.now(), timezone.localdate()
        state = {"batch": uuid.uuid4(), "updated_at": now}
        Delivery.objects.create(patient=patient, day=day, kind=ReminderKind.SESSION, **state)
        Digest.objects.create(therapist=therapist, week=day, **state)
        SymptomReport.objects.create(
            patient=patient,
            reported_at=now,
            local_date=day,
            red_flag_saddle_numbness=False,
            red_flag_bladder_bowel=False,
            red_flag_leg_weakness=False,
            pain=2,
        )
        ReminderRun.objects.create(started_at=now, window_start=now, window_end=now)
        client = {"username": "anna", "ip_address": "198.51.100.1", "user_agent": "test"}
        AccessAttempt.objects.create(**client, attempt_time=now, failures_since_start=1)
        AccessFailureLog.objects.create(**client, attempt_time=now)
        AccessLog.objects.create(**client, attempt_time=now)
        AuditEntry.objects.create(
            user=therapist,
            patient_id=patient.pk,
            action=AuditAction.choices[0][0],
            object_type="patients.patient",
            object_id=str(patient.pk),
        )

    def admin_object_id(self, model) -> int:
        world = self.world
        by_model = {
            Patient: world.patient.pk,
            RedFlag: self.red_flag.pk,
            Alert: self.alert.pk,
            Group: Group.objects.get(name="Therapeut").pk,
            Phase: Phase.objects.first().pk,
            TrainingGoal: TrainingGoal.objects.first().pk,
            Exercise: Exercise.objects.first().pk,
            Program: Program.objects.get(slug="master").pk,
            Questionnaire: self.questionnaire.pk,
            Item: self.questionnaire.items.first().pk,
        }
        if model in by_model:
            return by_model[model]
        fields = {field.name for field in model._meta.get_fields()}
        queryset = model._default_manager.all()
        if "patient" in fields:
            queryset = queryset.filter(patient=world.patient)
        elif "therapist" in fields:
            queryset = queryset.filter(therapist=world.therapist)
        elif "user" in fields and model._meta.app_label != "auth":
            queryset = queryset.filter(user__in=[world.patient.user, world.therapist])
        if model._meta.label == "auth.User":
            return world.patient.user.pk
        obj = queryset.order_by("pk").first()
        return obj.pk if obj else 999_999_999

    def kwargs(self, key: str, pattern: URLPattern) -> dict:
        world = self.world
        patient = world.patient
        names = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
        if not names:
            return {}
        model_admin = getattr(pattern.callback, "model_admin", None)
        values = {}
        if "object_id" in names:
            values["object_id"] = (
                self.admin_object_id(model_admin.model) if model_admin else patient.pk
            )
        if "id" in names:  # the admin's password form for a user
            values["id"] = patient.user.pk
        if "flag_id" in names:
            values["flag_id"] = self.red_flag.pk
        if "assignment_pk" in names:
            values["assignment_pk"] = world.assignment.pk
        if "item_id" in names:
            values["item_id"] = self.item.pk
        if "patient_id" in names:
            values["patient_id"] = patient.pk
        if "request_id" in names:
            values["request_id"] = self.questionnaire_request.pk
        if "content_type_id" in names:
            values["content_type_id"] = ContentType.objects.get_for_model(Patient).pk
        if "app_label" in names:
            values["app_label"] = "patients"
        if "url" in names:
            values["url"] = "no-such-page/"
        if "path" in names:
            values["path"] = "exercises/no-such-file.jpg"
        if "uidb64" in names:
            values["uidb64"] = _uid(patient.user)
            generator = {
                "login_link": login_link_token,
                "invitation_accept": invitation_token,
            }.get(key, default_token_generator)
            values["token"] = generator.make_token(patient.user)
        elif "token" in names:
            values["token"] = patient.calendar_token
        if "slug" in names:
            values["slug"] = self.questionnaire.slug
        if "pk" in names:
            values["pk"] = self.api_pk(key)
        missing = names - set(values)
        assert not missing, f"{key}: no value for {missing}; teach Objects.kwargs about it"
        return values

    def api_pk(self, key: str):
        world = self.world
        catalogue = {
            "phase": Phase.objects.first().pk,
            "goal": TrainingGoal.objects.first().pk,
            "exercise": Exercise.objects.first().pk,
            "program": Program.objects.get(slug="master").pk,
        }
        for prefix, value in catalogue.items():
            if key.startswith(f"{prefix}-"):
                return value
        own = {
            "admin:otp_totp_totpdevice_": confirmed_device(world.therapist).pk,
            "auth-token-": self.token.pk,
            "me-push-subscription-": self.push_device.pk,
            "portal:session_feedback": world.session.pk,
            "portal:questionnaire_result": world.response.pk,
            "portal:symptom_report_result": self.symptom_report.pk,
            "patient-": world.patient.pk,
            "assignment-item-": self.item.pk,
            "assignment-": world.assignment.pk,
            "session-": world.session.pk,
            "next-day-check-": self.next_day_check.pk,
            "questionnaire-response-": world.response.pk,
            "questionnaire-": self.questionnaire.pk,
            "habit-": self.habit.pk,
            "red-flag-": self.red_flag.pk,
        }
        for prefix, value in own.items():
            if key.startswith(prefix):
                return value
        return world.patient.pk

    def url(self, key: str, route: str, pattern: URLPattern) -> str:
        values = self.kwargs(key, pattern)
        url = "/" + route
        if "^" in route or "(?P<" in route:
            url = "/" + re.sub(r"[\^$]", "", route)
            for name, value in values.items():
                url = re.sub(rf"\(\?P<{name}>[^)]*\)(\))?", str(value), url)
            url = url.replace("\\.", ".")
        for name, value in values.items():
            url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
        assert "<" not in url and "(" not in url, f"{key}: could not build a URL from {route}"
        return url


def outcome(response) -> str | int:
    status = response.status_code
    if 300 <= status < 400:
        location = response["Location"]
        if location.startswith(("/accounts/login/", "/admin/login/")):
            return LOGIN
        if location == "/admin/":
            return INDEX
        assert location.startswith("/") or location.startswith("?"), location  # within the site
        return OK
    if 200 <= status < 300:
        return OK
    return status


def client_for(world, role) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = world.user(role)
    if user is not None:
        login_verified(client, user)
    return client


def _missing_rows():
    return [key for key, _route, _pattern in all_patterns() if key not in EXPECTED]


def test_every_url_pattern_has_an_expectation():
    missing = _missing_rows()
    assert not missing, (
        "These URL patterns have no row in tests/security/test_url_matrix.py EXPECTED. Add one "
        "that says, per role (anonymous, patient, other_patient, therapist, other_therapist, "
        "admin), what a GET must answer (OK, LOGIN, 400, 401, 403, 404, 405):\n  "
        + "\n  ".join(missing)
    )


def test_the_table_has_no_stale_rows():
    keys = {key for key, _route, _pattern in all_patterns()}
    stale = sorted(set(EXPECTED) - keys)
    assert not stale, f"rows for URL patterns that no longer exist: {stale}"


@pytest.fixture(scope="module")
def objects(module_world, django_db_blocker) -> Objects:
    """Built once per module and worker, in the transaction of ``module_world``."""
    with django_db_blocker.unblock():
        return Objects(module_world)


@pytest.fixture(scope="module")
def clients(module_world, objects, django_db_blocker) -> dict[str, Client]:
    """One signed-in client per role for all URLs, as a user would browse; their sessions live in
    the module's transaction too."""
    with django_db_blocker.unblock():
        return {role: client_for(module_world, role) for role in ROLES}


def _patterns() -> dict[str, tuple[str, URLPattern]]:
    return {key: (route, pattern) for key, route, pattern in all_patterns()}


# MATRIX_DUMP=/tmp/dir also asks the URLs without a row and writes what each role got, as JSON.
_DUMP = os.environ.get("MATRIX_DUMP")
_KEYS = [key for key in _patterns() if _DUMP or key in EXPECTED]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", _KEYS)
def test_each_role_gets_what_the_table_says(key, role, objects, clients, db):
    route, pattern = _patterns()[key]
    url = objects.url(key, route, pattern)

    response = clients[role].get(url)

    observed = outcome(response)
    if _DUMP:
        dump = Path(_DUMP, f"{role}.json")
        table = json.loads(dump.read_text()) if dump.exists() else {}
        dump.write_text(json.dumps({**table, key: observed}))
    if key in EXPECTED:
        assert observed == EXPECTED[key][role], (
            f"{role} GET {url} ({key}): expected {EXPECTED[key][role]}, got "
            f"{response.status_code} {response.get('Location', '')}"
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(WRITES))
def test_api_object_actions_answer_404_for_others(key, role, objects, clients, db):
    route, pattern = _patterns()[key]
    url = objects.url(key, route, pattern)

    response = clients[role].post(url, {}, content_type="application/json")

    assert outcome(response) == WRITES[key][role], response.content


# POST with an empty body to the catalogue's change and delete pages: only the practice admin
# writes the practice-wide catalogue (403 for therapists, POST as GET), while the therapist's own
# programme ("my programmes") is theirs to change and delete and not there for another therapist
# (INDEX on its change page; 403 on its delete page, as for any id a therapist may not delete,
# so neither tells whether it exists). An empty POST writes nothing: the change form is invalid,
# a delete is not confirmed.
PRACTICE_WIDE = r(LOGIN, LOGIN, LOGIN, 403, 403, OK)
CATALOGUE_WRITES = {
    (view, name): PRACTICE_WIDE
    for name in ("phase", "traininggoal", "exercise", "dailyhabit", "program")  # the MASTER
    for view in ("change", "delete")
} | {
    # the therapist's copy of the MASTER
    ("change", "own program"): r(LOGIN, LOGIN, LOGIN, OK, INDEX, OK),
    ("delete", "own program"): r(LOGIN, LOGIN, LOGIN, OK, 403, OK),
}


@pytest.mark.parametrize("role", ROLES)
# "view", not "page": that is Playwright's fixture, and would make these browser tests.
@pytest.mark.parametrize("view, name", list(CATALOGUE_WRITES))
def test_only_the_practice_admin_writes_the_practice_wide_catalogue(
    view, name, role, objects, clients, db
):
    model = {"own program": Program}.get(name) or next(
        model
        for model in (Phase, TrainingGoal, Exercise, DailyHabit, Program)
        if model._meta.model_name == name
    )
    pk = objects.own_program.pk if name == "own program" else objects.admin_object_id(model)
    url = f"/admin/programs/{model._meta.model_name}/{pk}/{view}/"
    before = model.objects.filter(pk=pk).values().get()

    response = clients[role].post(url, {})

    assert outcome(response) == CATALOGUE_WRITES[view, name][role], response.status_code
    assert model.objects.filter(pk=pk).values().get() == before
