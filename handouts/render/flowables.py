"""Blocks -> ReportLab flowables: one small function per block type, found through a dict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from reportlab.lib.enums import TA_LEFT
from reportlab.platypus import CondPageBreak, Flowable, HRFlowable, Indenter, Spacer, TableStyle
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from handouts.document import (
    Block,
    Callout,
    Heading,
    Inlines,
    ListBlock,
    Paragraph,
    Table,
    Text,
    has_row_headers,
)
from handouts.render.keep import KeepTail
from handouts.render.markup import Fit, Glyphs, inlines_markup, said_markup, text_markup
from handouts.render.styles import RULE, SAFETY, WARNING, Theme, clone, tint
from handouts.render.tagged import CACHING, Para, TaggedTable
from handouts.render.tags import Node
from handouts.render.wording import SPEAKING, callout_title

MARKUP_CACHE_SIZE = 3_000  # paragraphs' markup remembered per process
_MARKUP: dict[tuple, tuple[str, tuple]] = {}


def remembered_markup(key: tuple, node: Node | None, make: Callable[[], str]) -> str:
    """A paragraph's markup, made once for the same runs in the same column, glyphs and
    language, as its parsing and line breaking are: the same passages come back in
    handout after handout. Making it gives `node` inline children (its links,
    citations, spoken spans), named in the markup by their place after `node` (see
    `tagged_markup`); a remembered markup makes the same children again, in the same
    order, so they get the same places."""
    if not CACHING["on"]:
        return make()
    start = len(node.registry) if node is not None else 0
    key = (*key, node is not None, start - node.id if node is not None else 0)
    hit = _MARKUP.get(key)
    if hit is not None:
        markup, children = hit
        for parent, role, attrs in children:
            node.registry[node.id + parent].inline_child(role, **attrs)
        return markup
    markup = make()
    made = node.registry[start:] if node is not None else []
    if any(child.joined for child in made):  # not inline children only: not remembered
        return markup
    if len(_MARKUP) >= MARKUP_CACHE_SIZE:
        _MARKUP.clear()
    _MARKUP[key] = (markup, tuple((child.parent.id - node.id, child.role, dict(child.attrs))
                                  for child in made))
    return markup


@dataclass(frozen=True)
class Context:
    theme: Theme
    glyphs: Glyphs
    width: float
    frame_height: float = 10_000  # the tallest thing a page can hold
    parent: Node | None = None  # the structure node new blocks go in (None: untagged)
    listed: bool = False  # the handout lists its references: a citation links to its entry

    def fit(self, style) -> Fit:
        indent = style.leftIndent + style.rightIndent
        return Fit(self.width - indent - 1, style.fontName, style.fontSize,
                   self.theme.font.bold, self.glyphs)

    def para(self, runs: Inlines, style, bullet: str | None = None,
             role: str | None = "P", anchor: str = "") -> Para:
        """A paragraph of inline runs, tagged as a new `role` node (None: as the
        context's node itself, e.g. a table cell); `anchor` is markup that makes its
        start a link's destination."""
        node = self.node(role) if role else self.parent
        fit = self.fit(style)
        markup = anchor + remembered_markup(
            ("inlines", runs, self.theme.link_color, self.listed, *self._fit_key(fit)), node,
            lambda: inlines_markup(runs, self.glyphs, self.theme.link_color, fit, node,
                                   self.listed))
        if bullet is not None:  # our own label, e.g. a reference number
            markup = f"<bullet>{text_markup(bullet, self.glyphs)}</bullet>{markup}"
        para = Para(markup, style)
        para.struct = node
        para.title = _plain_text(runs)
        return para

    def plain(self, text: str, style, role: str | None = "P") -> Para:
        node = self.node(role) if role else self.parent
        fit = self.fit(style)
        para = Para(remembered_markup(("said", text, *self._fit_key(fit)), node,
                                      lambda: said_markup(text, self.glyphs, fit, node)),
                    style)
        para.struct = node
        para.title = text
        return para

    def _fit_key(self, fit: Fit) -> tuple:
        """What of the column and the glyphs can change a paragraph's markup."""
        return (fit.width, fit.font, fit.size, fit.bold_font, self.glyphs.main.regular,
                self.glyphs.fallback_id, SPEAKING.get())

    def node(self, role: str, **attrs) -> Node | None:
        """A new structure node in this context's node (None when untagged)."""
        return self.parent.add(role, **attrs) if self.parent is not None else None

    def within(self, node: Node | None) -> Context:
        return replace(self, parent=node)

    def narrower(self, by: float) -> Context:
        return replace(self, width=self.width - by)


def _plain_text(runs: Inlines) -> str:
    """The words of inline runs, without citations (a heading's title in the outline)."""
    return "".join(getattr(run, "text", "") for run in runs).strip()


def flowables(blocks: tuple[Block, ...], ctx: Context) -> list[Flowable]:
    """All blocks, in order; a heading or a lead-in ending in ':' never ends a page, and
    a long lead-in keeps only its last lines with what follows."""
    made = [BUILDERS[type(block)](block, ctx) for block in blocks]
    out: list[Flowable] = []
    for i, block in enumerate(blocks):
        if not _leads_into_next(block, blocks[i + 1:i + 2]):
            out.extend(made[i])
        elif isinstance(block, Paragraph) and len(made[i]) == 1 and \
                made[i][0].wrap(ctx.width, 10_000)[1] > 3 * ctx.theme.body.leading:
            out.append(KeepTail(made[i][0], _start_height(made[i + 1], ctx)))
        else:
            out += [keep_with_next(made[i][0], ctx, made[i + 1]), *made[i]]
    return out


def _leads_into_next(block: Block, following: tuple[Block, ...]) -> bool:
    """Headings, lead-ins ending in ':' and short all-bold lines introduce what follows."""
    if not following:
        return False
    if isinstance(block, Heading):
        return True
    if not isinstance(block, Paragraph):
        return False
    text = "".join(getattr(run, "text", "") for run in block.inlines).strip()
    all_bold = all(getattr(run, "bold", False) for run in block.inlines
                   if getattr(run, "text", "").strip())
    return text.endswith(":") or (all_bold and len(text) < 80)


def keep_with_next(flowable: Flowable, ctx: Context,
                   following: list[Flowable] | None = None) -> Flowable:
    """Start a new page unless `flowable` and the start of what follows it still fit."""
    _, height = flowable.wrap(ctx.width, 10_000)
    style = getattr(flowable, "style", None)
    spacing = getattr(style, "spaceBefore", 0) + getattr(style, "spaceAfter", 0)
    return CondPageBreak(height + spacing + _start_height(following or [], ctx) + 2)


def _start_height(following: list[Flowable], ctx: Context) -> float:
    """The least of what follows that must share the page: a table's header and its first
    row (its first two lines, where a row can split), or about three lines of anything
    else."""
    three_lines = 3 * ctx.theme.body.leading
    first = next((f for f in following
                  if isinstance(f, CondPageBreak) or not isinstance(f, Spacer)), None)
    if isinstance(first, CondPageBreak):  # what follows keeps its own start: keep both
        return first.height
    if isinstance(first, RLTable):
        first.wrap(ctx.width, 10_000)
        heads = first.repeatRows
        row = first._rowHeights[heads] if len(first._rowHeights) > heads else 0
        if first.splitInRow:
            row = min(row, first.splitInRow + ctx.theme.measures.body)
        return sum(first._rowHeights[:heads]) + row + 2
    if isinstance(first, RLParagraph):
        return min(first.wrap(ctx.width, 10_000)[1], three_lines)
    return three_lines  # a list (ReportLab measures it only on a page) or nothing


CHUNK_CHARS = 2_000  # a paragraph longer than this is laid out in pieces of about this size


def _paragraph(block: Paragraph, ctx: Context) -> list[Flowable]:
    return chunked(block.inlines, ctx, ctx.theme.body)


def _heading(block: Heading, ctx: Context) -> list[Flowable]:
    level = 3 if block.level >= 3 else 2
    return chunked(block.inlines, ctx, ctx.theme.h3 if level == 3 else ctx.theme.h2,
                   role=f"H{level}")


def chunked(runs: Inlines, ctx: Context, style, bullet: str | None = None,
            role: str | None = "P") -> list[Para]:
    """One paragraph, or, for text far longer than any real paragraph, consecutive pieces
    that read as one (and are one structure element): ReportLab breaks a paragraph's
    lines again each time it splits it across a page, so one huge paragraph costs time in
    the square of its length."""
    pieces = split_runs(runs, CHUNK_CHARS)
    if len(pieces) == 1:
        return [ctx.para(runs, style, bullet, role)]
    inside = ctx.within(ctx.node(role)) if role else ctx
    middle = clone(style, style.name + "_cont", spaceBefore=0, spaceAfter=0)
    first = clone(style, style.name + "_first", spaceAfter=0)
    last = clone(style, style.name + "_last", spaceBefore=0)
    styles = [first] + [middle] * (len(pieces) - 2) + [last]
    return [inside.para(piece, st, bullet if i == 0 else None, role=None)
            for i, (piece, st) in enumerate(zip(pieces, styles, strict=True))]


def split_runs(runs: Inlines, size: int) -> list[Inlines]:
    """Inline runs cut into groups of about `size` characters, at spaces."""
    groups: list[list] = [[]]
    used = 0
    for run in runs:
        text = getattr(run, "text", "")
        while isinstance(run, Text) and used + len(text) > size and " " in text[:size - used]:
            cut = text.rindex(" ", 0, size - used) + 1
            groups[-1].append(Text(text[:cut], run.bold, run.italic))
            groups.append([])
            used, text = 0, text[cut:]
            run = Text(text, run.bold, run.italic)
        groups[-1].append(run)
        used += len(text)
        if used > size:  # one long link or word: it ends this piece
            groups.append([])
            used = 0
    return [tuple(g) for g in groups if g]


def _list(block: ListBlock, ctx: Context) -> list[Flowable]:
    """Each item as indented paragraphs with a hanging bullet (or number): they split
    across pages like any paragraph, and cost far less to lay out than a ListFlowable."""
    theme = ctx.theme
    indent = theme.measures.body * 1.5
    # Items are set ragged right even where paragraphs are justified: a short item over a
    # narrower measure, justified, opens wide gaps between its words.
    item_style = clone(theme.body,
        "item", leftIndent=indent, bulletIndent=indent * 0.15, spaceAfter=theme.measures.body
        * 0.35, bulletFontName=theme.font.regular if block.ordered else theme.font.bold,
        bulletFontSize=theme.measures.body, bulletColor=theme.primary, alignment=TA_LEFT)
    out: list[Flowable] = []
    listing = ctx.node("L", A={"O": "List",
                               "ListNumbering": "Decimal" if block.ordered else "Disc"})
    for number, item in enumerate(block.items, 1):
        label = f"{number}." if block.ordered else "\u2022"
        entry = listing.add("LI") if listing else None
        lbl = entry.add("Lbl") if entry and item and isinstance(item[0], Paragraph) else None
        body = ctx.within(entry.add("LBody") if entry else None)
        for i, part in enumerate(item):
            if isinstance(part, Paragraph):
                paras = chunked(part.inlines, body, item_style, label if i == 0 else None,
                                role="P" if len(item) > 1 else None)  # else text in LBody
                paras[0].struct_label = lbl if i == 0 else None
                out += paras
            else:  # a nested list or a table: indented under the item
                out += [Indenter(left=indent),
                        *BUILDERS[type(part)](part, body.narrower(indent)),
                        Indenter(left=-indent)]
    if out and isinstance(out[-1], RLParagraph):
        out[-1].style = clone(out[-1].style, "last_item", spaceAfter=theme.measures.body * 0.6)
    return out


def _table(block: Table, ctx: Context) -> list[Flowable]:
    theme = ctx.theme
    pad = theme.measures.body * 0.45
    widths = column_widths([block.header, *block.rows], ctx.width)
    if min(widths) - 2 * pad < 3 * theme.measures.body:  # too many columns for the page
        return _stacked_table(block, ctx)
    cells = [ctx.narrower(ctx.width - w + 2 * pad) for w in widths]
    node = ctx.node("Table")
    head = node.add("THead") if node and block.header else None
    body = node.add("TBody") if node else None

    row_headers = has_row_headers(block)

    def row_of(group: Node | None, runs: tuple[Inlines, ...], style) -> list[Flowable]:
        tr = group.add("TR") if group else None
        return [cells[i].within(_cell(tr, group is head, row_headers and i == 0, cell))
                .para(cell, style, role=None) for i, cell in enumerate(runs)]

    header = row_of(head, block.header, theme.cell_head) if block.header else []
    rows = [row_of(body, row, theme.cell) for row in block.rows]
    # A row taller than what is left of a page splits (two lines at least on the page)
    # rather than take the table, and the heading before it, to the next page.
    table = TaggedTable([header, *rows] if header else rows, colWidths=widths,
                        repeatRows=1 if header else 0, hAlign="LEFT",
                        splitInRow=2 * theme.cell.leading + pad)
    table.struct = node
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad * 0.7),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.9),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), tint(theme.primary, 0.14)),
                  ("LINEBELOW", (0, 0), (-1, 0), 1.2, theme.primary)]
    table.setStyle(table_style(theme, style))
    if not fits_a_page(table, ctx):
        if node:
            node.detach()
        return _stacked_table(block, ctx)
    return [table, Spacer(0, theme.measures.body * 0.7)]


