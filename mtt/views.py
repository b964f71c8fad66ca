"""Project-level views: the health check and the start page."""

import logging

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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
