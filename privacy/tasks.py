"""The nightly retention run (beat: ``privacy-retention``), a thin wrapper over the service."""

import logging

from celery import shared_task

from privacy import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def apply_retention() -> None:
    """Erase patients past ``RETENTION_DAYS`` and drop old delivery records and tokens. Each
    patient is its own transaction: a run cut short by the time limit resumes the next night."""
    result = services.retention_apply()
    logger.info(
        "retention: %d patient(s) erased, %d delivery record(s), %d digest(s), %d run(s), "
        "%d token(s) dropped",
        result.erased,
        result.deliveries,
        result.digests,
        result.runs,
        result.tokens,
    )
