"""Checking and preparing uploaded exercise pictures and videos (docs/operations.md "Media files").

A file is judged by its content, never by its name or the browser's content type: PNG, JPEG and
WebP must open and verify in Pillow; MP4 must start with an ``ftyp`` box of a video brand and WebM
with the EBML header. SVG is refused (it can carry scripts); the project's own drawings are static
files. Pictures are re-encoded (which drops EXIF, GPS positions included) into a phone-sized
rendition and a thumbnail; a video gets a poster frame from ffmpeg when it is installed, otherwise
a plain generated poster.
"""

import contextlib
import hashlib
import io
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from programs.models import MediaKind

RENDITION_PX = 1080  # the longer side of the picture a phone shows
THUMBNAIL_PX = 320
MAX_PIXELS = 50_000_000  # larger pictures are refused before decoding (decompression bombs)
HEADER_BYTES = 64

IMAGE_FORMATS = {"PNG", "JPEG", "WEBP"}
# ISO base media brands of MP4 video; HEIC/AVIF pictures and QuickTime use the same box, other
# brands.
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash"}
MP4_BRANDS |= {b"M4V ", b"mmp4", b"MSNV"}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"


@dataclass
class Rendition:
    content: bytes
    extension: str
    width: int
    height: int

    def name(self, folder: str = "exercises") -> str:
        """Named by its content, so the URL can be cached for ever (same name, same bytes)."""
        digest = hashlib.sha256(self.content).hexdigest()[:24]
        return f"{folder}/{digest}.{self.extension}"


@dataclass
class PreparedMedia:
    kind: str
    file: Rendition
    thumbnail: Rendition
    poster: Rendition | None = None
    notes: list[str] = field(default_factory=list)


def max_upload_bytes() -> int:
    return settings.MEDIA_MAX_UPLOAD_MB * 1024 * 1024


def _read(upload) -> bytes:
    upload.seek(0)
    content = upload.read(max_upload_bytes() + 1)
    upload.seek(0)
    return content


def sniff(header: bytes) -> str | None:
    """The kind the first bytes announce: "image", "video" or None for anything else."""
    if header.startswith(b"\x89PNG\r\n\x1a\n") or header.startswith(b"\xff\xd8\xff"):
        return MediaKind.IMAGE
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return MediaKind.IMAGE
    if header[4:8] == b"ftyp" and header[8:12] in MP4_BRANDS:
        return MediaKind.VIDEO
    if header.startswith(EBML_MAGIC):
        return MediaKind.VIDEO
    return None


def _refusal(header: bytes) -> ValidationError:
    stripped = header.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in header.lower():
        message = _(
            "SVG files are not accepted: they can contain scripts. Upload the picture as PNG, "
            "JPEG or WebP."
        )
    elif header.startswith((b"MZ", b"\x7fELF", b"#!", b"PK\x03\x04", b"\xca\xfe\xba\xbe")):
        message = _(
            "This file is a program or an archive, not a picture or a video, whatever its name "
            "says. Upload a PNG, JPEG or WebP picture or an MP4 or WebM video."
        )
    else:
        message = _(
            "This file is not a PNG, JPEG or WebP picture or an MP4 or WebM video (checked by "
            "its content, not its name)."
        )
    return ValidationError(message, code="file_type")


def validate_upload(upload) -> str:
    """Check an upload and answer its kind ("image" or "video"); raise ValidationError with a
    message a practice admin can act on otherwise."""
    size = getattr(upload, "size", None)
    content_head = b""
    if size is None:
        size = len(_read(upload))
    if size == 0:
        raise ValidationError(_("The file is empty (0 bytes)."), code="empty")
    limit = settings.MEDIA_MAX_UPLOAD_MB
    if size > max_upload_bytes():
        raise ValidationError(
            # Numbers in the reader's format: "1.5 MB" in English, "1,5 MB" in German.
            _("The file is %(size)s MB; files may be at most %(limit)s MB.")
            % {
                "size": formats.number_format(size / 1024 / 1024, decimal_pos=1),
                "limit": formats.number_format(limit),
            },
            code="too_large",
        )
    upload.seek(0)
    content_head = upload.read(HEADER_BYTES)
    upload.seek(0)
    kind = sniff(content_head)
    if kind is None:
        raise _refusal(content_head)
    if kind == MediaKind.IMAGE:
        _open_image(_read(upload))
    return kind


