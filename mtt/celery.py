"""The one Celery app, configured from Django settings (``CELERY_*``)."""

import logging.config
import os
import warnings

from celery import Celery, signals
from celery.exceptions import SecurityWarning

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mtt.settings")

app = Celery("mtt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect(weak=False)
def use_django_logging(**kwargs):
    """Worker and beat log through Django's LOGGING (mtt/settings.py): the same line layout and
    UTC timestamps as gunicorn and the web process, and the same redaction. Answering this
    signal keeps Celery from installing its own handlers and format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.celeryd_init.connect(weak=False)
def quiet_root_warning_in_development(**kwargs):
    """`make run` as root (a container, a VM): Celery's advice to drop privileges is for
    production, where the Docker image runs as an unprivileged user, so it stays there."""
    from django.conf import settings

    if settings.DEBUG:
        warnings.filterwarnings("ignore", category=SecurityWarning)
