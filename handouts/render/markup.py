"""The one door into ReportLab's paragraph markup.

Every text leaf (spec fields, patient fields, site fields, content) passes through
`text_markup`, which escapes it, so no input can become a tag: `<img src=…>` from a spec
stays literal text. Link targets pass through `href_markup`, which admits only http(s)
and mailto URLs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from reportlab.pdfbase.pdfmetrics import stringWidth

from handouts.document import CiteRef, Inline, Link, PageRef, Text, checked_link
from handouts.errors import LayoutError, Problem
from handouts.library.citations import compress
from handouts.render.fonts import FALLBACK, Family, family
from handouts.render.tags import HYPHEN_MARK, INLINE_CALLBACK, Node
from handouts.render.wording import SPEAKING, said_reference, spoken

_ENTITIES = {'"': "&quot;", "'": "&#39;"}


def escape(text: str, entities: dict[str, str] | None = None) -> str:
    """&, < and > (and each of `entities`) as entities: xml.sax.saxutils.escape, which
    would import urllib.request, http.client, ssl and email at every start (15 ms of a
    cold build) for three replacements."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for character, entity in (entities or {}).items():
        text = text.replace(character, entity)
    return text
SOFT_HYPHEN = "\u00ad"
# A hyphen we add where a long word is broken: the mark after it tells the paragraph (see
# `soften_hyphens`) that the text has no hyphen there.
HYPHEN_ADDED = f'-<onDraw name="{HYPHEN_MARK}"/>'
_MOVE_BEFORE_CITATION = ".,;:"


class Glyphs:
    """Which family draws a character: the main one, else the fallback, which is loaded
    only when some text needs it (most handouts never do)."""

    def __init__(self, main: Family, fallback_id: str = FALLBACK):
        self.main, self.fallback_id = main, fallback_id

    @property
    def fallback(self) -> Family:
        return family(self.fallback_id)

    def missing(self, text: str) -> list[str]:
        """Characters we cannot print correctly: no bundled glyph; a right-to-left script,
        which ReportLab would print unshaped and in the wrong order; an invisible
        formatting character, which a reader could not see or check; or a character beyond
        the Basic Multilingual Plane (emoji), which ReportLab's font subsets cannot carry."""
        text = unicodedata.normalize("NFC", text)
        if self.main.printable.issuperset(text):
            return []
        return sorted({c for c in text if not c.isspace() and (
            ord(c) > 0xFFFF  # beyond the Basic Multilingual Plane: emoji, math letters
            or unicodedata.bidirectional(c) in ("R", "AL")
            or unicodedata.category(c) == "Cf"  # invisible: soft hyphens, joiners, marks
            or not (self.main.covers(c) or self.fallback.covers(c)))})


def describe(chars: list[str]) -> str:
    """'中' (U+4E2D), '文' (U+6587) — for messages, at most eight."""
    shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars[:8])
    return shown + (f" and {len(chars) - 8} more" if len(chars) > 8 else "")


SCRIPTS_HINT = ("the bundled fonts cover Latin (including Vietnamese, Polish and other "
                "accented letters), Greek and Cyrillic")


@dataclass(frozen=True)
class Fit:
    """The column a paragraph must fit: its width, the face and size of its text, the face
    its bold runs use, and the glyphs (for characters the main face lacks, which the
    fallback face draws at its own widths)."""

    width: float
    font: str
    size: float
    bold_font: str = ""
    glyphs: Glyphs | None = None

    def for_run(self, bold: bool) -> Fit:
        return replace(self, font=self.bold_font) if bold and self.bold_font else self

    def widths(self, text: str) -> list[float]:
        """The width of each character, in the face that will draw it."""
        fallback = None
        out = []
        for char in text:
            font = self.font
            if self.glyphs is not None and not self.glyphs.main.covers(char):
                fallback = fallback or self.glyphs.fallback.regular
                font = fallback
            out.append(stringWidth(char, font, self.size))
        return out

    def width_of(self, text: str) -> float:
        if self.glyphs is None or self.glyphs.main.printable.issuperset(text):
            return stringWidth(text, self.font, self.size)  # one face draws it all
        return sum(self.widths(text))


_TOKEN = re.compile(r"\S{12,}")
HYPHENATION = {"en": "en_US", "es": "es"}  # pyphen's dictionary for each content language
_WORD_ONLY = re.compile(r"^[^\W\d_]+[.,;:!?)]*$")
LONGEST_WORD = 45  # longer than any dictionary word: broken as a token, not hyphenated


