"""``me/today/`` and ``me/profile/``: the signed-in patient's plan for today and own settings."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api.base import ApiMixin, LocalTimeField
from patients import selectors, services
from patients.api.base import IsPatient, caller_patient, patient_day
from patients.api.habits import HabitDaySerializer
from patients.api.safety import AdviceSerializer, PracticeSerializer, practice, today_advice
from patients.hooks import hook
from patients.models import (
    OPEN_STATUSES,
    AssignmentStatus,
    Language,
    ReminderChannel,
    Side,
    dose_extras,
)
from programs.api.serializers import MediaSerializer
from programs.catalogue import catalogue


class PhaseNowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()


class PlannedExerciseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.exercise_id", help_text="Exercise id (log it so).")
    slug = serializers.CharField(source="item.exercise.slug")
    name = serializers.CharField(source="item.exercise.name")
    goal = serializers.CharField(source="item.exercise.goal.slug", help_text="Training goal slug.")
    goal_name = serializers.CharField(source="item.exercise.goal.name")
    phase = serializers.IntegerField(source="item.phase.number", help_text="Phase number.")
    sets = serializers.IntegerField(source="item.sets")
    set_unit = serializers.CharField(source="item.set_unit")
    reps_min = serializers.IntegerField(source="item.reps_min", allow_null=True)
    reps_max = serializers.IntegerField(source="item.reps_max", allow_null=True)
    duration_min_s = serializers.IntegerField(source="item.duration_min_s", allow_null=True)
    duration_max_s = serializers.IntegerField(source="item.duration_max_s", allow_null=True)
    rest_s = serializers.IntegerField(source="item.rest_s")
    tempo = serializers.CharField(source="item.tempo")
    frequency = serializers.CharField(source="item.frequency")
    load_kg = serializers.DecimalField(
        source="item.load_kg",
        max_digits=4,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        help_text="Weight to use in kg, null without one.",
    )
    band = serializers.CharField(
        source="item.band", help_text="Resistance band or level, empty without one."
    )
    hold_s = serializers.IntegerField(
        source="item.hold_s", allow_null=True, help_text="Seconds to hold each repetition."
    )
    side = serializers.ChoiceField(
        source="item.side", choices=Side.choices, help_text="both, left or right."
    )
    dose_extras = serializers.CharField(
        source="item.extras_text",
        help_text="Load, band, hold time and side in plain words, in the patient's language.",
    )
    equipment = serializers.CharField(source="item.exercise.equipment")
    media = MediaSerializer(source="item.exercise.media", many=True)
    due = serializers.BooleanField(help_text="Due today under the scheduling rule.")
    done_today = serializers.BooleanField()
    next_due = serializers.DateField(help_text="The next due day if nothing more is done.")


class TodaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Today in the patient's time zone.")
    assignment = serializers.IntegerField(allow_null=True, help_text="The open programme's id.")
    status = serializers.ChoiceField(
        choices=[status.value for status in OPEN_STATUSES],
        allow_null=True,
        help_text="active: train what is due. paused: nothing is due. stopped: an open red "
        "flag stopped the programme until the therapist records clearance; nothing is due. "
        "null: no programme yet (advice may still be urgent).",
    )
    advice = AdviceSerializer(
        many=True,
        help_text="What the patient must be told first, most urgent first: red flags, high "
        "pain today, a paused or stopped programme. Empty when all is well.",
    )
    practice = PracticeSerializer(help_text="Whom to call.")
    phase = PhaseNowSerializer(allow_null=True)
    exercises = PlannedExerciseSerializer(many=True)
    habits = HabitDaySerializer(many=True)


@extend_schema(tags=["me"])
class TodayView(ApiMixin, GenericAPIView):
    """The patient's plan for today: what they must be told first (``advice``), the programme's
    status, current phase, the prescription with what is due (only while ``active``, and not
    after pain above 5 today), and the daily habits with today's ticks. Without a programme:
    ``status`` and ``phase`` null and empty lists."""

    permission_classes = [IsPatient]
    serializer_class = TodaySerializer
    pagination_class = None
    filter_backends = []

    def get(self, request):
        """Plain values and the catalogue snapshot, no model instances: the busiest read of the
        API (docs/architecture.md). ``TodaySerializer`` states the shape; the rows below are
        already in it (tests/api/test_me.py compares them with the serializer's output)."""
        patient = caller_patient(request.user)
        today = patient_day(patient)
        day = selectors.day_state(patient=patient, today=today)
        state = day.safety
        texts = catalogue(revision=day.catalogue_revision)
        prescription = selectors.open_prescription_values(patient.pk, texts)
        assignment = prescription.assignment
        status = None if assignment is None else assignment["status"]
        body = {
            "date": today.isoformat(),
            "assignment": None,
            "status": status,
            "advice": today_advice(state=state, status=status),
            "practice": practice(),
            "phase": None,
            "exercises": [],
            "habits": [],
        }
        if assignment is not None:
            # Only an active programme has anything due (selectors.today_plan); after pain above
            # 5 today nothing is (the advice says so, as does the portal).
            active = status == AssignmentStatus.ACTIVE and not state.high_pain_today
            due = selectors.due_by_exercise(
                patient_id=patient.pk, items=prescription.items, active=active, today=today
            )
            phase = texts.phases[assignment["current_phase_id"]]
            habits = texts.habits_of(assignment["program_id"])
            counts = day.habit_ticks
            body.update(
                assignment=assignment["id"],
                phase={"number": phase.number, "name": phase.name},
                exercises=[
                    planned_exercise(item, texts, due[item["exercise_id"]], request)
                    for item in prescription.items
                ],
                habits=[habit_day(habit, counts.get(habit.id, 0)) for habit in habits],
            )
        return Response(body)


def planned_exercise(item: dict, texts, due, request) -> dict:
    exercise = texts.exercises[item["exercise_id"]]
    return {
        "id": exercise.id,
        "slug": exercise.slug,
        "name": exercise.name,
        "goal": exercise.goal_slug,
        "goal_name": exercise.goal_name,
        "phase": texts.phases[item["phase_id"]].number,
        "sets": item["sets"],
        "set_unit": item["set_unit"],
        "reps_min": item["reps_min"],
        "reps_max": item["reps_max"],
        "duration_min_s": item["duration_min_s"],
        "duration_max_s": item["duration_max_s"],
        "rest_s": item["rest_s"],
        "tempo": item["tempo"],
        "frequency": item["frequency"],
        "load_kg": item["load_kg"],
        "band": item["band"],
        "hold_s": item["hold_s"],
        "side": item["side"],
        "dose_extras": ", ".join(str(part) for part in dose_extras(item)),
        "equipment": exercise.equipment,
        "media": [media_row(media, request) for media in exercise.media],
        "due": due.due,
        "done_today": due.done_today,
        "next_due": due.next_due.isoformat(),
    }


def media_row(media, request) -> dict:
    """``MediaSerializer``'s output for a snapshot's media view."""

    def absolute(url: str) -> str:
        return request.build_absolute_uri(url) if url else url

    return {
        "kind": media.kind,
        "role": media.role,
        "url": absolute(media.url),
        "thumbnail_url": absolute(media.thumbnail_url),
        "poster_url": absolute(media.poster_url),
        "width": media.width,
        "height": media.height,
        "alt": media.alt,
        "caption": media.caption,
    }


def habit_day(habit, count: int) -> dict:
    return {
        "id": habit.id,
        "slug": habit.slug,
        "name": habit.name,
        "description": habit.description,
        "times_per_day": habit.times_per_day,
        "count": count,
        "done": count >= habit.times_per_day,
    }


class ProfileSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    email = serializers.EmailField(source="user.email", max_length=254)
    language = serializers.ChoiceField(choices=Language.choices)
    time_zone = serializers.CharField(max_length=64, help_text="IANA zone, e.g. Europe/Berlin.")
    reminder_time = LocalTimeField(help_text="HH:MM, the patient's local time.")
    reminder_opt_out = serializers.BooleanField()
    reminder_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=ReminderChannel.choices),
        max_length=len(ReminderChannel.values),
        help_text="How reminders reach the patient: `email` and/or `push` (to the devices "
        "registered under `me/push-subscriptions/`). At least one unless `reminder_opt_out`; "
        "`push` only where the server has VAPID keys (`push/public-key/` is not null).",
    )
    habit_reminders = serializers.BooleanField()
    calendar_url = serializers.SerializerMethodField(
        help_text="The patient's secret iCalendar feed of due sessions (made on first read)."
    )
    new_calendar_url = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text="true: a new secret feed URL; the old one stops working at once.",
    )

    def get_calendar_url(self, patient) -> str:
        # The feed is reminders' (PATIENT_HOOKS); ProfileView makes it before it answers.
        url: str | None = hook("calendar_url")(patient)
        return url or ""


@extend_schema(tags=["me"])
class ProfileView(ApiMixin, GenericAPIView):
    """The patient's own settings. Clinical fields (pain limit, diagnosis) stay with the
    therapist."""

    permission_classes = [IsPatient]
    serializer_class = ProfileSerializer
    pagination_class = None
    filter_backends = []

    def _answer(self, patient):
        if not patient.calendar_token:
            hook("calendar_token_rotate")(patient=patient)
        return Response(ProfileSerializer(patient).data)

    def get(self, request):
        return self._answer(caller_patient(request.user))

    def patch(self, request):
        patient = caller_patient(request.user)
        serializer = ProfileSerializer(patient, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        rotate = data.pop("new_calendar_url", False)
        email = data.pop("user", {}).get("email")
        services.patient_profile_update(patient=patient, email=email, **data)
        if rotate:
            hook("calendar_token_rotate")(patient=patient)
        return self._answer(patient)
