"""Fixtures for the portal's browser tests on a phone: import them into a test module to run it
on a 390 × 844 screen (the desktop admin tests keep the default)."""

import pytest

from tests.portal.conftest import PASSWORD, make_patient

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE}


@pytest.fixture
def anna(django_user_model):
    """A patient in phase 2 of the MASTER programme, logged in with ``PASSWORD``."""
    therapist = django_user_model.objects.create_user(
        "t.weber", "weber@example.org", PASSWORD, is_staff=True
    )
    return make_patient(therapist, "anna", phase=2)
