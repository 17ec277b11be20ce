"""Bundled fonts: registered with ReportLab once per process, with a wide-coverage fallback."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics
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


class SubsetFont(TTFont):
    """ReportLab's TrueType font, embedded as PDF/UA validators ask: each subset has a tag
    of its own (ReportLab tags subset n of every font alike, so the regular and the bold
    subsets shared "AAAAAA+"), and its ToUnicode CMap maps only the codes the subset uses
    (ReportLab maps the unused codes 0-31 to U+0000, which a validator fails)."""

    def addObjects(self, doc) -> None:
        """ReportLab's TTFont.addObjects, with the subset's own tag and CMap."""
        state = self.state.get(doc) or TTFont.State(self._asciiReadable)
        self.state[doc] = state
        state.frozen = 1
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            base = subset_tag(self.face.name, subset) + "+" + \
                (self.face.name + self.face.subfontNameX).decode("pdfdoc")
            font = pdfdoc.PDFTrueTypeFont()
            font.__Comment__ = f"Font {self.fontName} subset {n}"
            font.Name, font.BaseFont = internal, base
            font.FirstChar, font.LastChar = 0, len(subset) - 1
            font.Widths = pdfdoc.PDFArray(list(map(self.face.getCharWidth, subset)))
            cmap = pdfdoc.PDFStream()
            cmap.content = to_unicode_cmap(base, subset)
            if doc.compression:
                cmap.filters = [pdfdoc.PDFZCompress]
            font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base)
            font.FontDescriptor = self.face.addSubsetObjects(doc, base, subset)
            doc.Reference(font, internal)
            doc.idToObject["BasicFonts"].dict[internal] = font
        del self.state[doc]


def subset_tag(face_name: bytes, subset: list[int]) -> str:
    """Six capital letters that name this subset of this face (the same subset, the same
    tag: files stay reproducible)."""
    digest = hashlib.sha256(face_name + repr(subset).encode("ascii")).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def to_unicode_cmap(name: str, subset: list[int]) -> str:
    """A ToUnicode CMap for the codes of `subset` that draw a character: a code that
    stands for nothing (0, ReportLab's unused 1-31) is left out rather than mapped to
    U+0000."""
    used = [f"<{code:02X}> <{char:04X}>" for code, char in enumerate(subset) if char]
    blocks = []
    for start in range(0, len(used), 100):  # a CMap's blocks hold at most 100 entries
        chunk = used[start:start + 100]
        blocks += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo", f"<< /Registry ({name})", f"/Ordering ({name})",
        "/Supplement 0", ">> def", f"/CMapName /{name} def", "/CMapType 2 def",
        "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
        *blocks, "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


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
            fonts[name] = SubsetFont(name, str(folder / file))
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
