"""The one door into ReportLab's paragraph markup.

Every text leaf (spec fields, patient fields, site fields, content) passes through
`text_markup`, which escapes it, so no input can become a tag: `<img src=…>` from a spec
stays literal text. Link targets pass through `href_markup`, which admits only http(s)
and mailto URLs.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from handouts.citations import compress
from handouts.document import CiteRef, Inline, Link, PageRef, Text
from handouts.errors import LayoutError, Problem
from handouts.render.fonts import Family

SAFE_SCHEMES = ("http://", "https://", "mailto:")
_ENTITIES = {'"': "&quot;", "'": "&#39;"}
_MOVE_BEFORE_CITATION = ".,;:"


class Glyphs:
    """Which family draws a character: the main one, else the fallback."""

    def __init__(self, main: Family, fallback: Family):
        self.main, self.fallback = main, fallback

    def missing(self, text: str) -> list[str]:
        return sorted({c for c in text if not (c.isspace() or self.main.covers(c)
                                                or self.fallback.covers(c))})


def text_markup(text: str, glyphs: Glyphs) -> str:
    """Escape `text` for a ReportLab Paragraph; wrap runs the main font lacks in the fallback."""
    missing = glyphs.missing(text)
    if missing:
        raise LayoutError(Problem(
            "no bundled font can draw " + ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing),
            hint="use characters from Latin, Greek or Cyrillic scripts"))
    out, run, in_fallback = [], [], False
    for char in text:
        needs_fallback = not (char.isspace() or glyphs.main.covers(char))
        if needs_fallback != in_fallback and run:
            out.append(_wrap("".join(run), in_fallback, glyphs))
            run = []
        in_fallback = needs_fallback
        run.append(" " if char in "\t\r\n" else char)
    if run:
        out.append(_wrap("".join(run), in_fallback, glyphs))
    return "".join(out)


def _wrap(text: str, fallback: bool, glyphs: Glyphs) -> str:
    escaped = escape(text, _ENTITIES)
    return f'<font name="{glyphs.fallback.regular}">{escaped}</font>' if fallback else escaped


def href_markup(url: str) -> str:
    """An attribute-safe link target; anything but http(s) or mailto is refused."""
    if not url.lower().startswith(SAFE_SCHEMES):
        raise LayoutError(Problem(f"link to '{url}' is not allowed",
                                  hint="links must start with https://, http:// or mailto:"))
    return escape(url, _ENTITIES)


def inlines_markup(runs: tuple[Inline, ...], glyphs: Glyphs, link_color: str) -> str:
    """Inline runs as paragraph markup: bold, italic, links and superscript citations.

    A citation is printed after a following full stop or comma, as AMA style asks.
    """
    parts: list[str] = []
    pending: str | None = None
    for run in runs:
        if isinstance(run, CiteRef):
            if run.numbers:
                pending = (pending + "," if pending else "") + compress(run.numbers)
            continue
        if pending is not None:
            lead = _leading_punctuation(run)
            if lead:
                parts.append(text_markup(lead, glyphs))
                run = Text(run.text[len(lead):], run.bold, run.italic)
            parts.append(f"<super>{pending}</super>")
            pending = None
        parts.append(_run_markup(run, glyphs, link_color))
    if pending is not None:
        parts.append(f"<super>{pending}</super>")
    return "".join(parts)


def _leading_punctuation(run: Inline) -> str:
    if not isinstance(run, Text):
        return ""
    i = 0
    while i < len(run.text) and run.text[i] in _MOVE_BEFORE_CITATION:
        i += 1
    return run.text[:i]


def _run_markup(run: Inline, glyphs: Glyphs, link_color: str) -> str:
    if isinstance(run, Link):
        inner = text_markup(run.text, glyphs)
        if run.bold:
            inner = f"<b>{inner}</b>"
        return f'<a href="{href_markup(run.url)}" color="{link_color}"><u>{inner}</u></a>'
    if isinstance(run, PageRef):
        raise LayoutError(Problem("a page reference can only stand alone in a table cell"))
    text = text_markup(run.text, glyphs)
    if run.bold:
        text = f"<b>{text}</b>"
    if run.italic:
        text = f"<i>{text}</i>"
    return text
