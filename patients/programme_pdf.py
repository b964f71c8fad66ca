"""The take-home programme: the patient's prescription as an A4 PDF to print and put on the fridge
(docs/product.md, "The take-home programme"), and the same texts for ``GET me/programme/``.

It holds the prescription and the patient's name, nothing else: the practice, the phase and its
aim, each prescribed exercise with its pictures, its dose in words, cues and safety notes, the
pain rule, what to do on a warning sign (the emergency wording of ``patients.rules.Advice``, never
softened) and a QR code to the portal's login page. Pictures are the exercise's uploaded images
or, without any, the project's own drawings (``static/programs/exercises``). Text is set in the
DejaVu font the data export uses too (``documents.fonts``), so umlauts print anywhere.
"""

import io
import logging
from dataclasses import dataclass, field
from decimal import Decimal

import qrcode
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from PIL import Image

from documents.fonts import add_fonts
from patients.models import Language, PrescriptionItem, Side
from patients.rules import Advice
from patients.selectors import TakeHomeProgramme
from programs.models import MediaKind, MediaRole, SetUnit

logger = logging.getLogger(__name__)
# fpdf2 warns once per drawing that it skips the SVG <title> (the accessible name, kept for the
# browser; the PDF gets the alt text instead): noise in the server's log.
logging.getLogger("fpdf.svg").setLevel(logging.ERROR)

DRAWINGS = "programs/exercises/{slug}-{role}.svg"
PICTURE_ROLES = (MediaRole.START_POSITION, MediaRole.END_POSITION)
LANGUAGES = tuple(code for code, _label in Language.choices)
ACCENT = (15, 118, 110)
URGENT_FILL = (254, 226, 226)
NOTE_FILL = (240, 246, 248)


def language_for(patient, requested: str | None) -> str | None:
    """The document's language: ``requested`` when it is one of ours, else None (refused);
    the patient's own language when nothing was asked for."""
    if not requested:
        return patient.language if patient.language in LANGUAGES else LANGUAGES[0]
    return requested if requested in LANGUAGES else None


