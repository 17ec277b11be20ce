"""Document -> PDF bytes with ReportLab platypus. Reads no spec, site or library file."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import partial

from handouts.render import quickstart  # noqa: F401 - first: imports ReportLab quickly

# isort: split
from reportlab import rl_config
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Spacer
from reportlab.platypus.doctemplate import LayoutError as RLLayoutError

from handouts import __version__
from handouts.document import Document, Medicine, Section
from handouts.errors import LayoutError, Problem
from handouts.locale.messages import message_id, messages
from handouts.render.canvas import TaggedCanvas
from handouts.render.flowables import (
    Context,
    PartBreak,
    fits_a_page,
    flowables,
    keep_with_next,
    table_style,
)
from handouts.render.fonts import family
from handouts.render.markup import Glyphs, reference_anchor, tagged_markup, text_markup
from handouts.render.numbering import NumberingCanvas, PageNumber, SectionAnchor
from handouts.render.pages import SAFE_MARGIN, Furniture
from handouts.render.parts import Columns, label_value_rows
from handouts.render.styles import MUTED, RULE, theme_for, tint
from handouts.render.tagged import Para, TaggedTable
from handouts.render.tags import Marking, Node, cell_nodes, table_rows
from handouts.render.webcopy import END, KEPT, OPENING, PageMark, Slots, web_copy_part
from handouts.render.wording import metadata_subject, metadata_title, prepared_for_rows, speaking

PAPER = {"letter": LETTER, "a4": A4}
# A packet's outline: the cover's title, each part and the references at the top, each
# part's sections under it.
PACKET_LEVELS = {"H1": 0, "H2": 1, "H3": 2}


def render(document: Document) -> bytes:
    """Lay out the document and return the bytes of a tagged PDF (PDF/UA-1), the same
    bytes for the same document (ReportLab's invariant mode).

    A web copy's QR code ends the handout. Where the references push it onto a page of its
    own, the handout is laid out again with the code elsewhere, the first place that
    costs no page: under the crisis box; at the foot of a page that ends between two
    sections with room for it (which moves nothing after it); between two sections where
    there is room (see Slots.with_room). Where every place costs a page, the code goes
    under the crisis box if it is not alone there either: a page of text, not of code; in
    large print (one reference an entry, never split), else at the end with the last
    reference carried over to its page."""
    layout = prepare_layout(document)
    data = layout.build()
    mark = layout.web_copy
    if mark is None or not mark.alone():
        return data
    pages = mark.code.page - 1  # the pages without the code
    fallback = None
    for place in (OPENING, *layout.slots.with_room(layout.page_rooms, mark.code.page)):
        again = prepare_layout(document, web_copy_at=place)
        moved = again.build()
        if again.web_copy is None or again.web_copy.alone():
            continue
        if max(again.page_rooms) <= pages:
            return moved
        if place == OPENING and max(again.page_rooms) <= pages + 1:
            fallback = moved
    if fallback is None and document.large_print and document.references:
        return prepare_layout(document, web_copy_at=KEPT).build()
    return fallback or data


@dataclass
class Layout:
    """A document turned into ReportLab objects, ready for `doc.build`: the split lets the
    benchmark time ReportLab's own work apart from ours."""

    doc: BaseDocTemplate
    story: list[Flowable]
    out: io.BytesIO
    canvasmaker: partial
    web_copy: PageMark | None = None  # where the web copy's code fell, once built
    slots: Slots | None = None  # the places between sections the code could go
    page_rooms: dict[int, float] = field(default_factory=dict)  # page -> room left at its foot

    def build(self) -> bytes:
        try:
            self.doc.build(self.story, canvasmaker=self.canvasmaker)
        except RLLayoutError as exc:  # its text quotes the block, which may be patient data
            page = re.search(r"on page (\d+)", str(exc))
            where = f" (page {page.group(1)})" if page else ""
            raise LayoutError(Problem(f"a block is too large to fit on a page{where}",
                                      hint="shorten the longest entry or paragraph")) from None
        return self.out.getvalue()


def prepare_layout(document: Document, tagged: bool = True,
                   web_copy_at: str | int = END) -> Layout:
    """Styles, page templates and flowables for a document; nothing is laid out yet.
    `tagged=False` (for the benchmark only) leaves out the structure tree; `web_copy_at`
    is where the web copy's code goes: at the END, in the OPENING, or at a Slot's number."""
    main = family(document.brand.font)
    glyphs = Glyphs(main)
    rl_config.canvas_basefontname = main.regular  # no Helvetica in any page preamble
    theme = theme_for(document, main)
    page_w, page_h = PAPER[document.paper]
    margin = theme.measures.margin
    ctx = Context(theme, glyphs, page_w - 2 * margin)
    band = (0.9 if document.large_print else 0.7) * inch
    root = Node("Document") if tagged else None
    furniture = Furniture(document, ctx, page_w, page_h, band, 0)
    if root is not None:  # the clinic first: its logo, or its name where there is none
        furniture.brand_node = root.add("Figure", Alt=document.brand.name) \
            if document.brand.logo else root.add("P")
    furniture.footer = furniture.footer_height()
    if furniture.footer > 0.2 * page_h:
        raise LayoutError(Problem("the clinic's contact details and footer note take more than "
                                  "a fifth of the page", field="footer_note",
                                  hint="shorten the address, website or footer_note"))
    frame_bottom = SAFE_MARGIN + 2 + furniture.footer + 10
    frame_top = page_h - SAFE_MARGIN - band - 0.22 * inch
    ctx = Context(theme, glyphs, ctx.width, frame_top - frame_bottom, root,
                  bool(document.references))
    frame = Frame(margin, frame_bottom, ctx.width, frame_top - frame_bottom, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    out = io.BytesIO()
    title = metadata_title(document)
    doc = BaseDocTemplate(
        out, pagesize=(page_w, page_h), invariant=1, lang=document.language,
        title=title, author=document.brand.name,
        subject=metadata_subject(document), creator=f"handouts {__version__}", keywords="",
        leftMargin=margin, rightMargin=margin, topMargin=page_h - frame_top,
        bottomMargin=frame_bottom)
    page_rooms: dict[int, float] = {}

    def page_end(canvas, doc) -> None:  # the room left at the page's foot, then the footer
        page_rooms[canvas.getPageNumber()] = doc.frame._y - doc.frame._y1p
        furniture.draw_footer(canvas, doc)

    doc.addPageTemplates([PageTemplate("page", [frame], onPage=furniture.draw,
                                       onPageEnd=page_end)])
    canvas = partial(NumberingCanvas, date=document.date) if root is None else \
        partial(TaggedCanvas, marking=Marking(root), title=title, date=document.date,
                levels=PACKET_LEVELS if document.parts else None)
    with speaking(document.language):  # words said aloud that no block carries
        slots = Slots(document, ctx, web_copy_at)
        parts = (packet_story if document.parts else story)(document, ctx, slots)
        if root is not None:  # the clinic's contact details, last, as the HTML twin's footer
            furniture.tag_footer(root)
    mark = next((p for p in parts if isinstance(p, PageMark)), None)
    return Layout(doc, parts, out, canvas, mark, slots, page_rooms)


def story(document: Document, ctx: Context, slots: Slots) -> list[Flowable]:
    """Everything in the body frame, in reading order."""
    theme = ctx.theme
    parts: list[Flowable] = [ctx.plain(document.title, theme.title, role="H1")]
    if document.subtitle:
        parts.append(ctx.plain(document.subtitle, theme.subtitle))
    parts += _patient_and_crisis(document, ctx)
    if document.web_copy and slots.at == OPENING:  # never with medicines: a tailored handout
        parts += web_copy_part(document, ctx, between=True)
    if document.medicines:
        parts += _medicines(document.medicines, ctx, document.language)
    for section in document.sections:
        parts += _section(section, ctx) + slots.here()
    return parts + _ending(document, ctx, slots)


def _patient_and_crisis(document: Document, ctx: Context) -> list[Flowable]:
    """The patient block, then the crisis box (kept whole, first where every reader sees
    it); the crisis box first when the two would not share page 1 (see `crisis_first`)."""
    def patient() -> list[Flowable]:  # made in reading order: its nodes join the tree
        return [_prepared_for(document, ctx), _gap(ctx.theme)] if document.prepared_for \
            else []
    if not document.safety:
        return patient()
    if crisis_first(document, ctx):  # the patient block then whole, not split in two
        crisis = KeepTogether(flowables((document.safety,), ctx))
        return [crisis, _gap(ctx.theme), KeepTogether(patient())]
    return [*patient(), KeepTogether(flowables((document.safety,), ctx))]


def crisis_first(document: Document, ctx: Context | None = None) -> bool:
    """Whether the crisis box goes before the patient block: when the title, the patient
    block and the crisis box do not fit page 1 together (large print in Spanish, whose box
    is long), the box would go whole to page 2, and it must be on page 1. Measured
    untagged; `ctx` None: the document's own layout context."""
    if not (document.prepared_for and document.safety):
        return False
    ctx = (ctx or prepare_layout(document, tagged=False).slots.ctx).within(None)
    theme = ctx.theme
    opening = [ctx.plain(document.title, theme.title, role=None)]
    if document.subtitle and not document.parts:
        opening.append(ctx.plain(document.subtitle, theme.subtitle, role=None))
    blocks = [*opening, _prepared_for(document, ctx), _gap(theme),
              *flowables((document.safety,), ctx)]
    height = 0.0
    for block in blocks:
        style = getattr(block, "style", None)
        height += block.wrap(ctx.width, ctx.frame_height)[1] + \
            getattr(style, "spaceBefore", 0) + getattr(style, "spaceAfter", 0)
    return height > ctx.frame_height


def _section(section: Section, ctx: Context) -> list[Flowable]:
    """A section: its title (an H2, never alone at a page's foot) and its blocks."""
    inside = ctx.within(ctx.node("Sect", **({"Lang": section.language}
                                            if section.language else {})))
    try:
        title = inside.plain(section.title, ctx.theme.h2, role="H2")
        body = flowables(section.blocks, inside)
    except LayoutError as exc:
        raise LayoutError([Problem(p.message, section.source, None, f"section {section.id}",
                                   p.hint) for p in exc.problems]) from None
    return [keep_with_next(title, ctx, body), SectionAnchor(section.id), title, *body]


def _ending(document: Document, ctx: Context, slots: Slots) -> list[Flowable]:
    """The disclaimer, then the references in columns, then the web copy's code unless it
    went elsewhere. In a packet the references belong to no part: their heading is an H1,
    so the outline lists them beside the parts."""
    theme = ctx.theme
    parts = flowables(document.disclaimer, ctx) + slots.here()
    if document.references:
        inside = ctx.within(ctx.node("Sect"))
        heading = inside.plain(messages(document.language).say("references.heading"),
                               theme.h2, role="H1" if document.parts else "H2")
        column = inside if document.large_print else \
            inside.narrower(ctx.width / 2 + theme.measures.body)
        entries = _reference_entries(document, column)
        parts += [keep_with_next(heading, ctx, entries[:1]), heading,
                  *_columns(entries, document, theme)]
    if document.web_copy and slots.at == KEPT and document.large_print and document.references:
        mark, space, box = web_copy_part(document, ctx)  # the last entry goes with the code
        return [*parts[:-1], mark, KeepTogether([entries[-1], space, *box._content])]
    if document.web_copy and slots.at in (END, KEPT):  # last: the clinic's web copy
        parts += web_copy_part(document, ctx)
    return parts


def packet_story(document: Document, ctx: Context, slots: Slots) -> list[Flowable]:
    """A packet: a cover (its title, the patient block, the crisis box, the contents with
    the page each part starts on, and the medicines table, each once), then each part
    from a new page (a Part element: its title an H1, its sections), then the disclaimer
    and the references of the whole packet."""
    theme = ctx.theme
    parts: list[Flowable] = [ctx.plain(document.title, theme.title, role="H1")]
    parts += _patient_and_crisis(document, ctx)
    parts += _contents(document, ctx)
    if document.web_copy and slots.at == OPENING:
        parts += web_copy_part(document, ctx, between=True)
    if document.medicines:
        parts += _medicines(document.medicines, ctx, document.language)
    sections = {section.id: section for section in document.sections}
    while isinstance(parts[-1], Spacer):  # alone at the top of a page, it would make one
        parts.pop()
    for index, part in enumerate(document.parts):
        inside = ctx.within(ctx.node("Part"))
        start = PartBreak(theme.measures.body * 3, after_cover=index == 0)
        parts += [start, SectionAnchor(part.id, destination=True),
                  inside.plain(part.title, theme.title, role="H1")]
        if part.subtitle:
            parts.append(inside.plain(part.subtitle, theme.subtitle))
        for ident in part.section_ids:
            parts += _section(sections[ident], inside) + slots.here()
    return parts + _ending(document, ctx, slots)


def _contents(document: Document, ctx: Context) -> list[Flowable]:
    """'Contents': a table of the parts' titles, each a link to the part, and the page
    each starts on (a number filled in when the last page is known)."""
    theme = ctx.theme
    say = messages(document.language).say
    pad = theme.measures.body * 0.45
    widths = [ctx.width * 0.8, ctx.width * 0.2]
    inside = ctx.within(ctx.node("Sect"))
    heading = inside.plain(say("packet.contents"), theme.h2, role="H2")
    struct = inside.node("Table")
    # made first: a title's link is a Link element in its cell
    nodes = cell_nodes(struct, [2] * (len(document.parts) + 1)) if struct else None
    ctx = ctx.within(None)  # each cell is its node's text
    title_ctx = ctx.narrower(ctx.width - widths[0] + 2 * pad)
    rows: list[list] = [[ctx.plain(say("packet.column_part"), theme.cell_head),
                         ctx.plain(say("packet.column_page"), theme.cell_head)]]
    for index, part in enumerate(document.parts, 1):
        rows.append([_part_link(part.id, part.title, title_ctx,
                                nodes[index][0] if nodes else None),
                     PageNumber(part.id, theme.font.regular, theme.cell.fontSize, MUTED)])
    table = TaggedTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(table_style(theme, _medicine_style(theme)))
    if nodes:
        table.struct = struct
        for row, row_nodes in zip(rows, nodes, strict=True):
            for cell, node in zip(row, row_nodes, strict=True):
                cell.struct = node
    return [keep_with_next(heading, ctx, [table]), heading, table, _gap(theme)]


def _part_link(ident: str, title: str, ctx: Context, cell: Node | None) -> Para:
    """A part's title in the contents, a link to the top of its first page, for a reader
    on a screen; tagged, a Link element in its `cell`, said as its title."""
    link = f'<a href="#{ident}">{text_markup(title, ctx.glyphs, ctx.fit(ctx.theme.cell))}</a>'
    if cell is not None:
        link = tagged_markup(link, cell.inline_child("Link", url=f"#{ident}",
                                                     contents=title))
    para = Para(link, ctx.theme.cell)
    para.title = title
    return para


def _reference_entries(document: Document, ctx: Context) -> list[Flowable]:
    """One paragraph per reference; tagged as a numbered list, its number the label."""
    # The references keep their own titles (English): marked so in a handout in another
    # language, so a screen reader reads them as English.
    own = {"Lang": "en"} if document.language != "en" else {}
    listing = ctx.node("L", A={"O": "List", "ListNumbering": "Decimal"}, **own)
    entries = []
    for ref in document.references:
        item = listing.add("LI") if listing else None
        label = item.add("Lbl") if item else None
        entry = ctx.within(item.add("LBody") if item else None).para(
            ref.inlines, ctx.theme.reference, bullet=f"{ref.number}.", role=None,
            anchor=reference_anchor(ref.number))
        entry.struct_label = label
        entries.append(entry)
    return entries


def _columns(entries: list[Flowable], document: Document, theme) -> list[Flowable]:
    """The reference list in two balanced columns; one column in large print, where an
    entry is never split between pages."""
    if document.large_print:
        return [KeepTogether([entry]) for entry in entries]
    return [Columns(entries, gap=theme.measures.body)]


def _gap(theme) -> Flowable:
    return Spacer(0, theme.measures.body * 0.8)


def _prepared_for(document: Document, ctx: Context) -> Flowable:
    return label_value_rows(prepared_for_rows(document), ctx)


def _medicines(medicines: tuple[Medicine, ...], ctx: Context, language: str
               ) -> list[Flowable]:
    """'Your medicines': each entry in normal case, a line for each ingredient (or name not
    recognised), and the pages to read."""
    theme = ctx.theme
    pad = theme.measures.body * 0.45
    say = messages(language).say
    # the page column fits its heading on one line ("Página" in large print), else the
    # word would break inside itself; what it needs more comes from the middle column
    page_head = say("medicines.column_page")
    more = max(0.0, stringWidth(page_head, theme.cell_head.fontName, theme.cell_head.fontSize)
               + 2 * pad + 2 - ctx.width * 0.14)
    widths = [ctx.width * 0.36, ctx.width * 0.50 - more, ctx.width * 0.14 + more]
    inside = ctx.within(ctx.node("Sect"))
    heading = inside.plain(say("medicines.heading"), theme.h2, role="H2")
    ctx = ctx.within(None)  # the cells are tagged TH and TD below
    entry_ctx, what_ctx, _ = (ctx.narrower(ctx.width - w + 2 * pad) for w in widths)
    head = [ctx.plain(say(key), theme.cell_head)
            for key in (message_id("medicines.column_entry"), message_id("medicines.column_what"),
                        message_id("medicines.column_page"))]
    rows = [head]
    for med in medicines:
        what = [what_ctx.plain(line.text, theme.cell) for line in med.lines]
        pages = [PageNumber(s, theme.font.regular, theme.cell.fontSize, MUTED)
                 for s in med.section_ids]
        rows.append([entry_ctx.plain(med.entry, theme.cell), what, pages or ""])
    table = TaggedTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(table_style(theme, _medicine_style(theme)))
    if not fits_a_page(table, ctx):
        raise LayoutError(Problem("a medicine entry is too long to print in the 'Your "
                                  "medicines' table", field="patient.medications",
                                  hint="shorten the entry"))
    if inside.parent:
        table.struct = inside.parent.add("Table")
        table_rows(table.struct, rows, row_headers=True)  # each entry names its row
    # the heading never ends a page alone: it goes with the table's header and first row
    return [keep_with_next(heading, ctx, [table]), heading, table, _gap(theme)]


def _medicine_style(theme) -> list:
    pad = theme.measures.body * 0.45  # the same padding the cell contexts allow for
    return [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), tint(theme.primary, 0.14)),
        ("LINEBELOW", (0, 0), (-1, 0), 1.2, theme.primary),
        ("LINEBELOW", (0, 1), (-1, -1), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad * 0.7), ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ]

