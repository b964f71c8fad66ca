"""The font every printable PDF is set in (the data export, the take-home programme).

DejaVu Sans is shipped in ``documents/fonts`` (Bitstream Vera licence, see
``LICENSE-DejaVu.txt``), so umlauts, arrows and dashes print on any machine. Should the files be
missing, the system's DejaVu is used, and failing that fpdf2's built-in Helvetica with every
character it cannot encode replaced — never an error instead of the patient's data.
"""

from pathlib import Path

from fpdf import FPDF

FONT_DIRS = (Path(__file__).resolve().parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVu"


def font_dir() -> Path | None:
    """The first folder that holds every DejaVu file, or None."""
    for folder in FONT_DIRS:
        if all((folder / name).is_file() for name in FONT_FILES.values()):
            return folder
    return None


def add_fonts(pdf: FPDF) -> str | None:
    """Add DejaVu to ``pdf``; returns its family, or None when no DejaVu is found (the caller
    falls back to Helvetica)."""
    folder = font_dir()
    if folder is None:
        return None
    for style, name in FONT_FILES.items():
        pdf.add_font(FAMILY, style=style, fname=str(folder / name))
    return FAMILY
