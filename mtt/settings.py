"""Settings for MTT Rücken, read from environment variables (README lists them) and, in local
development, from the ``.env`` file ``make run`` writes (mtt/envfile.py says when it is read).

Without any environment the project runs embedded (``make run``): SQLite under ``var/``, a Celery
broker on the file system, e-mail on the console. ``DEBUG`` off means production: a missing
``SECRET_KEY`` stops the start and ``manage.py check --deploy`` passes.
"""

from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from mtt import envfile

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# The process environment first, then (development only, or when asked) a .env file.
ENV_FILE_READ = envfile.load(BASE_DIR)
env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
    except ImproperlyConfigured as error:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (production). "
            "For local development run `make run` once (it writes a development .env) "
            "or set DEBUG=true."
        ) from error

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
# The port `make run` serves on; absolute links (e-mails, the calendar feed) follow it unless
# SITE_URL names the public address.
PORT = env.int("PORT", default=8000)
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "mtt.admin_apps.AdminConfig",  # django.contrib.admin with the second factor (mtt/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mtt",
    "tokens",
    "programs",
    "patients",
    "accounts",
    "questionnaires",
    "reminders",
    "audit",
    "privacy",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
]
# Demo data (tools.demo: seed_demo, setup_demo) is tooling, not part of the product: installed
# for `make run` (DEBUG), the tests and the bench, and in production only when asked for with
# DEMO_TOOLS=true (e.g. to load the demo into the docker compose stack).
if env.bool("DEMO_TOOLS", default=DEBUG):
    INSTALLED_APPS.append("tools.demo")

MIDDLEWARE = [
    "mtt.metrics.MetricsMiddleware",  # outermost: counts and times every answer (/metrics)
    "api.middleware.ApiErrorsMiddleware",  # first: every error under /api/ is JSON
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # api.bearer: the browser's middleware (login session, second factor, profile language,
    # messages), which API calls with a bearer token skip; Django's own otherwise.
    "api.bearer.SessionMiddleware",
    "api.bearer.LocaleMiddleware",  # bearer API calls: Accept-Language only
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "api.bearer.AuthenticationMiddleware",
    "api.bearer.OTPMiddleware",
    "api.bearer.ProfileLanguageMiddleware",
    "api.bearer.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the 429 answer
]

ROOT_URLCONF = "mtt.urls"
WSGI_APPLICATION = "mtt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: PostgreSQL from DATABASE_URL; embedded SQLite under var/ for `make run` (DEBUG on)
# otherwise. Production names its database: without DATABASE_URL it refuses to start rather than
# serve from an empty SQLite file that the next deployment throws away; an explicit
# sqlite:///path runs on SQLite on purpose (docs/operations.md "Configuration"). SQLite runs in
# WAL mode with immediate transactions so the web process and the worker can write at once.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;",
}
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    # Server-side parameters let psycopg prepare a statement after a few runs on the same
    # (persistent) connection: PostgreSQL then skips planning, which costs more than running
    # the small indexed queries of a request (make bench, docs/benchmarks.md). Switch it off
    # behind a transaction-pooling PgBouncer, which cannot keep prepared statements.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
        "DATABASE_PREPARED_STATEMENTS", default=True
    ):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=2
        )
    elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
elif DEBUG:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "mtt.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
else:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when DEBUG is off (production), e.g. "
        "postgres://user:password@host:5432/mtt; to run on SQLite on purpose, name the file: "
        "sqlite:////srv/mtt/mtt.sqlite3. For local development run `make run` or set DEBUG=true."
    )
