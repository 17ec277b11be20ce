"""Bundled fonts: registered with ReportLab once per process, with a wide-coverage fallback."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from handouts.render.fontfiles import FALLBACK, FAMILIES, font_dir

__all__ = ["FALLBACK", "Family", "family"]


@dataclass(frozen=True)
class Family:
    """ReportLab names of one registered family, and the characters it can draw."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    coverage: frozenset[int]

    def covers(self, char: str) -> bool:
        return ord(char) in self.coverage

    @cached_property
    def printable(self) -> frozenset[str]:
        """Characters this family prints with no second thought: it has them, and they are
        neither invisible formatting nor right-to-left (for a fast test of whole strings)."""
        return frozenset(c for c in map(chr, self.coverage)
                         if ord(c) <= 0xFFFF and unicodedata.category(c) != "Cf"
                         and unicodedata.bidirectional(c) not in ("R", "AL"))


@cache
def family(family_id: str) -> Family:
    """Register a bundled family (once) and return its ReportLab font names."""
    files = FAMILIES[family_id]
    base = "".join(part.capitalize() for part in family_id.split("-"))
    wanted = (base, f"{base}-Bold", f"{base}-Italic", f"{base}-BoldItalic")
    folder = font_dir()
    fonts: dict[str, TTFont] = {}
    by_file: dict[str, str] = {}  # a file used for two styles is parsed and embedded once
    for name, file in zip(wanted, files, strict=True):
        if file not in by_file:
            fonts[name] = TTFont(name, str(folder / file))
            pdfmetrics.registerFont(fonts[name])
            by_file[file] = name
    names = tuple(by_file[file] for file in files)
    for bold, italic, name in ((0, 0, names[0]), (1, 0, names[1]), (0, 1, names[2]),
                               (1, 1, names[3])):
        addMapping(base, bold, italic, name)
        addMapping(names[0], bold, italic, name)
    pdfmetrics.registerFontFamily(base, normal=names[0], bold=names[1], italic=names[2],
                                  boldItalic=names[3])
    coverage = frozenset(fonts[names[0]].face.charToGlyph)
    return Family(*names, coverage=coverage)
