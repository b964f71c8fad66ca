"""The export as a printable PDF (fpdf2): the same document as the JSON, laid out for people,
in the patient's language.

Text is set in DejaVu Sans (``documents.fonts``), so umlauts, arrows and dashes print on any
machine; without it in fpdf2's built-in Helvetica with every character it cannot encode replaced
— never an error instead of the patient's data.
"""

import logging
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.enums import TableCellFillMode
from fpdf.fonts import FontFace

from documents.fonts import add_fonts
from patients.models import (
    AssignmentStatus,
    FlagKind,
    Language,
    PhaseChangeKind,
    RedFlagSign,
    RedFlagSource,
    ReminderChannel,
)
from privacy.models import ConsentAction, ConsentSource
from reminders.models import DeliveryStatus, ReminderKind

# A part of the export document (privacy.selectors.patient_export): plain JSON-like values.
Document = dict[str, Any]

HEADING_FILL = (228, 236, 242)

# fontTools reports every step of subsetting the font at INFO: noise in the server's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# The safety questions of a symptom report, in the words the patient answered them.
SYMPTOM_QUESTIONS = (
    ("red_flag_saddle_numbness", _lazy("new numbness in the saddle area")),
    ("red_flag_bladder_bowel", _lazy("bladder or bowel changes")),
    ("red_flag_leg_weakness", _lazy("new leg weakness")),
)


def _label(choices, code) -> str:
    if code in (None, ""):
        return "–"
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


class ExportDocument(FPDF):
    def __init__(self, *, title: str, zone: str):
        super().__init__(format="A4")
        self.doc_title = title
        self.zone = zoneinfo.ZoneInfo(zone)
        family = add_fonts(self)
        self.unicode = family is not None
        self.family = family or "helvetica"
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_creator("MTT Rücken")
        self.set_lang(translation.get_language() or "de")
        self.alias_nb_pages()

    # --- text helpers --------------------------------------------------------------------------

    def clean(self, value) -> str:
        text = "–" if value in (None, "") else str(value)
        if not self.unicode:
            text = text.encode("cp1252", "replace").decode("cp1252")
        return text

    def header(self):
        self.set_font(self.family, "", 8)
        self.set_text_color(90)
        self.cell(0, 5, self.clean(self.doc_title), new_x="LMARGIN", new_y="NEXT", align="R")
        self.set_text_color(0)
        self.ln(2)

    def footer(self):
        self.set_y(-13)
        self.set_font(self.family, "", 8)
        self.set_text_color(90)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, self.clean(page), align="C")
        self.set_text_color(0)

    def heading(self, text: str, level: int = 1) -> None:
        size = {0: 17, 1: 13, 2: 11}[level]
        if self.will_page_break(size + 12):
            self.add_page()
        self.ln(3 if level else 0)
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.55, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)
        self.set_font(self.family, "", 9)

    def paragraph(self, text: str, size: int = 9) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, 4.6, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def fields(self, rows: Iterable[tuple[str, object]]) -> None:
        """A two-column label/value table."""
        self.set_font(self.family, "", 9)
        with self.table(
            col_widths=(55, 125),
            first_row_as_headings=False,
            line_height=5,
            borders_layout="HORIZONTAL_LINES",
            text_align="LEFT",
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(self.clean(label), style=FontFace(emphasis="BOLD"))
                row.cell(self.clean(value))
        self.ln(2)

    def rows(
        self, headings: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int]
    ) -> None:
        """A table whose heading row repeats on every page it runs over."""
        rows = list(rows)
        if not rows:
            self.paragraph(_("None."))
            return
        self.set_font(self.family, "", 8)
        with self.table(
            col_widths=widths,
            line_height=4.4,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            cell_fill_color=(247, 249, 251),
            cell_fill_mode=TableCellFillMode.ROWS,
            repeat_headings=1,
            text_align="LEFT",
        ) as table:
            heading = table.row()
            for text in headings:
                heading.cell(self.clean(text))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.clean(value))
        self.ln(2)

    # --- values --------------------------------------------------------------------------------

    def when(self, value: datetime | None) -> str:
        if value is None:
            return "–"
        return formats.date_format(value.astimezone(self.zone), "SHORT_DATETIME_FORMAT")

    def day(self, value: date | None) -> str:
        if value is None:
            return "–"
        return formats.date_format(value, "SHORT_DATE_FORMAT")


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def _dose(item: dict) -> str:
    if item["reps_min"] is not None:
        amount = f"{item['reps_min']}–{item['reps_max']}"
    elif item["duration_min_s"] is not None:
        amount = f"{item['duration_min_s']}–{item['duration_max_s']} s"
    else:
        amount = ""
    return f"{item['sets']} × {amount}" if amount else str(item["sets"])