def _hyphenated(word: str, fit: Fit) -> list[str] | None:
    """A long word split at dictionary hyphenation points, each piece but the last ending
    in a soft hyphen (drawn as '-', see `text_markup`)."""
    import pyphen  # start-up: only a word too long for its line needs the dictionaries

    dictionary = pyphen.Pyphen(lang=HYPHENATION.get(SPEAKING.get(), "en_US"))
    pieces, rest = [], word
    while fit.width_of(rest) > fit.width:
        head = next((h for h, _ in dictionary.iterate(rest)
                     if fit.width_of(h + "-") <= fit.width), None)
        if head is None:
            return None
        pieces.append(head + SOFT_HYPHEN)
        rest = rest[len(head):]
    return [*pieces, rest]


# Where a URL may be broken, best first: after a slash or a query's parts; else, as the
# Chicago Manual asks, before a dot, hyphen or underscore, so no line ends in a hyphen that
# a reader (or text read from the page) would take for a word broken in two.
_BREAK_AFTER = "/?&=#:"
_BREAK_BEFORE = ".-_,;~%"


def _break_point(token: str, start: int, end: int) -> int:
    """Where a piece of `token` that must end by `end` ends: at the last break of the
    best kind in the last two thirds of it, else at `end`."""
    floor = start + (end - start) // 3
    after = next((i + 1 for i in range(end - 1, floor, -1) if token[i] in _BREAK_AFTER), None)
    if after is not None:
        return after
    before = next((i for i in range(end, floor, -1) if token[i] in _BREAK_BEFORE), None)
    return before if before is not None else end


def _break_long_tokens(text: str, fit: Fit) -> list[str]:
    """Split any token wider than the column into pieces that fit, preferring URL breaks.

    ReportLab splits URLs at slashes but never splits the remainder again, so a long tail
    would run past the column: we hand it pieces that each fit, separated by line breaks.
    """
    pieces, last = [""], 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if fit.width_of(token) <= fit.width:
            continue
        chunks = _chunks(token, fit)
        pieces[-1] += text[last:match.start()] + chunks[0]
        pieces.extend(chunks[1:])
        last = match.end()
    pieces[-1] += text[last:]
    return pieces


def _chunks(token: str, fit: Fit) -> list[str]:
    """Greedy pieces no wider than the column: a word is hyphenated where the dictionary
    allows; anything else (a URL, or a run of letters longer than any word) ends each
    piece at a slash, dot or hyphen if one is near. Linear in the token's length."""
    if len(token) <= LONGEST_WORD and _WORD_ONLY.match(token):
        hyphenated = _hyphenated(token, fit)
        if hyphenated:
            return hyphenated
    widths = fit.widths(token)
    out, start = [], 0
    while start < len(token):
        end, used = start + 1, widths[start]
        while end < len(token) and used + widths[end] <= fit.width:
            used += widths[end]
            end += 1
        if end < len(token):
            end = _break_point(token, start, end)
        out.append(token[start:end])
        start = end
    return out


def text_markup(text: str, glyphs: Glyphs, fit: Fit | None = None) -> str:
    """Escape `text` for a ReportLab Paragraph; wrap runs the main font lacks in the fallback.

    With `fit`, a word or URL wider than the column is broken into pieces that fit.
    """
    if fit is not None:
        return "<br/>".join(text_markup(piece[:-1], glyphs) + HYPHEN_ADDED
                            if piece.endswith(SOFT_HYPHEN) else text_markup(piece, glyphs)
                            for piece in _break_long_tokens(text, fit))
    text = unicodedata.normalize("NFC", text)
    if glyphs.main.printable.issuperset(text):
        return escape(text, _ENTITIES).replace("\t", " ").replace("\n", " ")  # common case
    missing = glyphs.missing(text)
    if missing:
        raise LayoutError(Problem(f"cannot print {describe(missing)}", hint=SCRIPTS_HINT))
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
    return escape(checked_link(url), _ENTITIES)


