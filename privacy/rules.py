"""Pure privacy rules: whether a patient must (again) agree to the consent text, and from when
on a patient's data is past the retention period."""

from datetime import datetime, timedelta


def consent_required(*, consent_at: datetime | None, consent_version: str, current: str) -> bool:
    """True until the patient has agreed to the text version in force. Versions are labels, not
    numbers: any other version than the current one (older, or withdrawn, or none) asks again."""
    if not current:
        return False  # the practice switched the consent step off
    return consent_at is None or consent_version != current


def retention_cutoff(*, now: datetime, days: int) -> datetime | None:
    """Activity before this instant is past retention; None when retention is switched off."""
    if days <= 0:
        return None
    return now - timedelta(days=days)
