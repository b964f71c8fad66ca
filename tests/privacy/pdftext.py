"""The text of a PDF made by fpdf2 with embedded TrueType fonts, for assertions.

fpdf2 writes glyph ids (Identity-H), which each font's ToUnicode map turns back into characters;
content streams are Flate-compressed. Enough of PDF for that, and nothing more.
"""

import re
import zlib

HEADER = re.compile(rb"(\d+) 0 obj\b")
LENGTH = re.compile(rb"/Length (\d+)\b(?! \d+ R)")
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


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """number → (dictionary, decoded stream). A stream is cut by its /Length, never by
    searching for "endstream"/"endobj": compressed bytes may contain those words."""
    objects = {}
    position = 0
    while match := HEADER.search(pdf, position):
        start = match.end()
        stream_at = pdf.find(b"stream", start)
        end = pdf.find(b"endobj", start)
        data = b""
        if stream_at != -1 and (end == -1 or stream_at < end):
            dictionary = pdf[start:stream_at]
            data_start = stream_at + len(b"stream")
            data_start += 2 if pdf[data_start : data_start + 2] == b"\r\n" else 1
            length = LENGTH.search(dictionary)
            data_end = (
                data_start + int(length.group(1)) if length else pdf.find(b"endstream", data_start)
            )
            data = pdf[data_start:data_end]
            if b"FlateDecode" in dictionary:
                data = zlib.decompress(data)
            end = pdf.find(b"endobj", data_end)
        else:
            dictionary = pdf[start:end]
        objects[int(match.group(1))] = (dictionary, data)
        position = end + len(b"endobj")
    return objects


def pdf_text(pdf: bytes) -> str:
    objects = _objects(pdf)
    maps = {}
    for number, (dictionary, _data) in objects.items():
        match = re.search(rb"/ToUnicode (\d+) 0 R", dictionary)
        if match:
            cmap = objects[int(match.group(1))][1]
            maps[number] = {
                int(glyph, 16): bytes.fromhex(char.decode()).decode("utf-16-be")
                for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.DOTALL)
                for glyph, char in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block)
            }
    fonts = {int(name): int(ref) for name, ref in re.findall(rb"/F(\d+) (\d+) 0 R", pdf)}
    lines = []
    for _dictionary, content in objects.values():
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
