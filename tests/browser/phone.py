"""Fixtures for the portal's browser tests on a phone: import them into a test module to run it
on a 390 × 844 screen (the desktop admin tests keep the default)."""

import pytest

from tests import factories
from tests.portal.conftest import PASSWORD, make_patient

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE}


@pytest.fixture
def anna(db):
    """A patient in phase 2 of the MASTER programme, logged in with ``PASSWORD``."""
    therapist = factories.TherapistFactory(
        username="t.weber", email="weber@example.org", password=PASSWORD
    )
    return make_patient(therapist, "anna", phase=2)