def _amount(entry: dict) -> str:
    if entry["skipped"]:
        reason = entry["skip_reason"]
        return _("skipped") + (f": {reason}" if reason else "")
    parts = [str(entry["sets_done"]) + " ×"]
    if entry["reps"] is not None:
        parts.append(str(entry["reps"]))
    if entry["duration_s"] is not None:
        parts.append(f"{entry['duration_s']} s")
    if entry["load_kg"] is not None:
        parts.append(f"{formats.number_format(entry['load_kg'])} kg")
    return " ".join(parts)


def export_pdf(document: dict) -> bytes:
    """The PDF of an export document (``privacy.selectors.patient_export``)."""
    patient = document["patient"]
    with translation.override(patient["language"]):
        return _render(document, patient)


def _or_dash(value) -> object:
    """A session stopped at the safety questions has no "after" values."""
    return "–" if value is None else value


def _render(document: Document, patient: Document) -> bytes:
    """The export's sections, in print order; each section is a function below."""
    name = f"{patient['first_name']} {patient['last_name']}".strip() or patient["username"]
    pdf = ExportDocument(title=_("Your data at MTT Rücken"), zone=patient["time_zone"])
    pdf.set_subject(name)
    pdf.add_page()
    _introduction(pdf, document)
    _profile(pdf, patient, name)
    for section in (
        _consent,
        _safety,
        _programmes,
        _sessions,
        _exercises_logged,
        _next_day_checks,
        _alerts,
        _questionnaires,
        _habits,
        _reminders,
        _push_devices,
        _api_tokens,
    ):
        section(pdf, document)
    return bytes(pdf.output())


def _introduction(pdf: ExportDocument, document: Document) -> None:
    """The title and what the export is."""
    pdf.heading(_("Your data at MTT Rücken"), level=0)
    pdf.paragraph(
        _(
            "Everything the practice stores about you in MTT Rücken, as of %(when)s. The JSON "
            "download holds the same data in a machine-readable form."
        )
        % {"when": pdf.when(document["exported_at"])}
    )


def _profile(pdf: ExportDocument, patient: Document, name: str) -> None:
    """The profile and the reminder settings."""
    pdf.heading(_("Profile"))
    pdf.fields(
        [
            (_("Name"), name),
            (_("Username"), patient["username"]),
            (_("E-mail"), patient["email"]),
            (_("Date of birth"), pdf.day(patient["date_of_birth"])),
            (_("Language"), _label(Language, patient["language"])),
            (_("Time zone"), patient["time_zone"]),
            (_("Therapist"), patient["therapist"]),
            (_("Pain limit"), f"{patient['pain_limit']} / 10"),
            (_("Diagnosis"), patient["diagnosis"]),
            (_("Chronic inflammatory disease"), _yes(patient["chronic_inflammatory_disease"])),
            (_("Relevant conditions"), patient["relevant_conditions"]),
            (_("Patient since"), pdf.when(patient["created_at"])),
            (_("Last login"), pdf.when(patient["last_login"])),
        ]
    )
    reminders = patient["reminders"]
    pdf.heading(_("Reminder settings"), level=2)
    pdf.fields(
        [
            (_("Reminder time"), reminders["time"]),
            (
                _("Send reminders by"),
                ", ".join(_label(ReminderChannel, channel) for channel in reminders["channels"]),
            ),
            (_("No reminders"), _yes(reminders["opt_out"])),
            (_("Habit reminders"), _yes(reminders["habit_reminders"])),
            (_("Quiet hours"), f"{reminders['quiet_hours_start']}–{reminders['quiet_hours_end']}"),
            (_("Calendar feed"), _yes(reminders["calendar_feed"])),
        ]
    )


def _consent(pdf: ExportDocument, document: Document) -> None:
    """Every consent given or withdrawn."""
    pdf.heading(_("Consent"))
    pdf.rows(
        [_("When"), _("Action"), _("Version"), _("Where")],
        (
            (
                pdf.when(record["recorded_at"]),
                _label(ConsentAction, record["action"]),
                record["version"],
                _label(ConsentSource, record["source"]),
            )
            for record in document["consent_records"]
        ),
        (40, 35, 35, 70),
    )


