"""The API's only parser: a JSON object, bounded in size and depth (docs/api.md "Errors").

Every request body the API takes is one object, so anything else — an array, a string, a
number — answers 400 before a view, a throttle or a serializer looks at it. The body is read
up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413 beyond it, whatever ``Content-Length`` claims), and
its nesting is measured before ``json.loads`` runs, so a body nested thousands of levels deep
answers 400 instead of exhausting Python's recursion limit.
"""

import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]
from rest_framework.utils import json

MAX_DEPTH = 32

# A JSON string (escapes included): what lies between its quotes may hold any bracket.
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
BRACKETS = re.compile(r"[\[\]{}]")
STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text``, without parsing it (brackets inside
    strings do not count). Linear in the length, no recursion."""
    outside_strings = JSON_STRING.sub("", text)
    steps = (STEP[match[0]] for match in BRACKETS.finditer(outside_strings))
    return max(accumulate(steps, initial=0))


def upload_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def read_body(stream, parser_context: dict) -> bytes:
    """The body, refusing more than the upload limit before and while reading it."""
    limit = upload_limit()
    if limit is None:
        return stream.read()
    request = parser_context.get("request")
    meta = getattr(request, "META", {})
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise RequestTooLarge()
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestTooLarge()
    return body


class JSONObjectParser(JSONParser):
    """``application/json`` whose top level is an object, at most ``MAX_DEPTH`` levels deep."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = get_encoding(parser_context)  # text encodings only: 400 for the rest
        body = read_body(stream, parser_context)
        try:
            text = body.decode(encoding)
        except UnicodeError as error:
            raise exceptions.ParseError(_("The request body is not valid text.")) from error
        if nesting_depth(text) > MAX_DEPTH:
            raise exceptions.ParseError(
                _("The JSON body nests deeper than %(depth)d levels.") % {"depth": MAX_DEPTH}
            )
        try:
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except ValueError as error:
            raise exceptions.ParseError(_("The request body is not valid JSON.")) from error
        if not isinstance(data, dict):
            raise exceptions.ParseError(_("The request body must be a JSON object."))
        if has_nul(data):  # PostgreSQL stores no NUL character in text or jsonb
            raise exceptions.ParseError(_("The request body must not contain NUL characters."))
        return data


def has_nul(value) -> bool:
    """A NUL character in any key or string (the depth is bounded, so recursion is safe)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False
