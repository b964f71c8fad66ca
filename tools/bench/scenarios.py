"""What ``make bench`` measures: the rows of the table and the credentials each row's load uses.

Every row but the ceiling signs in the way real clients do: bearer tokens for the API rows,
session cookies for the portal page and the admin. The load rotates over several patients so
it is not one cached row of one table. The credentials are made for the run and removed again
afterwards (``cleanup``), as are the sessions the POST row writes.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.utils import timezone

from accounts.language import SESSION_KEY as LANGUAGE_SESSION_KEY
from patients.models import Assignment, AssignmentStatus, Patient, SessionLog
from tokens.models import ApiToken
from tokens.services import token_create

PATIENTS = 20  # whose tokens and cookies the load rotates over
ENTRIES = 3  # exercises per posted session
ADMIN_THERAPIST = "therapist1"  # seed_demo deals 10 000 patients to 50 therapists: 200 each
IDEMPOTENCY_PREFIX = "bench-"
TOKEN_TTL = timedelta(hours=6)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    path: str
    method: str = "GET"
    credentials: str = ""  # "", "token", "patient-cookie", "admin-cookie", "post"
    expect: int = 200
    share_target: float | None = None  # of the Django ceiling's requests per second
    query_budget: int | None = None
    p99_target_ms: float | None = None
    server: str = "project"  # or "django": the one-file app of tools/bench/django_ceiling.py


# The targets are docs/product.md's ("Performance and scale").
ROWS = (
    Row(
        "django_ceiling",
        "Django's default middleware, one indexed query (one-file app; the ceiling)",
        "/",
        server="django",
    ),
    Row(
        "project_ceiling",
        "this project's middleware, one indexed query (its own ceiling)",
        "/bench/ceiling/",
    ),
    Row(
        "me_today",
        "GET /api/v1/me/today/",
        "/api/v1/me/today/",
        credentials="token",
        share_target=0.40,
        query_budget=6,  # one more since exercise media: all exercises' pictures in one query
        p99_target_ms=50,
    ),
    Row(
        "sessions_list",
        "GET /api/v1/sessions/ (a patient's page of 20 with entries)",
        "/api/v1/sessions/",
        credentials="token",
        share_target=0.30,
        query_budget=4,
        p99_target_ms=50,
    ),
    Row(
        "sessions_post",
        f"POST /api/v1/sessions/ ({ENTRIES} entries)",
        "/api/v1/sessions/",
        method="POST",
        credentials="post",
        expect=201,
        share_target=0.25,
        query_budget=8,
        p99_target_ms=50,
    ),
    Row(
        "portal_today",
        "GET /today/ (portal)",
        "/today/",
        credentials="patient-cookie",
        share_target=0.35,
    ),
    Row(
        "admin_patient_list",
        "GET /admin/patients/patient/ (therapist with 200 patients)",
        "/admin/patients/patient/",
        credentials="admin-cookie",
        share_target=0.15,
    ),
)
CEILINGS = ("django_ceiling", "project_ceiling")  # measured in every run, whatever --rows says
BY_KEY = {row.key: row for row in ROWS}


def select_rows(keys: Iterable[str] | None = None) -> tuple[Row, ...]:
    """The rows of a run in the table's order: both ceilings and ``keys`` (all rows when
    ``keys`` is empty). An unknown key is an error that names the known ones."""
    unknown = sorted(set(keys or ()) - set(BY_KEY))
    if unknown:
        raise CommandError(
            f"Unknown row {', '.join(unknown)}; rows: {', '.join(BY_KEY)} "
            "(both ceilings always run)."
        )
    wanted = set(keys or BY_KEY) | set(CEILINGS)
    return tuple(row for row in ROWS if row.key in wanted)


@dataclass
class Credentials:
    """Per row, the lines ``tools/bench/wrk.lua`` rotates over: ``Header: value`` for a GET,
    ``token<TAB>body`` for the POST."""

    lines: dict[str, list[str]] = field(default_factory=dict)
    token_ids: list[int] = field(default_factory=list)
    session_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def write(self, directory: Path) -> dict[str, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        paths = {}
        for kind, lines in self.lines.items():
            paths[kind] = directory / f"{kind}.txt"
            paths[kind].write_text("".join(f"{line}\n" for line in lines))
        return paths


def check_scale_data(*, patients: int, therapists: int) -> None:
    """The bench needs the scale data; a partial seed is completed by running seed_demo again."""
    have = Patient.objects.filter(user__username__startswith="patient").count()
    staff = get_user_model().objects.filter(username__startswith="therapist").count()
    if have < patients or staff < therapists:
        raise CommandError(
            f"The bench database has {have} demo patients and {staff} therapists; "
            f"expected {patients} and {therapists}. Run seed_demo first (scripts/bench.sh does)."
        )


def bench_patients(count: int = PATIENTS) -> list[Patient]:
    """Patients with an active programme of at least ``ENTRIES`` exercises, spread over the whole
    table (and so over therapists)."""
    ids = list(
        Assignment.objects.filter(status=AssignmentStatus.ACTIVE)
        .alias(exercises=Count("items", filter=Q(items__removed_at__isnull=True)))
        .filter(exercises__gte=ENTRIES)
        .order_by("patient_id")
        .values_list("patient_id", flat=True)
    )
    if len(ids) < count:
        raise CommandError(f"Only {len(ids)} patients have an active programme; need {count}.")
    step = len(ids) // count
    chosen = ids[::step][:count]
    return list(Patient.objects.filter(pk__in=chosen).select_related("user").order_by("pk"))


def _session_cookie(user, *, extra: dict | None = None) -> str:
    """A signed-in session as the login view would store it."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    for key, value in (extra or {}).items():
        store[key] = value
    store.create()
    if store.session_key is None:  # create() always sets one
        raise RuntimeError("the session store gave no key")
    return store.session_key