def inlines_markup(runs: tuple[Inline, ...], glyphs: Glyphs, link_color: str,
                   fit: Fit | None = None, node: Node | None = None,
                   listed: bool = False) -> str:
    """Inline runs as paragraph markup: bold, italic, links and superscript citations.

    A citation is printed after a following full stop or comma, as AMA style asks. With
    `node` (a tagged PDF), each link and citation becomes an inline child of it, marked
    where it starts and ends in the text.
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
                parts.append(text_markup(lead, glyphs, fit))
                run = Text(run.text[len(lead):], run.bold, run.italic)
            parts.append(_citation(pending, node, listed))
            pending = None
        markup = _run_markup(run, glyphs, link_color, fit, node)
        if node is not None and isinstance(run, Link):
            markup = tagged_markup(markup, node.inline_child("Link", url=run.url,
                                                             contents=run.text))
        parts.append(markup)
    if pending is not None:
        parts.append(_citation(pending, node, listed))
    return "".join(parts)


REFERENCE_ANCHOR = "ref-"  # the destination of reference N is "ref-N", as in the HTML twin


def _citation(numbers: str, node: Node | None, listed: bool) -> str:
    """Superscript numbers ("2,3-5"), each a link to its entry in the reference list (if
    the handout has one, `listed`), as the HTML twin's are. In a tagged PDF the group is a
    Reference element and each number a Link in it, read as "reference 2" (/Alt) rather
    than run into the word before it ("private.1", said "private dot one")."""
    group = node.inline_child("Reference") if node is not None else None
    pieces = []
    for token in re.split(r"(\d+)", numbers):
        if not (token.isdigit() and listed):
            pieces.append(escape(token))
            continue
        link = f'<a href="#{REFERENCE_ANCHOR}{token}">{token}</a>'
        if group is not None:
            said = said_reference(token)
            link = tagged_markup(link, group.inline_child(
                "Link", url=f"#{REFERENCE_ANCHOR}{token}", contents=said, Alt=said))
        pieces.append(link)
    markup = f"<super>{''.join(pieces)}</super>"
    return tagged_markup(markup, group) if group is not None else markup


def reference_anchor(number: int) -> str:
    """Markup that makes the place it stands the destination of citations of `number`."""
    return f'<a name="{REFERENCE_ANCHOR}{number}"/>'


def said_markup(text: str, glyphs: Glyphs, fit: Fit | None, node: Node | None,
                dress: Callable[[str], str] = str) -> str:
    """`text_markup` (bold or italic as `dress` makes it), and in a tagged PDF each number
    to call and each "IV" a Span of `node` whose /Alt says it as it should be said (see
    `spoken_parts`). The Span's markers stand outside the bold: inside it, ReportLab
    would measure the space after the word in the bold face and lay the line out a
    little differently from the untagged page."""
    parts = spoken(text) if node is not None else ()
    if len(parts) < 2 and not (parts and parts[0].said):
        return dress(text_markup(text, glyphs, fit))
    out = []
    for part in parts:
        markup = dress(text_markup(part.text, glyphs, fit))
        if part.said:
            attrs = {"Alt": part.said} | ({"E": part.expansion} if part.expansion else {})
            markup = tagged_markup(markup, node.inline_child("Span", **attrs))
        out.append(markup)
    return "".join(out)


def tagged_markup(markup: str, child: Node) -> str:
    """Markup between the markers the tagged canvas switches marked content at. The
    child is named by how far after its paragraph's own node it was made, not by its
    place in the whole tree: the same paragraph then has the same markup in every
    handout (whatever came before it, a patient's medicines table), and a batch finds
    its parsing and line breaking remembered."""
    owner = child.parent
    while owner is not None and not owner.joined:  # an inline group (a Reference)
        owner = owner.parent
    offset = child.id - owner.id if owner is not None else child.id
    return (f'<onDraw name="{INLINE_CALLBACK}" label="o{offset}"/>{markup}'
            f'<onDraw name="{INLINE_CALLBACK}" label="c"/>')


def _leading_punctuation(run: Inline) -> str:
    if not isinstance(run, Text):
        return ""
    i = 0
    while i < len(run.text) and run.text[i] in _MOVE_BEFORE_CITATION:
        i += 1
    return run.text[:i]


def _run_markup(run: Inline, glyphs: Glyphs, link_color: str, fit: Fit | None,
                node: Node | None) -> str:
    if fit is not None:
        fit = fit.for_run(run.bold)
    if isinstance(run, Link):
        inner = text_markup(run.text, glyphs, fit)
        if run.bold:
            inner = f"<b>{inner}</b>"
        return f'<a href="{href_markup(run.url)}" color="{link_color}"><u>{inner}</u></a>'
    if isinstance(run, PageRef):
        raise LayoutError(Problem("a page reference can only stand alone in a table cell"))
    def dress(markup: str) -> str:
        markup = f"<b>{markup}</b>" if run.bold else markup
        return f"<i>{markup}</i>" if run.italic else markup

    return said_markup(run.text, glyphs, fit, node, dress)
