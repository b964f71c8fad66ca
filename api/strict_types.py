"""JSON types are what the schema says (docs/api.md "Requests and answers").

DRF converts generously: a string field takes ``0`` and stores ``"0"``, an integer field takes
``"5"``, a boolean field takes ``"yes"`` or ``1``, an id takes ``"7"``. The OpenAPI schema says
``string``, ``integer``, ``boolean``, so a request the schema calls invalid was accepted. Here the
fields of a JSON body take their own JSON type only — a string, a whole number (``5.0`` is no
id), a number, ``true``/``false`` — and answer 400 with DRF's usual message otherwise.

Serializers that read a query string (``QueryDict``, where every value is a string) keep DRF's
conversions. ``install()`` runs once when ``api.base`` is imported.
"""

from typing import Any

from django.http import QueryDict
from rest_framework import fields, relations

# field class → (JSON types it takes, DRF's error key for anything else)
STRICT: dict[type[Any], tuple[tuple[type, ...], str]] = {
    fields.CharField: ((str,), "invalid"),
    fields.IntegerField: ((int,), "invalid"),
    fields.FloatField: ((int, float), "invalid"),
    fields.BooleanField: ((bool,), "invalid"),
    relations.PrimaryKeyRelatedField: ((int,), "incorrect_type"),
}


def from_query_string(field) -> bool:
    root = field.root
    return isinstance(getattr(root, "initial_data", None), QueryDict)


def strict(original, accepted: tuple[type, ...], error: str):
    def to_internal_value(self, data):
        wrong_type = not isinstance(data, accepted) or (
            isinstance(data, bool) and bool not in accepted
        )
        if wrong_type and not from_query_string(self):
            if error == "incorrect_type":
                self.fail(error, data_type=type(data).__name__)
            self.fail(error)
        return original(self, data)

    to_internal_value.strict_json_types = True  # type: ignore[attr-defined]  # read by install()
    return to_internal_value


def install() -> None:
    for field_class, (accepted, error) in STRICT.items():
        original = field_class.__dict__["to_internal_value"]
        if getattr(original, "strict_json_types", False):
            continue
        field_class.to_internal_value = strict(original, accepted, error)
