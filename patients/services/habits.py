"""Daily habits: the patient's ticks per habit and day."""

from datetime import date

from django.db import IntegrityError, transaction

from patients.models import HabitCheck, Patient
from programs.models import DailyHabit


@transaction.atomic
def habit_check_record(*, patient: Patient, habit: DailyHabit, day: date, delta: int = 1) -> int:
    """Tick a daily habit off (``delta`` 1) or take a tick back (-1) on the patient's ``day``.
    Returns the day's new count, between 0 and the habit's times per day."""
    check = (
        HabitCheck.objects.select_for_update().filter(patient=patient, habit=habit, day=day).first()
    )
    count = min(max((check.count if check else 0) + delta, 0), habit.times_per_day)
    if check is None and count:
        try:
            with transaction.atomic():
                HabitCheck.objects.create(patient=patient, habit=habit, day=day, count=count)
        except IntegrityError:  # a double tap raced us: count on the stored row
            return habit_check_record(patient=patient, habit=habit, day=day, delta=delta)
    elif check is not None and count:
        check.count = count
        check.save(update_fields=["count"])
    elif check is not None:
        check.delete()
    return count
