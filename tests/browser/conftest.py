"""Real Chromium from Debian (Playwright cannot download its own browsers here)."""

import os
from pathlib import Path

import pytest

# Screenshots go to var/screenshots/; `UPDATE_SCREENSHOTS=1 make test` refreshes the README's
# pictures in docs/screenshots/ instead, so an ordinary test run leaves the checkout clean.
SCREENSHOTS = Path("docs" if os.environ.get("UPDATE_SCREENSHOTS") else "var") / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/Berlin"}


@pytest.fixture(autouse=True)
def migrated_data(_django_db_helper):
    """The data the migrations load (catalogue, groups, questionnaires), present at the start of
    every browser test. ``serialized_rollback`` restores it after an earlier transactional test
    flushed the database — but only on the connection object that was current when the test
    began; when Playwright's loop starts during set-up, Django restores nothing. Restore it here
    from the copy made at database creation, on whatever connection is current."""
    from django.db import connections

    from programs.models import Program
    from tests.conftest import _serialized_contents

    if not Program.objects.exists():
        for alias, contents in _serialized_contents.items():
            connections[alias].creation.deserialize_db_from_string(contents)
    assert Program.objects.exists(), "the MASTER programme is missing: nothing to restore from"
