"""The orjson renderer writes the bytes of DRF's JSONRenderer (api/renderers.py)."""

import datetime as dt
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from api.renderers import OrjsonRenderer
from patients.models import AssignmentStatus

BERLIN = ZoneInfo("Europe/Berlin")

VALUES = {
    "utc with microseconds": dt.datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=dt.UTC),
    "utc whole second": dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC),
    "berlin": dt.datetime(2026, 7, 1, 8, 30, 5, 7, tzinfo=BERLIN),
    "naive": dt.datetime(2026, 3, 1, 8, 0),
    "date": dt.date(2026, 3, 1),
    "time": dt.time(7, 30),
    "duration": dt.timedelta(minutes=90),
    "decimal": Decimal("12.5"),
    "whole decimal": Decimal("3.0"),
    "uuid": uuid.UUID(int=7),
    "lazy text": gettext_lazy("daily"),
    "choice": AssignmentStatus.ACTIVE,
    "umlauts and dashes": "Rücken – 3–4 × pro Woche",
    "line separators": "a\u2028b\u2029c",
    "floats": [0.1, 2.5, 33.333333333333336, 1e21, -0.0],
    "nested": ReturnList([ReturnDict({"a": [1, None, True]}, serializer=None)], serializer=None),
    "big int": 2**70,
    "empty": {},
}


@pytest.mark.parametrize("name", list(VALUES))
def test_the_bytes_are_drfs(name):
    with translation.override("de"):
        data = {"value": VALUES[name], "list": [VALUES[name]]}
        assert OrjsonRenderer().render(data) == JSONRenderer().render(data)


def test_nothing_renders_as_nothing_and_indent_is_honoured():
    assert OrjsonRenderer().render(None) == b""
    media = "application/json; indent=2"
    assert OrjsonRenderer().render({"a": 1}, media) == JSONRenderer().render({"a": 1}, media)


def test_tiny_floats_differ_only_in_the_exponents_spelling():
    """Below 1e-4 Python writes ``1e-07`` and orjson ``1e-7``: the same number to any JSON
    reader. No answer of the API holds such a float (scores, pain and adherence are larger)."""
    data = {"value": 1e-7}
    assert OrjsonRenderer().render(data) == b'{"value":1e-7}'
    assert json.loads(OrjsonRenderer().render(data)) == json.loads(JSONRenderer().render(data))
