from datetime import UTC, datetime

from privacy.rules import consent_required, retention_cutoff

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_consent_is_required_until_the_current_version_is_given():
    assert consent_required(consent_at=None, consent_version="", current="2026-11")
    assert consent_required(consent_at=NOW, consent_version="2025-01", current="2026-11")
    assert not consent_required(consent_at=NOW, consent_version="2026-11", current="2026-11")


def test_a_withdrawn_consent_counts_as_none_even_with_a_version_left():
    assert consent_required(consent_at=None, consent_version="2026-11", current="2026-11")


def test_an_empty_current_version_switches_the_consent_step_off():
    assert not consent_required(consent_at=None, consent_version="", current="")


def test_retention_cutoff_is_the_given_days_back_and_zero_switches_it_off():
    assert retention_cutoff(now=NOW, days=10) == datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
    assert retention_cutoff(now=NOW, days=0) is None
    assert retention_cutoff(now=NOW, days=-5) is None