def pdf_response(pdf: bytes, *, language: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="programme-{language}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["Content-Language"] = language
    return response


def login_url() -> str:
    return settings.SITE_URL + reverse("login")


@dataclass
class Picture:
    alt: str
    static_path: str = ""
    stored_name: str = ""
    url: str = ""


@dataclass
class ExerciseSheet:
    slug: str
    name: str
    phase: int
    goal: str
    dose: list[tuple[str, str]]
    equipment: str
    cues: list[str]
    safety: str
    pictures: list[Picture] = field(default_factory=list)
    media: list = field(default_factory=list)


def _amount(item) -> str:
    if item.set_unit == SetUnit.PASSES:
        return ngettext(
            "%(count)d set per body region", "%(count)d sets per body region", item.sets
        ) % {"count": item.sets}
    if item.reps_min is not None:
        reps = _range(item.reps_min, item.reps_max)
        return ngettext(
            "%(count)d set of %(reps)s repetitions",
            "%(count)d sets of %(reps)s repetitions",
            item.sets,
        ) % {"count": item.sets, "reps": reps}
    if item.duration_min_s is not None:
        seconds = _range(item.duration_min_s, item.duration_max_s)
        return ngettext(
            "%(count)d set of %(seconds)s seconds",
            "%(count)d sets of %(seconds)s seconds",
            item.sets,
        ) % {"count": item.sets, "seconds": seconds}
    return ngettext("%(count)d set", "%(count)d sets", item.sets) % {"count": item.sets}


def _number(value: Decimal) -> str:
    """5 rather than 5.0; 2,5 in German."""
    return formats.localize(int(value) if value == value.to_integral_value() else value)


def _range(low: int, high: int | None) -> str:
    return str(low) if high is None or low == high else f"{low}–{high}"


def dose_in_words(item: PrescriptionItem) -> list[tuple[str, str]]:
    """(label, words) rows: amount, tempo, the patient's own extras (weight, band, hold time,
    side), rest, how often."""
    tempo = str(item.get_tempo_display())
    note = item.exercise.goal.tempo_note if item.exercise.goal_id else ""
    rows = [(_("Dose"), _amount(item)), (_("Tempo"), note or tempo)]
    if item.load_kg is not None:
        rows.append((_("Weight"), _("%(load)s kg") % {"load": _number(item.load_kg)}))
    if item.band:
        rows.append((_("Band or level"), item.band))
    if item.hold_s:
        rows.append(
            (
                _("Hold"),
                ngettext(
                    "%(seconds)d second each repetition",
                    "%(seconds)d seconds each repetition",
                    item.hold_s,
                )
                % {"seconds": item.hold_s},
            )
        )
    if item.side == Side.LEFT:
        rows.append((_("Side"), _("left side only")))
    elif item.side == Side.RIGHT:
        rows.append((_("Side"), _("right side only")))
    if item.rest_s:
        rows.append((_("Rest"), _("%(seconds)d seconds between sets") % {"seconds": item.rest_s}))
    elif item.sets > 1:
        rows.append((_("Rest"), _("no break needed")))
    rows.append((_("How often"), str(item.get_frequency_display())))
    return rows


def _pictures(exercise) -> tuple[list[Picture], list]:
    """The exercise's start/end pictures (uploaded or registered drawings, at most two), else the
    project's own drawings when the files exist; and every media item for the JSON."""
    media = list(exercise.media.all())
    images = [item for item in media if item.kind == MediaKind.IMAGE]
    # An uploaded start/end photo replaces the drawings; then the drawings; then any picture.
    positions = [item for item in images if item.role in PICTURE_ROLES]
    chosen = [item for item in positions if not item.static_path] or positions or images
    pictures = [
        Picture(
            alt=item.alt,
            static_path=item.static_path,
            stored_name="" if item.static_path else item.file.name,
            url=item.url,
        )
        for item in chosen[:2]
    ]
    if not pictures:
        for role in ("start", "end"):
            path = DRAWINGS.format(slug=exercise.slug, role=role)
            if finders.find(path):
                label = _("Start position") if role == "start" else _("End position")
                pictures.append(Picture(alt=f"{exercise.name}: {label}", static_path=path))
    return pictures, media


def exercise_sheets(programme: TakeHomeProgramme) -> list[ExerciseSheet]:
    """Each prescribed exercise's texts in the active language."""
    sheets = []
    for item in programme.items:
        exercise = item.exercise
        pictures, media = _pictures(exercise)
        sheets.append(
            ExerciseSheet(
                slug=exercise.slug,
                name=exercise.name,
                phase=item.phase.number,
                goal=exercise.goal.name,
                dose=dose_in_words(item),
                equipment=exercise.equipment,
                cues=[line.strip() for line in exercise.cues.splitlines() if line.strip()],
                safety=exercise.safety_notes,
                pictures=pictures,
                media=media,
            )
        )
    return sheets


def pain_rule(patient) -> list[str]:
    return [
        _(
            "Rate your pain from 0 (none) to 10 (the worst imaginable). Your pain limit is "
            "%(limit)s out of 10: stay below it during and after every exercise."
        )
        % {"limit": patient.pain_limit},
        str(Advice.STAY_BELOW_LIMIT.message),
        str(Advice.REDUCE_RANGE_OR_LOAD.message),
        str(Advice.STOP_TODAY.message),
        str(Advice.CONTACT_IF_PERSISTS.message),
    ]


def red_flag_rule() -> list[str]:
    """Word for word the portal's urgent advice."""
    return [str(Advice.EMERGENCY_NOW.message), str(Advice.DOCTOR_TODAY.message)]


# --- the PDF -------------------------------------------------------------------------------------


class ProgrammeDocument(FPDF):
    def __init__(self, *, title: str, language: str):
        super().__init__(format="A4")
        family = add_fonts(self)
        self.unicode = family is not None
        self.family = family or "helvetica"
        self.doc_title = title
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(auto=True, margin=16)
        self.set_title(title)
        self.set_creator(settings.PRACTICE_NAME)
        self.set_lang(language)
        self.alias_nb_pages()

    def clean(self, value) -> str:
        text = "" if value is None else str(value)
        if not self.unicode:
            text = text.encode("cp1252", "replace").decode("cp1252")
        return text

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.set_text_color(90)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, self.clean(f"{self.doc_title} · {page}"), align="C")
        self.set_text_color(0)

    def text_block(self, text: str, *, size: float = 9.5, style: str = "", height: float = 4.8):
        self.set_font(self.family, style, size)
        self.multi_cell(0, height, self.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")

    def _line_count(self, text: str, *, height: float) -> int:
        """How many lines ``text`` takes in a cell of the full width (fpdf2's dry run)."""
        lines = self.multi_cell(0, height, self.clean(text), dry_run=True, output="LINES")
        return len(lines) if isinstance(lines, list) else 1

    def boxed(self, title: str, lines: list[str], *, fill: tuple[int, int, int]) -> None:
        """A shaded box with a bold title; kept on one page."""
        self.set_font(self.family, "", 9.5)
        needed = 10 + sum(self._line_count(line, height=4.8) * 4.8 + 1 for line in lines)
        if self.will_page_break(needed):
            self.add_page()
        self.set_fill_color(*fill)
        top = self.get_y()
        self.rect(self.l_margin, top, self.epw, needed, style="F")
        self.set_xy(self.l_margin + 3, top + 2)
        self.set_font(self.family, "B", 11)
        self.cell(0, 6, self.clean(title), new_x="LMARGIN", new_y="NEXT")
        for line in lines:
            self.set_x(self.l_margin + 3)
            self.set_font(self.family, "", 9.5)
            self.multi_cell(
                self.epw - 6, 4.8, self.clean(line), new_x="LMARGIN", new_y="NEXT", align="L"
            )
            self.ln(1)
        self.set_y(top + needed + 3)

    def picture(self, picture: Picture, *, x: float, y: float, w: float) -> float:
        """Draws one picture; answers its height (0 when its file cannot be read)."""
        try:
            if picture.static_path:
                path = finders.find(picture.static_path)
                if not path:
                    return 0
                info = self.image(path, x=x, y=y, w=w, alt_text=self.clean(picture.alt))
            else:
                with default_storage.open(picture.stored_name, "rb") as handle:
                    image = Image.open(io.BytesIO(handle.read()))
                    image.load()
                info = self.image(image, x=x, y=y, w=w, alt_text=self.clean(picture.alt))
        except (OSError, ValueError, SyntaxError):
            # A missing or broken file leaves the text of the exercise; no patient data logged.
            logger.warning("programme picture could not be drawn", exc_info=True)
            return 0
        return float(info.rendered_height)

    def qr_code(self, url: str, *, x: float, y: float, size: float) -> None:
        code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(url)
        code.make(fit=True)
        image = code.make_image(fill_color="black", back_color="white").get_image()
        self.image(image.convert("RGB"), x=x, y=y, w=size, h=size, alt_text=url)


def programme_pdf(programme: TakeHomeProgramme, *, language: str) -> bytes:
    with translation.override(language):
        return _build(programme, language)


def _build(programme: TakeHomeProgramme, language: str) -> bytes:
    patient = programme.patient
    assignment = programme.assignment
    title = _("Exercise programme")
    pdf = ProgrammeDocument(title=title, language=language)
    pdf.add_page()

    # Practice, patient, QR code to the portal.
    qr_size = 28
    top = pdf.get_y()
    pdf.qr_code(login_url(), x=pdf.w - pdf.r_margin - qr_size, y=top, size=qr_size)
    text_width = pdf.epw - qr_size - 5
    pdf.set_font(pdf.family, "B", 11)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(text_width, 5.5, pdf.clean(settings.PRACTICE_NAME), new_x="LMARGIN")
    pdf.set_text_color(0)
    pdf.set_font(pdf.family, "", 9.5)
    if settings.PRACTICE_PHONE:
        phone = _("Phone: %(phone)s") % {"phone": settings.PRACTICE_PHONE}
        pdf.multi_cell(text_width, 5, pdf.clean(phone), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(pdf.family, "B", 18)
    pdf.multi_cell(text_width, 8, pdf.clean(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 11)
    pdf.multi_cell(
        text_width,
        6,
        pdf.clean(_("for %(name)s") % {"name": patient}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(pdf.family, "", 8)
    pdf.set_text_color(90)
    pdf.multi_cell(
        text_width,
        4,
        pdf.clean(_("Scan the code to open your programme online: %(url)s") % {"url": login_url()}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0)
    pdf.set_y(max(pdf.get_y(), top + qr_size) + 4)

    if assignment is not None:
        phase = assignment.current_phase
        pdf.set_font(pdf.family, "B", 13)
        pdf.multi_cell(
            0,
            6.5,
            pdf.clean(
                _("Phase %(number)s: %(name)s") % {"number": phase.number, "name": phase.name}
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.text_block(phase.aim)
        pdf.ln(3)

    sheets = exercise_sheets(programme)
    if not sheets:
        pdf.text_block(_("No exercise is prescribed at the moment. Your therapist will add them."))
    for number, sheet in enumerate(sheets, start=1):
        _exercise(pdf, number, sheet)

    pdf.boxed(_("The pain rule"), pain_rule(patient), fill=NOTE_FILL)
    pdf.boxed(
        _("Warning signs: stop and get help"),
        red_flag_rule()
        + (
            [_("Your practice: %(phone)s") % {"phone": settings.PRACTICE_PHONE}]
            if settings.PRACTICE_PHONE
            else []
        ),
        fill=URGENT_FILL,
    )
    return bytes(pdf.output())


def _exercise(pdf: ProgrammeDocument, number: int, sheet: ExerciseSheet) -> None:
    picture_width = 52
    picture_height = picture_width * 200 / 320
    if pdf.will_page_break(8 + picture_height + 30):
        pdf.add_page()
    pdf.set_draw_color(200)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    pdf.set_font(pdf.family, "B", 12)
    pdf.multi_cell(0, 6, pdf.clean(f"{number}. {sheet.name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 8.5)
    pdf.set_text_color(90)
    pdf.cell(0, 4.5, pdf.clean(sheet.goal), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.ln(1)

    top = pdf.get_y()
    drawn = 0.0
    x = pdf.l_margin
    for picture in sheet.pictures:
        height = pdf.picture(picture, x=x, y=top, w=picture_width)
        if height:
            pdf.set_draw_color(215)
            pdf.rect(x, top, picture_width, height)
            x += picture_width + 4
            drawn = max(drawn, height)
    text_x = x if drawn else pdf.l_margin
    # Dose next to the pictures when there is room, below them otherwise.
    if drawn and pdf.w - pdf.r_margin - text_x < 50:
        pdf.set_y(top + drawn + 2)
        text_x = pdf.l_margin
    else:
        pdf.set_y(top)
    width = pdf.w - pdf.r_margin - text_x
    for label, words in sheet.dose:
        pdf.set_x(text_x)
        pdf.set_font(pdf.family, "B", 9)
        pdf.cell(22, 4.6, pdf.clean(label))
        pdf.set_font(pdf.family, "", 9)
        pdf.multi_cell(width - 22, 4.6, pdf.clean(words), new_x="LMARGIN", new_y="NEXT", align="L")
    if sheet.equipment:
        pdf.set_x(text_x)
        pdf.set_font(pdf.family, "B", 9)
        pdf.cell(22, 4.6, pdf.clean(_("Equipment")))
        pdf.set_font(pdf.family, "", 9)
        pdf.multi_cell(
            width - 22, 4.6, pdf.clean(sheet.equipment), new_x="LMARGIN", new_y="NEXT", align="L"
        )
    pdf.set_y(max(pdf.get_y(), top + drawn) + 2)

    if sheet.cues:
        pdf.set_font(pdf.family, "B", 9.5)
        pdf.cell(0, 5, pdf.clean(_("Key points")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.family, "", 9.5)
        for cue in sheet.cues:
            pdf.set_x(pdf.l_margin + 2)
            pdf.multi_cell(0, 4.8, pdf.clean(f"•  {cue}"), new_x="LMARGIN", new_y="NEXT", align="L")
    if sheet.safety:
        pdf.ln(1)
        pdf.set_font(pdf.family, "B", 9.5)
        pdf.cell(0, 5, pdf.clean(_("Safety")), new_x="LMARGIN", new_y="NEXT")
        pdf.text_block(sheet.safety, size=9)
    pdf.ln(4)
