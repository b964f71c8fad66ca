import pytest
from django.urls import reverse

from patients.models import HabitCheck
from programs.models import DailyHabit

pytestmark = pytest.mark.django_db


def _tick(client, habit, action="tick", **extra):
    return client.post(reverse("portal:habits"), {"habit": habit.pk, "action": action, **extra})


def test_habits_of_the_programme_are_listed(patient_client):
    response = patient_client.get(reverse("portal:habits"))
    assert [row.habit.slug for row in response.context["rows"]] == [
        "sitzposition-wechseln",
        "hueftbeuger-dehnen",
        "stress-atmung",
    ]
    assert "0 of 8 today" in response.content.decode()


def test_ticking_counts_up_to_the_daily_number_and_back(patient_client, patient):
    habit = DailyHabit.objects.get(slug="stress-atmung")  # once a day
    assert _tick(patient_client, habit)["Location"] == reverse("portal:habits")
    _tick(patient_client, habit)
    assert HabitCheck.objects.get(patient=patient, habit=habit).count == 1
    _tick(patient_client, habit, "untick")
    assert not HabitCheck.objects.exists()


def test_ticking_from_today_returns_to_today(patient_client):
    habit = DailyHabit.objects.get(slug="hueftbeuger-dehnen")
    response = _tick(patient_client, habit, next="today")
    assert response["Location"] == reverse("portal:today")
    page = patient_client.get(reverse("portal:today")).content.decode()
    assert "1 of 3 today" in page


def test_a_habit_outside_the_programme_is_refused(patient_client, patient):
    response = patient_client.post(reverse("portal:habits"), {"habit": 999999, "action": "tick"})
    assert response.status_code == 400
    assert not HabitCheck.objects.exists()


def test_habits_query_count(patient_client, django_assert_max_num_queries):
    for habit in DailyHabit.objects.all():
        _tick(patient_client, habit)
    with django_assert_max_num_queries(6):
        assert patient_client.get(reverse("portal:habits")).status_code == 200
