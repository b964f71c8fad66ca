from datetime import timedelta

import pytest
from django.urls import reverse

from patients.portal.history import PAGE_SIZE
from tests.portal.conftest import PHASE_2_EXERCISES, log_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(patient):
    """45 sessions over the last 14 days (as far back as a session may be logged), with two
    exercises each; one flagged."""
    sessions = [
        log_session(patient, days_ago=day % 14, slugs=PHASE_2_EXERCISES[2:], pain_before=day % 4)
        for day in range(45)
    ]
    flagged = log_session(patient, days_ago=2, pain=7, slugs=["plank-mtt"])
    return [*sessions, flagged]


def test_history_is_paginated_newest_first(patient_client, history):
    first = patient_client.get(reverse("portal:history"))
    page = first.context["page"]
    assert page.paginator.count == 46
    assert len(page.object_list) == PAGE_SIZE
    sessions = list(page.object_list)
    assert sessions[0].performed_at >= sessions[-1].performed_at
    last = patient_client.get(reverse("portal:history") + "?page=3")
    assert len(last.context["page"].object_list) == 6
    assert "Page 3 of 3" in last.content.decode()


def test_history_shows_entries_and_flags(patient_client, history):
    page = patient_client.get(reverse("portal:history")).content.decode()
    assert "Plank variations (MTT style)" in page
    assert "Pain was above your pain limit" in page
    assert 'id="pain-chart"' in page and 'id="progress-data"' in page


def test_history_query_count(patient_client, history, django_assert_max_num_queries):
    # Includes the one query of the safety banner on every portal page.
    with django_assert_max_num_queries(6):
        assert patient_client.get(reverse("portal:history") + "?page=2").status_code == 200


def test_progress_hands_the_chart_data_over(patient_client, patient):
    log_session(patient, days_ago=3, pain_before=4, pain_after=2)
    log_session(patient, days_ago=1, pain_before=3, pain_after=1)
    response = patient_client.get(reverse("portal:progress"))
    chart = response.context["chart"]
    assert chart["pain"]["before"] == [4, 3]
    assert chart["pain"]["after"] == [2, 1]
    # The programme started 30 days ago: the weeks since then, not twelve (docs/product.md).
    started = patient.assignments.get().start_date
    assert (
        chart["adherence"]["weeks"][0] == (started - timedelta(days=started.weekday())).isoformat()
    )
    assert 5 <= len(chart["adherence"]["values"]) <= 6
    assert all(0 <= value <= 100 for value in chart["adherence"]["values"])
    page = response.content.decode()
    assert 'id="adherence-chart"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert "<script>" not in page  # CSP: data as JSON, code in files only


def test_progress_query_count(patient_client, history, django_assert_max_num_queries):
    # Includes the one query of the safety banner on every portal page.
    with django_assert_max_num_queries(7):
        assert patient_client.get(reverse("portal:progress")).status_code == 200
