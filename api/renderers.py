"""JSON rendered with orjson: the same bytes as DRF's ``JSONRenderer`` (compact, UTF-8, U+2028 and
U+2029 escaped), several times faster on the hot reads' bodies (docs/architecture.md).

orjson writes str, int, float, bool, None, lists and dicts itself; everything else (dates and
times, Decimal, lazy translations, UUIDs, querysets) goes through DRF's own encoder, so numbers
and dates keep DRF's formats. The one difference: floats below 1e-4 are written ``1e-7``, not
``1e-07`` (the same number; tests/api/test_renderer.py).
"""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class OrjsonRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            # What orjson refuses (e.g. integers beyond 64 bits): DRF decides, as before.
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in LINE_SEPARATORS:
            if raw in body:
                body = body.replace(raw, escaped)
        return body