def _admin_session_extra(user, notes: list[str]) -> dict:
    """With django-otp installed, the admin session is OTP-verified like after entering a code."""
    if not apps.is_installed("django_otp"):
        notes.append("django-otp is not installed: the admin session is password-only.")
        return {}
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    notes.append("The admin session is TOTP-verified (django-otp), as after entering a code.")
    return {DEVICE_ID_SESSION_KEY: device.persistent_id}


def _ensure_consent(patient: Patient, notes: list[str]) -> None:
    """A bench patient has agreed to the consent text in force (seed_demo's data may predate
    it); otherwise every page would answer with the consent page."""
    if not apps.is_installed("privacy"):
        return
    from privacy.models import ConsentSource
    from privacy.services import consent_give, consent_required

    if consent_required(patient):
        consent_give(patient=patient, by=patient.user, source=ConsentSource.PORTAL)
        note = "Bench patients without consent to the current text were given it first."
        if note not in notes:
            notes.append(note)


def session_body(assignment: Assignment, *, performed_at) -> str:
    exercises = list(
        assignment.items.filter(removed_at__isnull=True)
        .order_by("order", "pk")
        .values_list("exercise_id", flat=True)[:ENTRIES]
    )
    if len(exercises) < ENTRIES:
        raise CommandError(f"Assignment {assignment.pk} has fewer than {ENTRIES} exercises.")
    return json.dumps(
        {
            "performed_at": performed_at.isoformat(),
            "pain_before": 2,
            "pain_after": 2,
            "rpe": 5,
            "notes": "",
            # Required since the API never takes an unanswered safety question as "no".
            "red_flag_saddle_numbness": False,
            "red_flag_bladder_bowel": False,
            "red_flag_leg_weakness": False,
            "entries": [
                {"exercise": pk, "sets_done": 3, "reps": 10, "pain": 1} for pk in exercises
            ],
        },
        separators=(",", ":"),
    )


def prepare() -> Credentials:
    """Tokens and sessions for this run; an hour ago is the moment every posted session took
    place (the API refuses sessions in the future)."""
    credentials = Credentials()
    patients = bench_patients()
    performed_at = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    tokens, cookies, posts = [], [], []
    for patient in patients:
        _ensure_consent(patient, credentials.notes)
        row, token = token_create(user=patient.user, ttl=TOKEN_TTL)
        credentials.token_ids.append(row.pk)
        tokens.append(f"Authorization: Bearer {token}")
        key = _session_cookie(patient.user, extra={LANGUAGE_SESSION_KEY: patient.language})
        credentials.session_keys.append(key)
        cookies.append(f"Cookie: {settings.SESSION_COOKIE_NAME}={key}")
        assignment = Assignment.objects.get(patient=patient, status=AssignmentStatus.ACTIVE)
        posts.append(f"{token}\t{session_body(assignment, performed_at=performed_at)}")
    therapist = get_user_model().objects.get(username=ADMIN_THERAPIST)
    if not therapist.is_staff:
        raise CommandError(f"{ADMIN_THERAPIST} is not staff.")
    admin_key = _session_cookie(therapist, extra=_admin_session_extra(therapist, credentials.notes))
    credentials.session_keys.append(admin_key)
    credentials.lines = {
        "token": tokens,
        "patient-cookie": cookies,
        "admin-cookie": [f"Cookie: {settings.SESSION_COOKIE_NAME}={admin_key}"],
        "post": posts,
    }
    return credentials


def delete_posted_sessions() -> int:
    """The sessions the POST row (and the query pass) wrote, so every run sees the same data."""
    deleted, _ = SessionLog.objects.filter(idempotency_key__startswith=IDEMPOTENCY_PREFIX).delete()
    return deleted


def cleanup(credentials: Credentials) -> None:
    delete_posted_sessions()
    ApiToken.objects.filter(pk__in=credentials.token_ids).delete()
    Session.objects.filter(session_key__in=credentials.session_keys).delete()
