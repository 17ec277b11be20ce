"""Flowables that mark what they draw: a paragraph whose text is marked content of its
structure node, and a table whose backgrounds and rules are Artifacts."""

from __future__ import annotations

from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from handouts.render.tags import Node, artifact


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
        low, high = width * 0.5, width
        for _ in range(8):
            middle = (low + high) / 2
            super().wrap(middle, height)
            if len(self.blPara.lines) > lines:
                low = middle
            else:
                high = middle
        super().wrap(high, height)
        self.width = width

    def split(self, available_width: float, available_height: float):
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
