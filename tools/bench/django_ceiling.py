"""Django's own ceiling on the bench's server set-up, as a one-file Django project: settings,
URLconf, view and WSGI application in this module. It has the apps and middleware that
``django-admin startproject`` writes, one view doing one indexed query (the same query as the
project's ceiling view in ``tools.bench.urls``) and the project's database connection options
(persistent connections, prepared statements; ``tests/tools`` compares them), and it knows
nothing else of the project. ``make bench`` serves it with the same gunicorn command line as the
project, so what separates the two ceiling rows is the project's own stack: its middleware,
URLconf and apps (docs/benchmarks.md).

    gunicorn tools.bench.django_ceiling:application   # what the bench loads
    python -m tools.bench.django_ceiling               # one request in-process: status, queries

Environment: ``DATABASE_URL`` and ``SECRET_KEY`` as for the project (scripts/bench.sh sets
both); ``CONN_MAX_AGE`` and ``DATABASE_PREPARED_STATEMENTS`` as in mtt/settings.py.
"""

import json
import os

import django
import environ
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

env = environ.Env()


def _database() -> dict:
    database = env.db("DATABASE_URL")
    if database["ENGINE"] == "django.db.backends.postgresql" and env.bool(
        "DATABASE_PREPARED_STATEMENTS", default=True
    ):
        database.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
    database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    database["CONN_HEALTH_CHECKS"] = True
    return database


def ceiling(request):
    """One indexed query (a user by primary key) and a tiny JSON answer."""
    row = get_user_model().objects.filter(pk=1).values_list("pk", "is_active").first()
    return JsonResponse({"ok": row is not None})


urlpatterns = [path("", ceiling)]

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY=env.str("SECRET_KEY"),
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        # As `django-admin startproject` writes them.
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        DATABASES={"default": _database()},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
        STATIC_URL="static/",
    )

application = get_wsgi_application()


def count_queries() -> dict:
    """Status and SQL of the second request through Django's test client (the first opens the
    connection): what the bench's query column shows for this row."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    database = settings.DATABASES["default"]
    return {
        "status": response.status_code,
        "queries": len(captured),
        "sql": [query["sql"] for query in captured.captured_queries],
        "middleware": list(settings.MIDDLEWARE),
        "database": {
            "CONN_MAX_AGE": database["CONN_MAX_AGE"],
            "CONN_HEALTH_CHECKS": database["CONN_HEALTH_CHECKS"],
            "OPTIONS": database.get("OPTIONS", {}),
        },
        "django": django.get_version(),
        "pid": os.getpid(),
    }


if __name__ == "__main__":
    print(json.dumps(count_queries()))