def _safety(pdf: ExportDocument, document: Document) -> None:
    """Screenings, red flags and symptom reports (docs/clinical-safety.md)."""
    pdf.heading(_("Screening and red flags"))
    pdf.rows(
        [_("Screened"), _("Notes")],
        ((pdf.when(s["screened_at"]), s["notes"]) for s in document["screenings"]),
        (40, 140),
    )
    pdf.rows(
        [_("Recorded"), _("Sign"), _("Found at"), _("Notes"), _("Cleared"), _("Clearance")],
        (
            (
                pdf.when(flag["recorded_at"]),
                _label(RedFlagSign, flag["sign"]),
                _label(RedFlagSource, flag["source"]),
                flag["notes"],
                pdf.when(flag["cleared_at"]),
                flag["clearance_note"],
            )
            for flag in document["red_flags"]
        ),
        (27, 43, 25, 30, 27, 28),
    )
    if document["symptom_reports"]:
        pdf.heading(_("Symptom reports"), level=2)
        pdf.rows(
            [_("Reported"), _("Warning signs"), _("Pain"), _("Flags"), _("Notes")],
            (
                (
                    pdf.when(report["reported_at"]),
                    ", ".join(str(label) for field, label in SYMPTOM_QUESTIONS if report[field])
                    or _("none"),
                    report["pain"],
                    ", ".join(_label(FlagKind, code) for code in report["flag_reasons"]) or "–",
                    report["notes"],
                )
                for report in document["symptom_reports"]
            ),
            (27, 50, 12, 40, 51),
        )


def _programmes(pdf: ExportDocument, document: Document) -> None:
    """Each programme with its phase changes and prescription."""
    pdf.heading(_("Programmes"))
    if not document["assignments"]:
        pdf.paragraph(_("None."))
    for assignment in document["assignments"]:
        pdf.heading(
            _("%(program)s, from %(start)s")
            % {"program": assignment["program"], "start": pdf.day(assignment["start_date"])},
            level=2,
        )
        pdf.fields(
            [
                (_("Status"), _label(AssignmentStatus, assignment["status"])),
                (
                    _("Current phase"),
                    f"{assignment['current_phase']}: {assignment['current_phase_name']}",
                ),
                (_("In this phase since"), pdf.day(assignment["phase_started_on"])),
            ]
        )
        pdf.rows(
            [_("Changed"), _("Change"), _("From"), _("To"), _("Reason")],
            (
                (
                    pdf.when(change["changed_at"]),
                    _label(PhaseChangeKind, change["kind"]),
                    change["from_phase"],
                    change["to_phase"],
                    change["reason"],
                )
                for change in assignment["phase_changes"]
            ),
            (30, 22, 14, 14, 100),
        )
        pdf.rows(
            [_("Phase"), _("Exercise"), _("Dose"), _("Rest"), _("Added"), _("Removed")],
            (
                (
                    item["phase"],
                    item["exercise_name"],
                    _dose(item),
                    f"{item['rest_s']} s",
                    pdf.day(item["added_at"].date() if item["added_at"] else None),
                    pdf.day(item["removed_at"].date() if item["removed_at"] else None),
                )
                for item in assignment["prescription"]
            ),
            (14, 62, 30, 16, 29, 29),
        )


def _sessions(pdf: ExportDocument, document: Document) -> None:
    """The sessions; the exercises logged in them and their next-day checks follow."""
    sessions = document["sessions"]
    pdf.heading(
        ngettext("%(count)d session", "%(count)d sessions", len(sessions))
        % {"count": len(sessions)}
    )
    pdf.rows(
        [
            _("Performed"),
            _("Phase"),
            _("Pain before"),
            _("Pain after"),
            _("Effort"),
            _("Next day"),
            _("Flags"),
            _("Notes"),
        ],
        (
            (
                pdf.when(session["performed_at"]),
                session["phase"],
                session["pain_before"],
                _or_dash(session["pain_after"]),
                _or_dash(session["rpe"]),
                session["next_day_check"]["pain"] if session["next_day_check"] else "–",
                ", ".join(_label(FlagKind, code) for code in session["flag_reasons"]) or "–",
                session["notes"],
            )
            for session in sessions
        ),
        (27, 11, 16, 16, 19, 13, 39, 39),
    )