def _cell(row: Node | None, in_head: bool, row_header: bool, runs: Inlines) -> Node | None:
    """A header cell heads its column, a row header its row; an empty cell heads nothing
    and is a TD."""
    if row is None:
        return None
    if (in_head or row_header) and any(getattr(run, "text", "").strip() for run in runs):
        return row.add("TH", A={"O": "Table", "Scope": "Column" if in_head else "Row"})
    return row.add("TD")


def fits_a_page(table: RLTable, ctx: Context) -> bool:
    """ReportLab cannot split a table row: a row taller than a page cannot be printed."""
    table.wrap(ctx.width, ctx.frame_height)
    return max(table._rowHeights, default=0) <= ctx.frame_height * 0.95


def _stacked_table(block: Table, ctx: Context) -> list[Flowable]:
    """A table with a row too tall for a page, or too many columns for its width, printed
    as labelled paragraphs instead."""
    theme = ctx.theme
    out: list[Flowable] = []
    for row in block.rows:
        row_ctx = ctx.within(ctx.node("Div"))
        out.append(HRFlowable(width="100%", thickness=0.5, color=RULE,
                              spaceBefore=theme.measures.body * 0.3,
                              spaceAfter=theme.measures.body * 0.3))
        for i, cell in enumerate(row):
            label = block.header[i] if i < len(block.header) else ()
            head = row_ctx.para(label, theme.cell_head) if label else None  # read first
            value = chunked(cell, row_ctx, theme.body)
            if head is not None:  # a label never ends a page without the start of its value
                out += [keep_with_next(head, ctx, value), head]
            out += value
    return out + [HRFlowable(width="100%", thickness=0.5, color=RULE,
                             spaceAfter=theme.measures.body * 0.7)]


