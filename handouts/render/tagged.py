"""Flowables that mark what they draw: a paragraph whose text is marked content of its
structure node, and a table whose backgrounds and rules are Artifacts."""

from __future__ import annotations

import copy
import weakref
from collections import OrderedDict

from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from handouts.render.tags import Node, artifact

LINE_CACHE_SIZE = 3_000  # paragraphs remembered per process: about 30 MB at most
_LINES: OrderedDict = OrderedDict()
_PARSED: OrderedDict = OrderedDict()  # paragraph markup parsed into fragments
_STYLE_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_BALANCED: dict = {}  # the width a balanced paragraph settles on
CACHING = {"on": True}  # the benchmark turns it off to time ReportLab's own floor


def style_key(style) -> tuple:
    """Everything about a style that can change how its text breaks or draws, worked out
    once per style object (styles are not changed once used)."""
    key = _STYLE_KEYS.get(style)  # not on the style itself: clone() copies its __dict__
    if key is None:
        names, parent = set(style.defaults), style
        while parent is not None:  # attributes set beyond the defaults (bulletColor...)
            names.update(parent.__dict__)
            parent = parent.__dict__.get("parent")
        names -= {"parent", "name"}
        key = tuple((name, repr(getattr(style, name, None))) for name in sorted(names))
        _STYLE_KEYS[style] = key
    return key


class Para(RLParagraph):
    """A Paragraph that remembers its last line breaking: ReportLab breaks the lines again
    on every wrap, and a paragraph is wrapped several times for the same width (to keep a
    heading with its text, to try a page, then to place it).

    In a tagged PDF its text is marked content of `struct` (its bullet, of `struct_label`);
    a table header cell drawn again on a later page is an Artifact."""

    struct: Node | None = None
    struct_label: Node | None = None

    def wrap(self, available_width: float, available_height: float):
        if getattr(self, "_wrapped_for", None) != available_width or \
                "blPara" not in self.__dict__:  # split() halves arrive with no breaking
            super().wrap(available_width, available_height)
            if getattr(self.style, "balanced", False):
                self._balance(available_width, available_height)
            self._wrapped_for = available_width
        return self.width, self.height

    def _balance(self, width: float, height: float) -> None:
        """Break the lines as evenly as the same number of lines allows, so a short
        paragraph never ends on one lonely word ("room.¹"): the narrowest width that keeps
        the line count, found by halving. Left-aligned, so the box's width is kept."""
        lines = len(self.blPara.lines)
        if lines < 2 or lines > 4:
            return
        key = (self.text, style_key(self.style), repr(self.bulletText), width)
        high = _BALANCED.get(key) if CACHING["on"] else None
        if high is None:  # the search's trial widths are not worth remembering
            self._trial = True
            low, high = width * 0.5, width
            for _ in range(8):
                middle = (low + high) / 2
                super().wrap(middle, height)
                if len(self.blPara.lines) > lines:
                    low = middle
                else:
                    high = middle
            self._trial = False
            _BALANCED[key] = high
            if len(_BALANCED) > LINE_CACHE_SIZE:
                _BALANCED.pop(next(iter(_BALANCED)))
        super().wrap(high, height)
        self.width = width

    def _setup(self, text, style, bulletText, frags, cleaner):
        """ReportLab's markup parsing, remembered across handouts like the line breaking:
        the same markup in the same style parses to the same fragments."""
        if frags is not None or not isinstance(text, str) or not CACHING["on"]:
            return super()._setup(text, style, bulletText, frags, cleaner)
        key = (text, style_key(style), repr(bulletText))
        hit = _PARSED.get(key)
        if hit is None:
            super()._setup(text, style, bulletText, frags, cleaner)
            _PARSED[key] = (self.text, [copy.copy(frag) for frag in self.frags], self.style,
                            self.bulletText)  # our own copy: breaking adds to the list
            if len(_PARSED) > LINE_CACHE_SIZE:
                _PARSED.popitem(last=False)
            return None
        _PARSED.move_to_end(key)
        self.text, frags, _, self.bulletText = hit
        self.style = style  # equal to the one parsed with, and this handout's own
        self.frags = [copy.copy(frag) for frag in frags]  # breaking may change a fragment
        self.debug = 0
        return None

    def breakLines(self, width):
        """ReportLab's line breaking, remembered across handouts: the same text in the same
        style at the same width breaks the same way, and a batch lays out the same
        passages hundreds of times. What breaking leaves on the paragraph (its frag words,
        the widths it narrowed for a bullet) is restored with the lines."""
        if self.text is None or not isinstance(width, list) or not CACHING["on"] or \
                self.__dict__.get("_trial"):
            return super().breakLines(width)  # (a split half has no text of its own)
        key = (self.text, style_key(self.style), repr(self.bulletText), tuple(width))
        hit = _LINES.get(key)
        if hit is None:
            lines = super().breakLines(width)
            hit = (lines, self.frags, list(width), self.__dict__.get("_width_max"),
                   self._splitLongWordCount, self._hyphenations)
            _LINES[key] = hit
            if len(_LINES) > LINE_CACHE_SIZE:
                _LINES.popitem(last=False)
        else:
            _LINES.move_to_end(key)
        lines, self.frags, widths, width_max, self._splitLongWordCount, \
            self._hyphenations = hit
        width[:] = widths
        if width_max is not None:
            self._width_max = width_max
        self.height = 0
        self._shared = True
        return lines

    def split(self, available_width: float, available_height: float):
        if self.__dict__.pop("_shared", False):  # splitting changes a frag: use our own
            self.frags = [copy.copy(frag) for frag in self.frags]
        parts = super().split(available_width, available_height)
        for i, part in enumerate(parts):
            part.struct, part.struct_label = self.struct, self.struct_label if i == 0 else None
        return parts

    def drawOn(self, canvas, x, y, _sW=0):
        marking = getattr(canvas, "marking", None)
        node = self.struct
        if marking is None or node is None:
            return super().drawOn(canvas, x, y, _sW)
        if node.drawn and node.role == "TH":  # a header row repeated on a new page
            with artifact(canvas, "Pagination"):
                return super().drawOn(canvas, x, y, _sW)
        base = marking.own(node, self.struct_label)
        try:
            return super().drawOn(canvas, x, y, _sW)
        finally:
            marking.disown(base, self.struct_label)

    def beginText(self, x, y):
        """The paragraph's own text object, begun after its bullet is drawn."""
        marking = getattr(self.canv, "marking", None)
        if marking is not None:
            marking.end_label(self.struct_label)
        return super().beginText(x, y)


