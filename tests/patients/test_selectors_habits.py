"""Daily habits of a patient without a programme."""

from datetime import date

import pytest

from patients import selectors
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_patient_without_a_programme_has_no_habits_to_tick():
    patient = factories.PatientFactory()

    assert selectors.habit_days(patient=patient, assignment=None, day=date(2026, 6, 1)) == []