def table_style(theme: Theme, commands: list) -> TableStyle:
    """A table style whose default font is ours: ReportLab's default would add Helvetica."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), theme.font.regular), *commands])


def column_widths(rows: list[tuple[Inlines, ...]], width: float) -> list[float]:
    """Share the width by how much text each column holds, within sensible bounds."""
    ncols = max(len(r) for r in rows)
    weights = []
    for col in range(ncols):
        lengths = [sum(len(getattr(run, "text", "")) for run in row[col])
                   for row in rows if col < len(row)]
        longest = max(lengths, default=1)
        weights.append(min(max(longest, 8), 60) + sum(lengths) / max(len(lengths), 1))
    total = sum(weights)
    floor = width / ncols * 0.45
    raw = [max(width * w / total, floor) for w in weights]
    scale = width / sum(raw)
    return [w * scale for w in raw]


CALLOUTS = {  # kind -> colour (None: the accent), tint (the title: the catalogue's)
    "warning": (WARNING, 0.10),
    "note": (None, 0.08),
    "safety": (SAFETY, 0.08),
}


def balanced(ctx: Context) -> Context:
    """The context with its body text broken into even lines (for short boxed text)."""
    theme = ctx.theme
    body = clone(theme.body, theme.body.name + "_balanced")
    body.balanced = True
    return replace(ctx, theme=replace(theme, body=body))


def _box_rows(body: list[Flowable]) -> list[list[Flowable]]:
    """A box's flowables as table rows. A lead-in shares its row with what it introduces:
    the keep rules that do this on a page (CondPageBreak, KeepTail) must never go inside a
    table cell, where measuring one would break the page the box is on."""
    rows: list[list[Flowable]] = []
    leads = joins = False  # the next flowable is a lead-in; it joins the row before
    for flowable in body:
        if isinstance(flowable, CondPageBreak):
            leads = True
            continue
        if isinstance(flowable, KeepTail):
            flowable, leads = flowable.para, True
        if joins:
            rows[-1].append(flowable)
            joins = isinstance(flowable, Spacer)  # what is introduced comes after a gap
            continue
        rows.append([flowable])
        joins, leads = leads, False
    return rows


def _callout(block: Callout, ctx: Context) -> list[Flowable]:
    """A tinted box with a strong left bar; one row per block so a long box can split."""
    theme = ctx.theme
    color, amount = CALLOUTS[block.kind]
    default_title = callout_title(block.kind, SPEAKING.get())
    color = color or theme.accent
    pad = theme.measures.body * 0.8
    bar = 4 if block.kind != "safety" else 2.5
    title_style = clone(theme.callout_title, "callout_title_colored", textColor=color)
    # A box is a Div whose heading is its title: level 2 for the safety box, which stands
    # among the sections; level 3 for a box inside a section.
    heading = "H2" if block.kind == "safety" else "H3"
    box = ctx.within(ctx.node("Div"))
    title = box.plain(block.title or default_title, title_style, role=heading)
    groups = _box_rows(flowables(block.blocks, balanced(box.narrower(2 * pad + 2 * bar))))
    # The title shares the first row with the first block, so a box never starts with a
    # title alone at the foot of a page. The bar is a column of its own, filled, so it
    # ends square with the box's corners rather than as a stroke sticking out past them.
    rows = [["", [title, *(groups[0] if groups else [])]]]
    rows += [["", group] for group in groups[1:]]
    table = TaggedTable(rows, colWidths=[2 * bar, ctx.width - 2 * bar], hAlign="LEFT")
    style = [
        ("BACKGROUND", (1, 0), (1, -1), tint(color, amount)),
        ("BACKGROUND", (0, 0), (0, -1), color),
        ("LEFTPADDING", (0, 0), (0, -1), 0), ("RIGHTPADDING", (0, 0), (0, -1), 0),
        ("LEFTPADDING", (1, 0), (1, -1), pad), ("RIGHTPADDING", (1, 0), (1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, 0), pad * 0.8),
        ("BOTTOMPADDING", (0, -1), (-1, -1), pad * 0.5),
    ]
    if block.kind == "safety":
        style.append(("BOX", (0, 0), (-1, -1), bar, color, "butt", None, "miter"))
    table.setStyle(table_style(theme, style))
    if not fits_a_page(table, ctx):  # a block taller than a page: no box, but its colour
        if box.parent:
            box.parent.detach()
        box = ctx.within(ctx.node("Div"))
        rule = HRFlowable(width="100%", thickness=bar, color=color,
                          spaceBefore=theme.measures.body * 0.4,
                          spaceAfter=theme.measures.body * 0.4)
        return [rule, box.plain(block.title or default_title, title_style, role=heading),
                *flowables(block.blocks, box), rule]
    return [Spacer(0, theme.measures.body * 0.3), table, Spacer(0, theme.measures.body * 0.9)]


BUILDERS: dict[type, Callable[..., list[Flowable]]] = {
    Paragraph: _paragraph,
    Heading: _heading,
    ListBlock: _list,
    Table: _table,
    Callout: _callout,
}


class PartBreak(CondPageBreak):
    """Where a packet's next handout starts: a new page, unless what came before spilled
    only a few lines onto this one (less than `share` of the page): the end of the handout
    before, or the end of a cover too long for its page (never the cover's own page 1).
    Then the next starts here, under a rule, rather than leave a page almost empty."""

    share = 1 / 3

    def __init__(self, gap: float, after_cover: bool = False):
        super().__init__(0)
        self.gap = gap
        self.after_cover = after_cover
        self.follows = False  # decided where it is laid out: go on here, under a rule

    def wrap(self, available_width: float, available_height: float):
        frame = self._doctemplateAttr("frame")
        full = frame._y2 - frame._topPadding - frame._y1p if frame is not None \
            else available_height
        self.follows = frame is not None and not frame._atTop and \
            full - available_height < full * self.share and available_height > 2 * self.gap \
            and not (self.after_cover and self._doctemplateAttr("page") == 1)
        if self.follows:
            self.width = available_width
            return available_width, self.gap
        if frame is not None and not frame._atTop:
            from reportlab.platypus.doctemplate import FrameBreak  # as CondPageBreak does

            frame.add_generated_content(FrameBreak)
        return 0, 0

    def draw(self) -> None:
        if self.follows:  # decoration: the canvas draws rules as artifacts
            self.canv.setStrokeColor(RULE)
            self.canv.setLineWidth(0.5)
            self.canv.line(0, self.gap / 2, self.width, self.gap / 2)
