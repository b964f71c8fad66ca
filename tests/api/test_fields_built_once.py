"""``api.base.FieldsBuiltOnce``: fields built from the model once per process, each serializer
instance with fields of its own, bound to it."""

import pytest
from django.utils import translation
from rest_framework import serializers

from api.base import FieldsBuiltOnce
from patients.api.sessions import SessionCreateSerializer, SessionSerializer
from patients.models import SessionLog


class Tagged(FieldsBuiltOnce, serializers.ModelSerializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=3))

    class Meta:
        model = SessionLog
        fields = ["pain_before", "notes", "tags"]


def test_each_instance_gets_its_own_bound_fields():
    first, second = Tagged(context={"n": 1}), Tagged(context={"n": 2})

    for serializer in (first, second):
        for name, field in serializer.fields.items():
            assert field.parent is serializer and field.field_name == name
        # A list's child belongs to this instance's list, so it sees this instance's context.
        assert serializer.fields["tags"].child.parent is serializer.fields["tags"]
        assert serializer.fields["tags"].child.context is serializer.context
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    assert first.fields["tags"].label == "Tags"  # set by binding, on the copy
    assert Tagged.__dict__["_fields_built"][translation.get_language()]["tags"].label is None


def test_the_model_is_read_once_and_validation_still_applies():
    Tagged().fields  # noqa: B018 - builds and keeps the fields
    kept = Tagged.__dict__["_fields_built"][translation.get_language()]

    serializer = Tagged(data={"pain_before": 11, "notes": "x", "tags": ["long"]})

    assert Tagged.__dict__["_fields_built"][translation.get_language()] is kept
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"pain_before", "tags"}
    assert all(field.parent is None for field in kept.values()), "kept fields stay unbound"


def test_nested_entries_are_bound_to_each_create_serializer():
    first, second = SessionCreateSerializer(), SessionCreateSerializer()

    entries = first.fields["entries"], second.fields["entries"]
    assert entries[0] is not entries[1]
    assert entries[0].child is not entries[1].child
    assert entries[0].child.parent is entries[0]
    assert SessionSerializer().fields["entries"].child.fields["exercise_name"].root is not None


@pytest.mark.parametrize(
    ("language", "other", "label", "message"),
    [
        ("en", "de", "Notes", "less than or equal to 10"),
        ("de", "en", "Notizen", "kleiner oder gleich 10"),
    ],
)
def test_labels_and_messages_follow_the_language_of_each_request(language, other, label, message):
    # DRF words the model validators' messages when it builds the fields: fields built for
    # another language first must not answer in that language.
    with translation.override(other):
        Tagged().fields  # noqa: B018
    with translation.override(language):
        serializer = Tagged(data={"pain_before": 11, "notes": "", "tags": []})
        assert not serializer.is_valid()
        assert str(serializer.fields["notes"].label) == label
        assert message in str(serializer.errors["pain_before"][0])
