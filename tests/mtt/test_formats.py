"""Dates and numbers follow the active language (docs/product.md, "Web pages"; mtt/formats/)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import formats, translation


@pytest.mark.parametrize(
    ("language", "day", "moment", "number"),
    [
        ("de", "2. Dezember 2026", "2. Dezember 2026 14:30", "1,5"),
        ("en", "2 December 2026", "2 December 2026, 14:30", "1.5"),
    ],
)
def test_dates_and_numbers_in_the_active_language(language, day, moment, number):
    with translation.override(language):
        assert formats.date_format(date(2026, 12, 2)) == day
        assert formats.date_format(datetime(2026, 12, 2, 14, 30), "DATETIME_FORMAT") == moment
        assert formats.localize(Decimal("1.5")) == number


def test_english_forms_still_accept_what_they_accepted():
    with translation.override("en"):
        assert "%Y-%m-%d" in formats.get_format("DATE_INPUT_FORMATS")
