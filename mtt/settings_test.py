"""Test overrides: real PostgreSQL (DATABASE_URL, else the local server), fast hashing, mail in
memory. `make test` exports DATABASE_URL and REDIS_URL for whatever servers it found or started."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-key-" + "x" * 50)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mtt")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# The demo data commands (tools.demo) are tested too.
os.environ.setdefault("DEMO_TOOLS", "true")
# Playwright's sync API runs an event loop in the test thread; the live server is synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import uuid

from mtt.settings import *  # noqa: F403
from mtt.settings import CACHES, STORAGES

# Each test process its own cache keys: parallel processes share one Redis database, and the
# cache's clear() deletes only its own prefix (tests/conftest.py clears it at the end).
# MTT_TEST_CACHE_PREFIX: one prefix for several processes (tests/mtt/test_shared_cache.py).
CACHES = {
    "default": {
        **CACHES["default"],
        "KEY_PREFIX": os.environ.get("MTT_TEST_CACHE_PREFIX") or f"test-{uuid.uuid4().hex[:12]}",
    }
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
