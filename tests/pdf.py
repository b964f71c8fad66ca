"""Reading the PDFs the app writes (fpdf2: embedded TrueType fonts, Identity-H glyph ids mapped
back to characters by each font's ToUnicode table), with pypdf rather than by hand."""

import io

from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def pdf_text(pdf: bytes) -> str:
    """The text of every page, page after page, one line per printed line."""
    return "\n".join(page.extract_text() for page in reader(pdf).pages)


def page_count(pdf: bytes) -> int:
    return len(reader(pdf).pages)
