"""Project-level views: the health check, the start page, the favicon and the operators'
metrics (the API root is ``api.views``)."""

import logging

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from mtt import metrics as app_metrics
from mtt.celery import app as celery_app
from programs.selectors import program_overview

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health: database unreachable")
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("health: broker unreachable", exc_info=True)
        return False


@never_cache
@require_safe
def health(request):
    """Liveness for load balancers and `docker compose`: 200 while the database answers. The
    broker is reported but does not fail the check: without it pages and logging still work and
    reminders go out late (docs/product.md, "Bad input, faults and data")."""
    database, broker = _database_ok(), _broker_ok()
    status = "ok" if database and broker else ("degraded" if database else "error")
    return JsonResponse(
        {
            "status": status,
            "database": "ok" if database else "error",
            "broker": "ok" if broker else "error",
        },
        status=200 if database else 503,
    )


@require_safe
def home(request):
    """The patient's home is today's plan; therapists work in the admin; visitors see the
    programme and the way to log in."""
    if request.user.is_authenticated:
        return redirect("admin:index" if request.user.is_staff else "portal:today")
    return render(request, "home.html", {"programs": program_overview()})


@require_safe
@cache_control(max_age=60 * 60 * 24 * 7, public=True)
def favicon(request):
    """``/favicon.ico``, which browsers ask for on every first visit (the pages also link the
    SVG icon, static/favicon.svg)."""
    path = finders.find("favicon.ico")
    if not path:  # a deployment without the static sources
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")


@never_cache
@require_safe
def metrics(request):
    """Prometheus metrics (mtt/metrics.py, docs/operations.md "Metrics"): only with
    ``Authorization: Bearer <METRICS_TOKEN>``; without METRICS_TOKEN there is no such page."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    if not constant_time_compare(request.headers.get("Authorization", ""), f"Bearer {token}"):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = app_metrics.exposition()
    return HttpResponse(body, content_type=content_type)