# Persistent connections: a new PostgreSQL connection per request costs several times the
# throughput of the request itself.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# AxesStandaloneBackend first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UsernameOrEmailBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # patients go on to /today/, staff to /admin/
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login protection (accounts/lockout.py, docs/security.md): after AXES_FAILURE_LIMIT failed
# passwords for one username from one address, that pair is refused for AXES_COOLOFF_MINUTES,
# even with the right password. Counting by the pair means nobody can lock a patient out from
# everywhere. Each failure during the lock starts the wait again.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_USERNAME_CALLABLE = "accounts.lockout.username_for_lockout"
# The one reading of the client address behind proxies, validated (the audit log's too).
AXES_CLIENT_IP_CALLABLE = "audit.services.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Failures are kept only while they count (AccessAttempt); no log of every successful login.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Failed logins are counted in the database, which every process shares (docs/operations.md).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Two-factor authentication for the admin (accounts/two_factor.py): staff enrol an authenticator
# app (TOTP) and enter its code after the password. The embedded demo may switch it off.
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = "MTT Rücken"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers follow the active language; English as written in Britain (mtt/formats/en).
FORMAT_MODULE_PATH = ["mtt.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Exercise pictures and videos (programs/media.py, docs/operations.md "Media files"): files on
# disk under var/media/ (served by the app at MEDIA_URL, with names that change with the content
# so they are cached for a year), or any S3-compatible object store when MEDIA_S3_BUCKET is set.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
MEDIA_MAX_UPLOAD_MB = env.int("MEDIA_MAX_UPLOAD_MB", default=50)
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
MEDIA_ORIGINS: list[str] = []  # other origins the portal loads media from (CSP below)
if MEDIA_S3_BUCKET:
    MEDIA_S3_ENDPOINT_URL = env.str("MEDIA_S3_ENDPOINT_URL", default="")
    MEDIA_S3_CUSTOM_DOMAIN = env.str("MEDIA_S3_CUSTOM_DOMAIN", default="")
    MEDIA_S3_REGION = env.str("MEDIA_S3_REGION", default="")
    MEDIA_S3_OPTIONS = {
        "bucket_name": MEDIA_S3_BUCKET,
        "endpoint_url": MEDIA_S3_ENDPOINT_URL or None,
        "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
        "region_name": MEDIA_S3_REGION or None,
        "custom_domain": MEDIA_S3_CUSTOM_DOMAIN or None,
        "location": env.str("MEDIA_S3_PREFIX", default=""),
        # Public, unsigned URLs by default: the catalogue holds no personal data, and a signed
        # URL would change on every page and defeat the browser's cache.
        "querystring_auth": env.bool("MEDIA_S3_SIGNED_URLS", default=False),
        "default_acl": None,
        "file_overwrite": True,  # a name is its content's hash: same name, same bytes
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    if MEDIA_S3_CUSTOM_DOMAIN:
        MEDIA_ORIGINS = [f"https://{MEDIA_S3_CUSTOM_DOMAIN}"]
    elif MEDIA_S3_ENDPOINT_URL:
        MEDIA_ORIGINS = ["/".join(MEDIA_S3_ENDPOINT_URL.split("/")[:3])]
    else:
        MEDIA_ORIGINS = ["https://*.amazonaws.com"]
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": MEDIA_S3_OPTIONS,
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG


def mailer_from_url(url: str) -> dict:
    """A MAILERS entry from django-environ's EMAIL_URL schemes (smtp://, smtp+tls://,
    consolemail://, filemail:///path, …)."""
    config = environ.Env.email_url_config(url)
    options = {
        "host": config["EMAIL_HOST"],
        "port": config["EMAIL_PORT"],
        "username": config["EMAIL_HOST_USER"],
        "password": config["EMAIL_HOST_PASSWORD"],
        "use_tls": config.get("EMAIL_USE_TLS"),
        "use_ssl": config.get("EMAIL_USE_SSL"),
        "timeout": 10,
    }
    backend = config["EMAIL_BACKEND"]
    if backend.endswith("smtp.EmailBackend"):
        options = {key: value for key, value in options.items() if value is not None}
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": "/" + config["EMAIL_FILE_PATH"].lstrip("/")}
    else:
        options = {}
    return {"BACKEND": backend, "OPTIONS": options}


# Production without EMAIL_URL uses the local mail server, like Django always did.
MAILERS = {
    "default": mailer_from_url(
        env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
    )
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MTT Rücken <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when REDIS_URL is set; otherwise a broker on the file system under var/, so
# `make run` needs no server. Tasks store no results.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}  # visibility_timeout: below, from the reminder window
else:
    CELERY_BROKER_DIR = VAR_DIR / "celery"
    CELERY_BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"  # a host name: kombu warns without one
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Reminders (reminders/): the beat task runs every REMINDER_WINDOW_MINUTES and selects what fell
# due since the previous run; times are the patient's local wall-clock times. An empty time
# switches that kind off. docs/operations.md describes the processes and faults.
REMINDER_WINDOW_MINUTES = env.int("REMINDER_WINDOW_MINUTES", default=15)
REMINDER_EVENING_NUDGE_TIME = env.str("REMINDER_EVENING_NUDGE_TIME", default="19:30")
REMINDER_NEXT_DAY_TIME = env.str("REMINDER_NEXT_DAY_TIME", default="09:00")
REMINDER_HABITS_TIME = env.str("REMINDER_HABITS_TIME", default="11:00")
REMINDER_QUESTIONNAIRE_EVERY_DAYS = env.int("REMINDER_QUESTIONNAIRE_EVERY_DAYS", default=7)
REMINDER_DIGEST_WEEKDAY = env.int("REMINDER_DIGEST_WEEKDAY", default=0)  # Monday, practice time
REMINDER_DIGEST_TIME = env.str("REMINDER_DIGEST_TIME", default="07:00")
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
REMINDER_REQUEUE_AFTER_MINUTES = env.int("REMINDER_REQUEUE_AFTER_MINUTES", default=20)
REMINDER_EXPIRE_HOURS = env.int("REMINDER_EXPIRE_HOURS", default=12)
REMINDER_CATCH_UP_HOURS = env.int("REMINDER_CATCH_UP_HOURS", default=6)
REMINDER_SEND_BATCH = env.int("REMINDER_SEND_BATCH", default=50)
# Web Push reminders (reminders/push.py; README "Push reminders (Web Push)"): the server's VAPID
# key pair, URL-safe base64 without padding: the public key as the uncompressed P-256 point the
# browser subscribes with, the private key as the raw 32-byte scalar (`manage.py vapid_keys`
# makes a pair). Without both keys push is simply not offered. VAPID_SUBJECT is the contact the
# push services see (mailto: or https:); default: the sender address of the e-mails.
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str(
    "VAPID_SUBJECT", default="mailto:" + (parseaddr(DEFAULT_FROM_EMAIL)[1] or "noreply@localhost")
)
# How long a push service keeps a reminder for a phone that is offline (seconds).
PUSH_TTL_SECONDS = env.int("PUSH_TTL_SECONDS", default=12 * 60 * 60)
PUSH_TIMEOUT_SECONDS = env.int("PUSH_TIMEOUT_SECONDS", default=10)
# Browsers' push services are https; plain http is accepted only for a loopback address, and only
# in development (the tests' local push service turns it on).
PUSH_ALLOW_LOOPBACK_HTTP = env.bool("PUSH_ALLOW_LOOPBACK_HTTP", default=DEBUG)
# Redis: a task taken by a worker that died goes back to the queue after this long (Redis has no
# acknowledgement timeout of its own). One reminder window, so a lost run or send is redone before
# the next run, but at least 10 minutes: longer than any task's hard time limit (run_reminders: 6
# minutes), or a task still running would be handed to a second worker. Retry countdowns stay
# below half of it (REMINDER_RETRY_CAP_SECONDS): a waiting countdown task would otherwise be
# handed out twice. docs/operations.md "Worker faults".
BROKER_VISIBILITY_TIMEOUT = env.int(
    "BROKER_VISIBILITY_TIMEOUT", default=max(REMINDER_WINDOW_MINUTES * 60, 600)
)
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = BROKER_VISIBILITY_TIMEOUT
REMINDER_RETRY_CAP_SECONDS = min(3600, BROKER_VISIBILITY_TIMEOUT // 2)
# Urgent alert e-mails (red flag, escalation) have a queue of their own that every worker
# consumes next to the default one (a worker started without -Q takes all CELERY_TASK_QUEUES), so
# they never wait behind the chunks of a large reminder run. docs/operations.md "The urgent path".
REMINDER_URGENT_QUEUE = env.str("REMINDER_URGENT_QUEUE", default="urgent")
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, REMINDER_URGENT_QUEUE)
]

# One cache for every process (web workers, Celery), so that the login throttles and anything
# else counted in the cache count once, not per gunicorn worker: Redis when REDIS_URL is set (keys
# under CACHE_KEY_PREFIX, next to the broker's), otherwise a database table that
# scripts/run.sh creates (`manage.py createcachetable`). The login lockout (django-axes) counts
# in the database (AXES_HANDLER), shared as well. docs/operations.md "Cache".
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "mtt.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mtt"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "mtt_cache",
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mtt"),
        }
    }
