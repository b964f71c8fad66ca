"""The project's URLs and error handlers (``from mtt.urls import *``) plus views that fail the
ways a real fault would, for tests/api/test_errors.py."""

from django.db import OperationalError
from django.http import HttpResponse
from django.urls import path

from mtt.urls import *  # noqa: F403 — urlpatterns and the handler400/403/404/500 under test
from mtt.urls import urlpatterns as project_urlpatterns

# A message quoting a stored value, as a constraint error's would: it must not be logged.
STORED_VALUE = "duplicate key value (last_name)=(Mustermann-Geheim)"


class Boom(Exception):
    pass


def boom(request):
    raise Boom(STORED_VALUE)


def database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def read_body(request):
    return HttpResponse(len(request.body))


def html_error(request):
    return HttpResponse("<h1>Teapot</h1>", status=418, content_type="text/html")


urlpatterns = [
    path("api/test/boom/", boom),
    path("api/test/database/", database_gone),
    path("api/test/body/", read_body),
    path("api/test/html/", html_error),
    path("test/boom/", boom),
    path("test/database/", database_gone),
    path("test/body/", read_body),
    *project_urlpatterns,
]
