"""Render the app icons (static/pwa/*.png) from the mark in static/favicon.svg: a blue rounded
square with four white vertebrae. Drawn with Pillow, so no SVG renderer is needed; run again
after changing the mark: ``.venv/bin/python scripts/make_icons.py``."""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "pwa"
BLUE = "#0b5e8a"
# The vertebrae of static/favicon.svg on its 64 × 64 grid: x, y, width, height.
VERTEBRAE = [(21, 7, 19, 9), (19, 20, 21, 9), (22, 33, 21, 9), (25, 46, 18, 10)]


def icon(size: int, *, maskable: bool = False) -> Image.Image:
    """``maskable``: full-bleed background and the mark inside the central safe zone (80 %),
    for launchers that cut the icon into a circle or a squircle."""
    scale = 4  # drawn large, then scaled down: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BLUE)
        unit, offset = big * 0.6 / 64, big * 0.2
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 14 / 64, fill=BLUE)
        unit, offset = big / 64, 0
    for x, y, width, height in VERTEBRAE:
        box = (
            offset + x * unit,
            offset + y * unit,
            offset + (x + width) * unit,
            offset + (y + height) * unit,
        )
        draw.rounded_rectangle(box, radius=4 * unit, fill="white")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
        icon(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)
    # iOS ignores the manifest's icons and wants an opaque square.
    touch = Image.new("RGB", (180, 180), BLUE)
    touch.paste(icon(180, maskable=True).convert("RGB"))
    touch.save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
