"""The smoke run on SQLite, the database `make run` uses: scripts/test.sh runs this folder a second
time with ``DATABASE_URL=sqlite:///…`` and no Redis. The main run on PostgreSQL covers the same
flows in depth, so there it collects nothing from here."""

from django.conf import settings

ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
collect_ignore_glob = [] if ON_SQLITE else ["test_*.py"]
