"""No personal data in logs (docs/product.md): a filter on every handler that rewrites each record
before it is written.

The app's own log calls name ids and exception types only; this filter is the net under
everything else (Django, Celery, libraries, exception texts): e-mail addresses become
``[email]``, and in the request logs (``django.request``, ``django.security``,
``django.server``) query strings are dropped, since a search or a filter in a URL may carry a
name. Secrets in paths (the calendar feed key, the one-time links for invitations, password
resets and logins) are masked everywhere, and gunicorn's access log goes through the same
rules (``AccessLogger``, configured in ``gunicorn.conf.py``). Request bodies are never logged.
"""

import logging
import re
import time
from datetime import UTC, datetime

try:  # gunicorn is the production server; the filter works without it
    from gunicorn.glogging import Logger as GunicornLogger
except ImportError:  # pragma: no cover
    GunicornLogger = object

EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# "?…" after a path, up to white space or a quote: the query string of a logged URL.
QUERY_STRING = re.compile(r"(?<=[\w/.-])\?[^\s\"']*")
SECRET_PATHS = [
    (re.compile(r"(/calendar/)[^/\s\"'?]+(\.ics)"), r"\1[key]\2"),
    (
        re.compile(
            r"(/accounts/(?:invitation|password-reset|login/link)/)[^/\s\"'?]+/[^/\s\"'?]+/"
        ),
        r"\1[link]/",
    ),
]
REQUEST_LOGGERS = ("django.request", "django.security", "django.server", "gunicorn.access")


def redact(text: str, *, request_log: bool = False) -> str:
    if request_log:
        text = QUERY_STRING.sub("?[…]", text)
    for pattern, replacement in SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return EMAIL.sub("[email]", text)


# One line layout and one clock for every process (gunicorn, Celery worker and beat, Django):
# ISO 8601 in UTC with its offset, whatever TIME_ZONE the practice uses (Django sets the
# process's local zone to it, gunicorn's master starts before Django and would log in another).
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def iso_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="milliseconds")


class IsoFormatter(logging.Formatter):
    """``2026-03-30T16:00:00.123+00:00 INFO name message``."""

    def __init__(self, fmt=LINE_FORMAT, datefmt=None, style="%", **kwargs):
        super().__init__(fmt, datefmt, style, **kwargs)

    def formatTime(self, record, datefmt=None):
        return iso_time(record.created)


class RedactPersonalDataFilter(logging.Filter):
    """Formats the message, redacts it and keeps only the result (no arguments left to leak
    through another formatter); an exception's text is redacted the same way."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_log = record.name.startswith(REQUEST_LOGGERS)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg, record.args = redact(message, request_log=request_log), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, request_log=request_log)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, request_log=request_log)
        return True


class AccessLogger(GunicornLogger):
    """gunicorn's logger with the access line redacted: no query strings, no secrets in
    paths, no e-mail addresses (``logger_class`` in ``gunicorn.conf.py``), and its lines laid
    out like every other process's: the error log through ``IsoFormatter``, the access line's
    ``%(t)s`` in the same ISO 8601 UTC form (``access_log_format`` puts it first)."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(IsoFormatter())

    def now(self):
        return iso_time(time.time())

    def atoms(self, resp, req, environ, request_time):
        atoms = {
            key: redact(value, request_log=True) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }
        atoms["q"] = ""  # the query string on its own
        return atoms
