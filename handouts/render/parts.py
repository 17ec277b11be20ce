"""Parts of a handout that are not blocks of its content: the "Prepared for" box of labels
and values, and the reference list's two balanced columns."""

from __future__ import annotations

from reportlab.platypus import Flowable
from reportlab.platypus import Table as RLTable

from handouts.document import Text
from handouts.render.flowables import Context, table_style
from handouts.render.printcheck import LABEL_TINT
from handouts.render.styles import clone, tint
from handouts.render.tagged import TaggedTable
from handouts.render.tags import table_rows


def label_value_rows(pairs: list[tuple[str, str]], ctx: Context) -> RLTable:
    """A small two-column box of labels and values (the 'Prepared for' block)."""
    theme = ctx.theme
    label = clone(theme.cell_head, "label", textColor=theme.label)
    pad = theme.measures.body * 0.5
    widths = [ctx.width * 0.27, ctx.width * 0.73]
    left, right = (ctx.narrower(ctx.width - w + 2 * pad).within(None) for w in widths)
    rows = [[left.plain(k, label), right.para((Text(v),), theme.cell)] for k, v in pairs]
    table = TaggedTable(rows, colWidths=widths, hAlign="LEFT")
    table.struct = ctx.node("Table")
    if table.struct:
        table_rows(table.struct, rows, header_rows=0, row_headers=True)
    table.setStyle(table_style(theme, [
        ("BACKGROUND", (0, 0), (-1, -1), tint(theme.primary, LABEL_TINT)),
        ("BOX", (0, 0), (-1, -1), 0.8, tint(theme.primary, 0.5)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad * 0.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.6),
    ]))
    return table


class Columns(Flowable):
    """Short entries (the reference list) in two columns, balanced on the last page.

    ReportLab's BalancedColumns searches for its balance by laying the content out again
    and again, which made it a third of a handout's build time; entries never split, so
    prefix sums of their heights find the balance at once.
    """

    def __init__(self, entries: list[Flowable], gap: float, fill: bool = False):
        super().__init__()
        self.entries, self.gap, self.fill = entries, gap, fill
        self._measured: tuple[float, list[float]] | None = None

    def _heights(self, width: float) -> list[float]:
        column = (width - self.gap) / 2
        if self._measured is None or self._measured[0] != column:
            heights = [e.wrap(column, 10_000)[1] + e.getSpaceAfter() for e in self.entries]
            self._measured = (column, heights)
        return self._measured[1]

    def _cut(self, heights: list[float]) -> int:
        """How many entries go in the left column so the taller column is shortest; on a
        tie the left column takes more, so a lone entry never sits alone on the right."""
        total, left, best, cut = sum(heights), 0.0, float("inf"), len(heights)
        for i in range(len(heights) + 1):
            tallest = max(left, total - left)
            if tallest <= best + 0.01:
                best, cut = min(best, tallest), i
            if i < len(heights):
                left += heights[i]
        return cut

    def wrap(self, available_width: float, available_height: float):
        heights = self._heights(available_width)
        self.width = available_width
        self.cut = self._fill_cut(heights, available_height) if self.fill else self._cut(heights)
        self.height = max(sum(heights[:self.cut]), sum(heights[self.cut:]), 0)
        return self.width, self.height

    @staticmethod
    def _fill_cut(heights: list[float], height: float) -> int:
        used, i = 0.0, 0
        while i < len(heights) and used + heights[i] <= height:
            used += heights[i]
            i += 1
        return i

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        heights = self._heights(available_width)
        first = self._fill_cut(heights, available_height)
        both = first + self._fill_cut(heights[first:], available_height)
        if both == 0:
            return []
        if both >= len(self.entries):
            return [self]
        return [Columns(self.entries[:both], self.gap, fill=True),
                Columns(self.entries[both:], self.gap)]

    def draw(self) -> None:
        column = (self.width - self.gap) / 2
        for x, entries in ((0, self.entries[:self.cut]),
                           (column + self.gap, self.entries[self.cut:])):
            y = self.height
            for entry in entries:
                _, h = entry.wrap(column, 10_000)
                entry.drawOn(self.canv, x, y - h)
                y -= h + entry.getSpaceAfter()