class TaggedTable(RLTable):
    """A table whose backgrounds and rules are Artifacts; its cells are tagged by the
    flowables in them (TD and TH nodes, or the blocks of a box that is only layout)."""

    _rest_of: float = 0  # the room left where the table before this rest was split

    def split(self, available_width: float, available_height: float):
        """ReportLab's split, except that a tall row after short ones is split itself when
        splitting before it would leave much of the page empty; and the rest of a table
        split between rows never starts in what is left of the same page (there it would
        split its first row and print the header a second time on that page)."""
        if available_height < self._rest_of:
            return []
        parts = super().split(available_width, available_height)
        if len(parts) == 2 and self.splitInRow:
            _, used = parts[0].wrap(available_width, available_height)
            if available_height - used > 2 * self.splitInRow:  # room for a row's start
                in_row = self._splitRows(available_height, doInRowSplit=1)
                if len(in_row) == 2:
                    parts = in_row
                    _, used = parts[0].wrap(available_width, available_height)
            parts[1]._rest_of = available_height - used + 1
        return parts

    def _drawBkgrnd(self):
        with artifact(self.canv):
            super()._drawBkgrnd()

    def _drawLines(self):
        with artifact(self.canv):
            super()._drawLines()

    def _drawCell(self, cellval, cellstyle, pos, size):
        """A cell of plain text (only ever an empty one here) is drawn as an Artifact."""
        if isinstance(cellval, str):
            with artifact(self.canv):
                return super()._drawCell(cellval, cellstyle, pos, size)
        return super()._drawCell(cellval, cellstyle, pos, size)