CELERY_BEAT_SCHEDULE = {
    # Every minute: escalate unacknowledged red flags and enqueue urgent e-mails that wait (for
    # example after a broker outage). docs/operations.md "The urgent path".
    "urgent": {
        "task": "reminders.tasks.run_urgent",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    "reminders": {
        "task": "reminders.tasks.run_reminders",
        # On the clock (:00, :15, …) when the window divides the hour, so 18:00 goes out at 18:00.
        "schedule": crontab(minute=f"*/{REMINDER_WINDOW_MINUTES}")
        if 60 % REMINDER_WINDOW_MINUTES == 0
        else timedelta(minutes=REMINDER_WINDOW_MINUTES),
        # A run queued while no worker was up is dropped; the next run catches up its window.
        "options": {"expires": REMINDER_WINDOW_MINUTES * 60},
    },
    # privacy/: erase patients past the retention period, drop old delivery records and tokens.
    "privacy-retention": {
        "task": "privacy.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
}

# The practice (docs/clinical-safety.md): its name and phone number stand in the portal's footer,
# in the urgent banner after a red flag and on the printed programme. ALERT_ESCALATION_HOURS: a
# red-flag alert nobody acknowledged for this long is e-mailed to the practice admin.
PRACTICE_NAME = env.str("PRACTICE_NAME", default="MTT Rücken")
PRACTICE_PHONE = env.str("PRACTICE_PHONE", default="")
ALERT_ESCALATION_HOURS = env.int("ALERT_ESCALATION_HOURS", default=4)
# Clinical gates (patients/rules.py): a programme starts only after a screening this recent, and
# a session may be logged at most this many days back (never before the programme started).
SCREENING_VALID_DAYS = env.int("SCREENING_VALID_DAYS", default=30)
SESSION_BACKDATE_DAYS = env.int("SESSION_BACKDATE_DAYS", default=14)

# Privacy (privacy/, docs/security.md "Privacy"). CONSENT_VERSION names the consent text in
# force; a patient who agreed to another version is asked again before using portal or API.
# RETENTION_DAYS: patients without any activity for this long are erased (10 years: German
# medical record retention; 0 switches erasure off). RETENTION_DELIVERY_DAYS: reminder delivery
# records, reminder runs and dead API tokens are dropped after this many days (0: kept).
CONSENT_VERSION = env.str("CONSENT_VERSION", default="2026-11")
RETENTION_DAYS = env.int("RETENTION_DAYS", default=3650)
RETENTION_DELIVERY_DAYS = env.int("RETENTION_DELIVERY_DAYS", default=90)

# Run on every API request but in the views marked ``consent_exempt`` (api/base.py, ApiMixin):
# a patient who has not agreed to the consent text in force gets 403 ``consent_required``.
API_CALLER_CHECKS = ["privacy.api.require_consent"]
# The same in the portal (patients/portal/access.py, patient_required): a check answers a
# response (the consent page) or None.
PORTAL_CALLER_CHECKS = ["privacy.views.consent_gate"]
# What the patients app needs from the apps above it (patients/hooks.py), so it imports none of
# them: each a dotted path, called with keyword arguments. The writes run in the caller's
# transaction (consent at intake; the alert e-mails' records, enqueued after commit).
PATIENT_HOOKS = {
    "patient_created": "privacy.services.consent_at_intake",
    "alerts_raised": "reminders.services.alerts_notify",
    "questionnaire_scores": "questionnaires.selectors.questionnaire_scores",
    "questionnaires_for_review": "questionnaires.selectors.responses_for_review",
    "questionnaires_due": "questionnaires.views.due_for",
    "questionnaire_score_series": "questionnaires.views.score_series",
    "questionnaire_requests": "questionnaires.selectors.requests_for_patient",
    "calendar_url": "reminders.services.calendar_url",
    "calendar_token_rotate": "reminders.services.calendar_token_rotate",
}

REST_FRAMEWORK = {
    # Bearer first: an anonymous API call then answers 401 with `WWW-Authenticate: Bearer`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.BearerTokenAuthentication",
        # The login session; a staff member's needs the verified second factor (2FA).
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "api.base.PageNumbers",  # strict page numbers
    "PAGE_SIZE": 20,
    # One JSON object per body, bounded in size and depth (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONObjectParser"],
    # orjson, byte for byte what DRF's JSONRenderer writes (api/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.OrjsonRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
    # Login throttling on POST auth/token/: per client address and username, and per address.
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("API_LOGIN_RATE", default="5/min"),
        "login-address": env.str("API_LOGIN_ADDRESS_RATE", default="30/min"),
    },
}
API_TOKEN_TTL = timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30))
SPECTACULAR_SETTINGS = {
    "TITLE": "MTT Rücken API",
    "DESCRIPTION": (
        "Medical training therapy for back pain: the MASTER programme catalogue, patients, "
        "session logs and reminders. The app does not replace medical advice."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Separate request and response components: read-only fields are not asked for in requests.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStatusEnum": "patients.models.AssignmentStatus",
        # A safety question answered yes (patients/api/sessions.py, SessionCreateSchema).
        "AnsweredYesEnum": [(True, True)],
    },
}