def _open_image(content: bytes) -> Image.Image:
    """Open and verify a picture; answer it opened afresh (verify() leaves it unusable)."""
    damaged = ValidationError(
        _("The picture cannot be read: it is damaged or not really a PNG, JPEG or WebP file."),
        code="damaged",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(content))
            if probe.format not in IMAGE_FORMATS:
                raise damaged
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(
                    _("The picture has too many pixels; scale it below 50 megapixels."),
                    code="too_large",
                )
            probe.verify()
            image = Image.open(io.BytesIO(content))
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise damaged from None
    except Image.DecompressionBombWarning:
        raise damaged from None
    return image


def _encode(image: Image.Image, box: int) -> Rendition:
    """Re-encode to at most ``box`` pixels on the longer side: PNG when the picture has
    transparency (drawings), JPEG otherwise. No EXIF or other metadata is written."""
    picture = image.copy()
    picture.thumbnail((box, box), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if picture.mode in ("RGBA", "LA", "P") and (
        picture.mode != "P" or "transparency" in picture.info
    ):
        picture = picture.convert("RGBA")
        picture.save(buffer, "PNG", optimize=True)
        extension = "png"
    else:
        picture = picture.convert("RGB")
        picture.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
        extension = "jpg"
    return Rendition(buffer.getvalue(), extension, picture.width, picture.height)


def _prepare_image(content: bytes) -> PreparedMedia:
    image = _open_image(content)
    # Turn the picture upright as the camera's EXIF orientation says, before EXIF is dropped;
    # with damaged EXIF keep the picture as it is stored.
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, SyntaxError):
        image = ImageOps.exif_transpose(image)
    try:
        return PreparedMedia(
            kind=MediaKind.IMAGE,
            file=_encode(image, RENDITION_PX),
            thumbnail=_encode(image, THUMBNAIL_PX),
        )
    except (OSError, ValueError) as error:  # e.g. a colour mode Pillow cannot convert
        raise ValidationError(
            _(
                "The picture cannot be converted for phones; save it as an ordinary RGB JPEG or "
                "PNG."
            ),
            code="unsupported",
        ) from error


def plain_poster() -> Image.Image:
    """A calm grey poster with a play sign, for videos when ffmpeg is not installed."""
    width, height = RENDITION_PX, RENDITION_PX * 9 // 16
    image = Image.new("RGB", (width, height), (233, 237, 241))
    draw = ImageDraw.Draw(image)
    middle_x, middle_y, radius = width // 2, height // 2, height // 6
    draw.ellipse(
        (middle_x - radius, middle_y - radius, middle_x + radius, middle_y + radius),
        fill=(255, 255, 255),
        outline=(90, 100, 110),
        width=6,
    )
    side = radius * 3 // 4
    draw.polygon(
        [
            (middle_x - side // 2, middle_y - side // 2 - 6),
            (middle_x - side // 2, middle_y + side // 2 + 6),
            (middle_x + side * 2 // 3, middle_y),
        ],
        fill=(90, 100, 110),
    )
    return image


def ffmpeg_poster(content: bytes, suffix: str) -> Image.Image | None:
    """A frame from the video's first second, or None without ffmpeg or when it fails."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"upload{suffix}"
        target = Path(folder) / "poster.png"
        source.write_bytes(content)
        for position in ("0.5", "0"):
            try:
                subprocess.run(  # noqa: S603 - fixed arguments, our own temporary files
                    [
                        *(ffmpeg, "-v", "error", "-y", "-ss", position, "-i", str(source)),
                        *("-frames:v", "1", str(target)),
                    ],
                    check=True,
                    capture_output=True,
                    timeout=30,
                )
            except (subprocess.SubprocessError, OSError):
                continue
            if target.exists() and target.stat().st_size:
                try:
                    with Image.open(target) as frame:
                        frame.load()
                        return frame.convert("RGB")
                except (UnidentifiedImageError, OSError):
                    return None
    return None


def _prepare_video(content: bytes) -> PreparedMedia:
    suffix = ".webm" if content.startswith(EBML_MAGIC) else ".mp4"
    frame = ffmpeg_poster(content, suffix)
    notes = []
    if frame is None:
        frame = plain_poster()
        notes.append(_("No poster frame could be taken from the video; a plain poster is shown."))
    poster = _encode(frame, RENDITION_PX)
    video = Rendition(content, suffix.lstrip("."), poster.width, poster.height)
    return PreparedMedia(
        kind=MediaKind.VIDEO,
        file=video,
        thumbnail=_encode(frame, THUMBNAIL_PX),
        poster=poster,
        notes=notes,
    )


def prepare_upload(upload) -> PreparedMedia:
    """Validate an upload and produce the files to store (see the module's docstring)."""
    kind = validate_upload(upload)
    content = _read(upload)
    return _prepare_image(content) if kind == MediaKind.IMAGE else _prepare_video(content)
