"""Where the bundled fonts are, without loading ReportLab (build caches hash these files)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

# family id -> (regular, bold, italic, bold italic) file names
FAMILIES = {
    "atkinson-hyperlegible": ("AtkinsonHyperlegible-Regular.ttf", "AtkinsonHyperlegible-Bold.ttf",
                              "AtkinsonHyperlegible-Italic.ttf",
                              "AtkinsonHyperlegible-BoldItalic.ttf"),
    # DejaVu Sans is bundled upright only: its italics would add 1.3 MB for clinician
    # reference lists alone, so italics fall back to the upright faces.
    "dejavu-sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans.ttf",
                    "DejaVuSans-Bold.ttf"),
}
FALLBACK = "dejavu-sans"
# family id -> (regular, bold) faces the HTML twin embeds: Atkinson Hyperlegible whole, and
# DejaVu Sans cut to the characters Atkinson has (tools/make_web_fonts.py)
WEB_FACES = {
    "atkinson-hyperlegible": FAMILIES["atkinson-hyperlegible"][:2],
    "dejavu-sans": ("DejaVuSans-Web.ttf", "DejaVuSans-Bold-Web.ttf"),
}


@cache
def font_dir() -> Path:
    """fonts/ inside an installed wheel, else the repository's top-level fonts/."""
    installed = Path(str(resources.files("handouts"))) / "fonts"
    return installed if installed.is_dir() else Path(__file__).resolve().parents[2] / "fonts"


def font_files(family_id: str) -> list[Path]:
    """The files a family (and the fallback) is drawn from, in the PDF and in the HTML
    twin, for build caches."""
    ids = dict.fromkeys((family_id, FALLBACK))
    return [font_dir() / f for i in ids
            for f in dict.fromkeys((*FAMILIES[i], *WEB_FACES.get(i, ())))]