# Security headers. Production (DEBUG off) sits behind TLS; /health/ stays reachable over plain
# HTTP for container health checks.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", *MEDIA_ORIGINS],
    "media-src": [CSP.SELF, *MEDIA_ORIGINS],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# A session lasts at most SESSION_COOKIE_AGE (12 h) and, by default, ends when the browser
# closes: a practice PC or a shared tablet must not keep someone logged in overnight. Django
# gives every login a new session key (no session fixation).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# No personal data in logs (mtt/logging.py): every handler redacts e-mail addresses, secrets in
# paths and, for request logs, query strings. Django's own handlers for "django" and
# "django.server" are replaced by ours, so nothing bypasses the filter; Celery keeps this set-up
# instead of installing its own handlers (CELERY_WORKER_HIJACK_ROOT_LOGGER).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "mtt.logging.RedactPersonalDataFilter"}},
    # ISO 8601 timestamps in UTC with offset, the same layout gunicorn's lines get.
    "formatters": {"plain": {"()": "mtt.logging.IsoFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Celery's process pool (billiard) reports through this logger, without propagating.
        "multiprocessing": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Prometheus metrics at /metrics (mtt/metrics.py, docs/operations.md "Metrics"): answered only to
# `Authorization: Bearer <METRICS_TOKEN>`; without a token the URL does not exist (404).
# PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself) lets the processes of one host
# share their counters.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
