"""Cut the web faces of DejaVu Sans that the HTML twin embeds, committed under fonts/: the
characters Atkinson Hyperlegible (the default family) has, so a twin for a site that prints
in DejaVu Sans carries its own type at about the same weight as one in Atkinson (45 KB a
face rather than 750 KB). The PDF embeds its own subsets of the full files.

Run: python tools/make_web_fonts.py   (needs fontTools, which the test extra installs)
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parents[1] / "fonts"
CUTS = {"DejaVuSans.ttf": "DejaVuSans-Web.ttf", "DejaVuSans-Bold.ttf": "DejaVuSans-Bold-Web.ttf"}
COVERAGE_OF = "AtkinsonHyperlegible-Regular.ttf"


def web_face(source: Path, unicodes: set[int]) -> bytes:
    """`source` cut to `unicodes`, without hinting; the same bytes every run."""
    font = TTFont(source, recalcTimestamp=False)
    options = subset.Options()
    options.hinting = False
    options.name_IDs = ["*"]  # keep the copyright and licence names
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def web_faces() -> dict[str, bytes]:
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM dropped": fine
    unicodes = set(TTFont(FONTS / COVERAGE_OF).getBestCmap())
    return {cut: web_face(FONTS / full, unicodes) for full, cut in CUTS.items()}


if __name__ == "__main__":
    for name, data in web_faces().items():
        (FONTS / name).write_bytes(data)
        print(f"wrote fonts/{name} ({len(data) // 1024} KB)")
