"""Users for the security tests: a patient and a therapist with passwords, and a clean cache
(the API's login throttle counts there)."""

import pytest
from django.core.cache import cache

from tests.api.conftest import PASSWORD, make_patient, make_therapist, module_world, world

# world, module_world: the six roles of docs/product.md (tests/api/conftest.py)
__all__ = ["PASSWORD", "module_world", "world"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def therapist(db):
    user = make_therapist("t.weber")
    user.first_name = "Tina"
    user.save(update_fields=["first_name"])
    return user


@pytest.fixture
def patient(therapist):
    return make_patient(therapist, username="anna")
