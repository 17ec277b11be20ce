"""Draw the example sites' logos, committed as PNGs under specs/sites/.

Run: python tools/make_logos.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SITES = Path(__file__).resolve().parents[1] / "specs" / "sites"
SCALE = 4  # draw large, then shrink, for smooth edges


def wave_logo(path: Path, color: str, accent: str) -> None:
    """A rounded square with three rising waves: calm, movement, recovery."""
    size = 160 * SCALE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=34 * SCALE, fill=color)
    for i, width in enumerate((14, 14, 14)):
        top = (46 + i * 30) * SCALE
        draw.arc((22 * SCALE, top, 138 * SCALE, top + 70 * SCALE), 200, 340,
                 fill=accent if i == 1 else "white", width=width * SCALE)
    image.resize((160, 160), Image.LANCZOS).save(path, optimize=True)


def leaf_logo(path: Path, color: str, accent: str) -> None:
    """A circle with a two-leaf sprout: growth."""
    size = 160 * SCALE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, size - 1, size - 1), fill=color)
    s = SCALE
    draw.line((80 * s, 128 * s, 80 * s, 70 * s), fill="white", width=9 * s)
    draw.ellipse((30 * s, 48 * s, 82 * s, 84 * s), fill=accent)
    draw.ellipse((78 * s, 30 * s, 132 * s, 70 * s), fill="white")
    image.resize((160, 160), Image.LANCZOS).save(path, optimize=True)


def bridge_logo(path: Path, color: str, accent: str) -> None:
    """A wide logo: an arch over water, to test logos that are not square."""
    s = SCALE
    image = Image.new("RGBA", (320 * s, 120 * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 320 * s - 1, 120 * s - 1), radius=24 * s, fill=color)
    draw.arc((40 * s, 30 * s, 280 * s, 190 * s), 180, 360, fill="white", width=12 * s)
    for i in range(3):
        y = (84 + i * 12) * s
        draw.line((30 * s, y, 290 * s, y), fill=accent, width=5 * s)
    image.resize((320, 120), Image.LANCZOS).save(path, optimize=True)


def sun_logo(path: Path, color: str, accent: str) -> None:
    """A sun over a mesa, on an opaque square (a JPEG-like logo with no transparency)."""
    s = SCALE
    image = Image.new("RGB", (160 * s, 160 * s), color)
    draw = ImageDraw.Draw(image)
    draw.ellipse((45 * s, 25 * s, 115 * s, 95 * s), fill=accent)
    draw.polygon([(0, 160 * s), (0, 110 * s), (50 * s, 95 * s), (110 * s, 95 * s),
                  (160 * s, 110 * s), (160 * s, 160 * s)], fill="white")
    image.resize((160, 160), Image.LANCZOS).save(path, quality=90)


if __name__ == "__main__":
    bridge_logo(SITES / "lakeside-logo.png", "#0B5563", "#9ED9E0")
    sun_logo(SITES / "mesa-logo.jpg", "#7A2E12", "#F2B134")
    wave_logo(SITES / "carlsbad-logo.png", "#1F4E79", "#8FD3C8")
    leaf_logo(SITES / "northfield-logo.png", "#4B2A73", "#B9E08A")
