"""The e-mails: plain text and HTML, in the recipient's language, with absolute links built from
``SITE_URL``. Patients get their profile language; therapists the practice's ``LANGUAGE_CODE``.

Messages carry as little health data as will do: reminders name exercises and questionnaires
(a training reminder shows each due exercise's catalogue picture, alt text the exercise's name,
docs/privacy.md "E-mail"); an
alert to the therapist (or its escalation to the practice admin) names the patient, the kind of
alert, when, and how urgent it is, and links to the patient's admin page, nothing more; the digest
lists the therapist's own patients by name because it is about them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from patients import selectors as patient_selectors
from programs.selectors import attach_media
from questionnaires import selectors as questionnaire_selectors
from reminders.digest import digest_content
from reminders.models import ALERT_KINDS, Delivery, Digest, ReminderKind


def _link(path: str) -> str:
    return settings.SITE_URL + path


def _absolute(url: str) -> str:
    """A media or static URL as a mail client needs it: absolute (a CDN's URL stays as it is)."""
    return url if url.startswith(("https://", "http://", "//")) else _link(url)


@dataclass(frozen=True)
class DueExercise:
    """An exercise due today as a reminder lists it: the name, and the absolute address of its
    picture's thumbnail. The picture is catalogue content, the same URL for every patient, so
    a mail client loading it tells the server nothing about who reads."""

    name: str
    thumbnail_url: str = ""

    def __str__(self) -> str:
        return self.name


def _message(
    *, subject: str, to: str | list[str], template: str, context: dict
) -> EmailMultiAlternatives:
    context = {"subject": subject, "site_url": settings.SITE_URL, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"reminders/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to] if isinstance(to, str) else to,
    )
    message.attach_alternative(
        render_to_string(f"reminders/email/{template}.html", context), "text/html"
    )
    return message


def practice_admin_emails() -> list[str]:
    """Where escalations go: the active superusers with an e-mail address."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, is_superuser=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def _alert_message(delivery: Delivery) -> EmailMultiAlternatives:
    """An alert to the therapist, or its escalation to the practice admin(s): who, what kind,
    when, how urgent, and the admin page of the patient. No symptoms, pain values or notes:
    the admin shows them to whoever is allowed to see them."""
    patient, alert = delivery.patient, delivery.alert
    if alert is None:  # alert deliveries are made with their alert (reminders.services)
        raise ValueError(f"delivery {delivery.pk} names no alert")
    when = formats.date_format(
        timezone.localtime(alert.created_at, ZoneInfo(settings.TIME_ZONE)), "DATETIME_FORMAT"
    )
    name = patient.user.get_full_name() or patient.user.get_username()
    facts = [
        _("Patient: %(name)s") % {"name": name},
        _("Alert: %(kind)s") % {"kind": alert.get_kind_display()},
        _("Raised: %(when)s") % {"when": when},
    ]
    if delivery.kind == ReminderKind.ESCALATION:
        therapist = patient.therapist
        facts.append(
            _("Therapist: %(name)s")
            % {"name": therapist.get_full_name() or therapist.get_username()}
        )
        subject = _("Urgent: a red flag has not been acknowledged")
        to = practice_admin_emails()
        greeting = _greeting("")
        if delivery.details.get("reason") == "therapist unreachable":
            intro = _(
                "URGENT. A patient reported a red flag (a sign of possible nerve damage) and "
                "their therapist cannot be reached by e-mail (no address, or the account is "
                "deactivated). Please make sure someone from the practice contacts the patient "
                "now and acknowledges the alert in the admin."
            )
        else:
            intro = _(
                "URGENT. A patient reported a red flag (a sign of possible nerve damage) and "
                "nobody has acknowledged the alert for %(hours)d hours. Please make sure someone "
                "from the practice contacts the patient now and acknowledges the alert in the "
                "admin."
            ) % {"hours": settings.ALERT_ESCALATION_HOURS}
    elif delivery.kind == ReminderKind.RED_FLAG:
        subject = _("Urgent: a patient reported a red flag")
        to = [patient.therapist.email]
        greeting = _greeting(patient.therapist.first_name)
        intro = _(
            "URGENT. A patient answered yes to a safety question (a sign of possible nerve "
            "damage). Their programme was stopped and they were told to seek medical help. "
            "Please contact the patient as soon as possible, within the next few hours, and "
            "acknowledge the alert in the admin. If nobody acknowledges it within %(hours)d "
            "hours, the practice admin is told."
        ) % {"hours": settings.ALERT_ESCALATION_HOURS}
    else:
        subject = _("A patient's alert needs your attention today")
        to = [patient.therapist.email]
        greeting = _greeting(patient.therapist.first_name)
        intro = _(
            "Not an emergency, but please look at this today: a patient reported high pain or "
            "felt worse after training. Check their entries and adjust the programme if needed, "
            "then acknowledge the alert in the admin."
        )
    return _message(
        subject=subject,
        to=to,
        template="therapist",
        context={
            "greeting": greeting,
            "intro": intro,
            "sections": [(_("Alert"), facts)],
            "action_label": _("Open the patient in the admin"),
            "action_url": _link(reverse("admin:patients_patient_change", args=[patient.pk])),
        },
    )


def delivery_message(delivery: Delivery) -> EmailMultiAlternatives:
    patient = delivery.patient
    if delivery.alert_id is not None and delivery.kind in ALERT_KINDS:
        with translation.override(settings.LANGUAGE_CODE):
            return _alert_message(delivery)
    if delivery.kind == ReminderKind.RED_FLAG:
        with translation.override(settings.LANGUAGE_CODE):
            return _message(
                subject=_("Red flag reported in a session check-in"),
                to=patient.therapist.email,
                template="therapist",
                context={
                    "greeting": _greeting(patient.therapist.first_name),
                    "intro": _(
                        "A patient answered yes to a safety question (saddle numbness, bladder "
                        "or bowel changes, new leg weakness) in a session check-in. The session "
                        "was stopped. Please look at the open alerts today."
                    ),
                    "sections": [],
                    "action_label": _("Open the alerts"),
                    "action_url": _link(reverse("admin:patients_alert_changelist"))
                    + "?status=open",
                },
            )
    with translation.override(patient.language):
        subject, intro, items, label, path = _PATIENT_CONTENT[delivery.kind](delivery)
        return _message(
            subject=subject,
            to=patient.user.email,
            template="patient",
            context={
                "greeting": _greeting(patient.user.first_name),
                "intro": intro,
                "items": items,
                "action_label": label,
                "action_url": _link(path),
                "today_url": _link(reverse("portal:today")),
                "with_pictures": any(getattr(item, "thumbnail_url", "") for item in items),
            },
        )


def _greeting(first_name: str) -> str:
    return _("Hello %(name)s,") % {"name": first_name} if first_name else _("Hello,")


def _due_exercises(delivery: Delivery) -> list[DueExercise]:
    """What is due on the reminder's day, with the picture the today page shows for it (its
    cover: the start position first), the pictures of all exercises in one query."""
    assignment = patient_selectors.open_assignment(delivery.patient)
    if assignment is None:
        return []
    plan = patient_selectors.today_plan(
        patient=delivery.patient, assignment=assignment, today=delivery.day
    )
    exercises = [entry.item.exercise for entry in plan if entry.due]
    attach_media(exercises)
    due = []
    for exercise in exercises:
        cover = exercise.cover
        thumbnail = _absolute(cover.thumbnail_url) if cover is not None else ""
        due.append(DueExercise(name=str(exercise.name), thumbnail_url=thumbnail))
    return due


def _session(delivery):
    return (
        _("Your training for today"),
        _("Today's training is due:"),
        _due_exercises(delivery),
        _("Open today's plan"),
        "/today/",
    )


def _evening(delivery):
    return (
        _("There is still time for today's training"),
        _(
            "You have not logged a session today yet. A short session still counts; stay below "
            "your pain limit:"
        ),
        _due_exercises(delivery),
        _("Open today's plan"),
        "/today/",
    )


def _next_day(delivery):
    session = delivery.patient.sessions.filter(pk=delivery.details.get("session")).first()
    day = formats.date_format(session.local_date if session else delivery.day, "DATE_FORMAT")
    return (
        _("How does your back feel today?"),
        _(
            "You trained on %(day)s. Please tell us how your back feels today compared with "
            "before that session. It takes a minute and helps to dose your next session."
        )
        % {"day": day},
        [],
        _("Answer the next-day check"),
        "/today/",
    )


def due_questionnaire_titles(delivery: Delivery) -> list[str]:
    """What ``questionnaires.selectors`` says is due on the reminder's day (exact rule): by the
    schedule and sent on demand."""
    return [
        str(due.questionnaire.title)
        for due in questionnaire_selectors.due_with_requests(
            patient=delivery.patient,
            today=delivery.day,
            program_start=questionnaire_selectors.program_start(delivery.patient),
        )
    ]


def _questionnaire(delivery):
    return (
        _("A questionnaire is waiting for you"),
        _(
            "Your therapist uses short questionnaires to see how pain, everyday activities and "
            "worries about movement change. Please fill in:"
        ),
        due_questionnaire_titles(delivery),
        _("Open the questionnaires"),
        "/questionnaires/",
    )


def _habits(delivery):
    assignment = patient_selectors.open_assignment(delivery.patient)
    habits = [str(habit.name) for habit in assignment.program.habits.all()] if assignment else []
    return (
        _("Small things for your back today"),
        _("Your daily habits; tick them off when done:"),
        habits,
        _("Open your habits"),
        "/habits/",
    )


_PATIENT_CONTENT: dict[str, Callable[[Delivery], Any]] = {
    ReminderKind.SESSION: _session,
    ReminderKind.EVENING: _evening,
    ReminderKind.NEXT_DAY: _next_day,
    ReminderKind.QUESTIONNAIRE: _questionnaire,
    ReminderKind.HABITS: _habits,
}


def digest_message(digest: Digest) -> EmailMultiAlternatives:
    therapist = digest.therapist
    with translation.override(settings.LANGUAGE_CODE):
        content = digest_content(therapist=therapist)
        sections = [
            (
                _("Alerts not yet acknowledged"),
                [
                    f"{patient}: "
                    + ", ".join(f"{kind} ({count})" if count > 1 else kind for kind, count in kinds)
                    for patient, kinds in content.flagged
                ],
            ),
            (
                _("Red flags not yet cleared"),
                [f"{patient}: {sign}" for patient, sign in content.red_flags],
            ),
            (
                _("Adherence below 50 % over the last 14 days"),
                [f"{patient}: {int(value * 100)} %" for patient, value in content.low_adherence],
            ),
            (
                _("Ready for the next phase"),
                [f"{patient} ({phase})" for patient, phase in content.ready],
            ),
            (
                _(
                    "E-mails whose delivery is unknown (interrupted while sending, not sent "
                    "again; they may not have arrived)"
                ),
                [
                    f"{patient}: {kind}, {formats.date_format(day, 'SHORT_DATE_FORMAT')}"
                    for patient, kind, day in content.uncertain
                ],
            ),
        ]
        return _message(
            subject=_("Your weekly overview"),
            to=therapist.email,
            template="therapist",
            context={
                "greeting": _greeting(therapist.first_name),
                "intro": _("This is what needs your attention this week.")
                if content
                else _("Nothing needs your attention this week."),
                "sections": [(title, lines) for title, lines in sections if lines],
                "action_label": _("Open the admin"),
                "action_url": _link(reverse("admin:index")),
            },
        )
