"""The text of a PDF made by fpdf2 with embedded TrueType fonts, for assertions.

fpdf2 writes glyph ids (Identity-H), which each font's ToUnicode map turns back into characters;
content streams are Flate-compressed. Enough of PDF for that, and nothing more.
"""

import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.DOTALL)
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
LITERAL = rb"\((?:\\.|[^\\)])*\)"
OPERATOR = re.compile(
    rb"/F(\d+)\s+[\d.]+\s+Tf|(" + LITERAL + rb")\s*Tj|\[((?:" + LITERAL + rb"|[^\]])*)\]\s*TJ",
    re.DOTALL,
)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    def replace(match):
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", replace, literal[1:-1], flags=re.DOTALL)


def _stream(body: bytes) -> bytes:
    match = STREAM.search(body)
    if match is None:
        return b""
    data = match.group(1)
    return zlib.decompress(data) if b"FlateDecode" in body[: match.start()] else data


def pdf_text(pdf: bytes) -> str:
    objects = {int(number): body for number, body in OBJECT.findall(pdf)}
    maps = {}
    for number, body in objects.items():
        match = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if match:
            cmap = _stream(objects[int(match.group(1))])
            maps[number] = {
                int(glyph, 16): bytes.fromhex(char.decode()).decode("utf-16-be")
                for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.DOTALL)
                for glyph, char in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block)
            }
    fonts = {int(name): int(ref) for name, ref in re.findall(rb"/F(\d+) (\d+) 0 R", pdf)}
    lines = []
    for body in objects.values():
        content = _stream(body) if b"stream" in body and b"/Length" in body else b""
        if b" Tf" not in content:
            continue
        glyphs = {}
        for match in OPERATOR.finditer(content):
            if match.group(1):
                glyphs = maps.get(fonts.get(int(match.group(1))), {})
                continue
            literals = [match.group(2)] if match.group(2) else re.findall(LITERAL, match.group(3))
            raw = b"".join(_unescape(literal) for literal in literals)
            codes = (int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2))
            lines.append("".join(glyphs.get(code, "?") for code in codes))
    return "\n".join(lines)
