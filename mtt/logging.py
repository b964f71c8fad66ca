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
    paths, no e-mail addresses (``logger_class`` in ``gunicorn.conf.py``)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = {
            key: redact(value, request_log=True) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }
        atoms["q"] = ""  # the query string on its own
        return atoms