def _exercises_logged(pdf: ExportDocument, document: Document) -> None:
    sessions = document["sessions"]
    pdf.heading(_("Exercises logged"), level=2)
    pdf.rows(
        [_("Performed"), _("Exercise"), _("Done"), _("Pain")],
        (
            (
                pdf.when(session["performed_at"]),
                entry["exercise_name"],
                _amount(entry),
                entry["pain"],
            )
            for session in sessions
            for entry in session["entries"]
        ),
        (30, 80, 55, 15),
    )


def _next_day_checks(pdf: ExportDocument, document: Document) -> None:
    checks = [s for s in document["sessions"] if s["next_day_check"]]
    pdf.heading(_("Next-day checks"), level=2)
    pdf.rows(
        [_("Session"), _("Answered"), _("Pain"), _("Flagged"), _("Notes")],
        (
            (
                pdf.when(s["performed_at"]),
                pdf.when(s["next_day_check"]["answered_at"]),
                s["next_day_check"]["pain"],
                _yes(s["next_day_check"]["flagged"]),
                s["next_day_check"]["notes"],
            )
            for s in checks
        ),
        (32, 32, 14, 18, 84),
    )


def _alerts(pdf: ExportDocument, document: Document) -> None:
    pdf.heading(_("Alerts for your therapist"))
    pdf.rows(
        [_("Raised"), _("Kind"), _("Acknowledged")],
        (
            (
                pdf.when(alert["created_at"]),
                _label(FlagKind, alert["kind"]),
                pdf.when(alert["acknowledged_at"]),
            )
            for alert in document["alerts"]
        ),
        (40, 100, 40),
    )


def _questionnaires(pdf: ExportDocument, document: Document) -> None:
    pdf.heading(_("Questionnaires"))
    pdf.rows(
        [_("Submitted"), _("Questionnaire"), _("Score"), _("Band"), _("Answers")],
        (
            (
                pdf.when(response["submitted_at"]),
                response["title"],
                "–" if response["score"] is None else formats.number_format(response["score"]),
                response["band"],
                ", ".join(
                    f"{answer['item']}: {'–' if answer['value'] is None else answer['value']}"
                    for answer in response["answers"]
                ),
            )
            for response in document["questionnaire_responses"]
        ),
        (28, 45, 14, 23, 70),
    )


def _habits(pdf: ExportDocument, document: Document) -> None:
    pdf.heading(_("Daily habits"))
    pdf.rows(
        [_("Day"), _("Habit"), _("Times")],
        (
            (pdf.day(check["day"]), check["habit_name"], check["count"])
            for check in document["habit_checks"]
        ),
        (30, 130, 20),
    )


def _reminders(pdf: ExportDocument, document: Document) -> None:
    pdf.heading(_("Reminders sent to you"))
    pdf.rows(
        [_("Day"), _("Kind"), _("Status"), _("Sent")],
        (
            (
                pdf.day(delivery["day"]),
                _label(ReminderKind, delivery["kind"]),
                _label(DeliveryStatus, delivery["status"]),
                pdf.when(delivery["sent_at"]),
            )
            for delivery in document["reminder_deliveries"]
        ),
        (30, 60, 50, 40),
    )


def _push_devices(pdf: ExportDocument, document: Document) -> None:
    pdf.heading(_("Devices for push reminders"))
    pdf.rows(
        [_("Address at the push service"), _("Registered"), _("Last push")],
        (
            (
                _short_endpoint(device["endpoint"]),
                pdf.when(device["created_at"]),
                pdf.when(device["last_sent_at"]),
            )
            for device in document["push_subscriptions"]
        ),
        (100, 40, 40),
    )


def _short_endpoint(endpoint: str) -> str:
    """The push service and the end of the device's address (the JSON has all of it): a long
    address without spaces would not fit the table's column."""
    return f"{urlsplit(endpoint).hostname or ''}/…{endpoint[-16:]}"


def _api_tokens(pdf: ExportDocument, document: Document) -> None:
    pdf.heading(_("App access keys (API tokens)"))
    pdf.rows(
        [_("Key starts with"), _("Created"), _("Expires"), _("Revoked")],
        (
            (
                token["prefix"] + "…",
                pdf.when(token["created_at"]),
                pdf.when(token["expires_at"]),
                pdf.when(token["revoked_at"]),
            )
            for token in document["api_tokens"]
        ),
        (45, 45, 45, 45),
    )
