"""A QR code to an untailored patient handout's web copy, where its clinic publishes them
(ReportLab's own QR widget), a line saying what it is, and the address in words. The code
is a Figure whose /Alt is the address; the two lines are paragraphs, the address a link.

It ends the handout, under the references, where it fits on the last page. Where the
references fill the last page the code would have a page to itself, a sheet of paper for a
code: the renderer then lays the handout out again with the code at the first place that
costs no page (see pdf.render): on the first page, under the crisis box (a packet: on its
cover, under the contents); at the foot of a page that ends with room for it between two
sections (which moves nothing after it); between two sections where there is room."""

from __future__ import annotations

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, Spacer
from reportlab.platypus.doctemplate import FrameActionFlowable

from handouts.document import Document, Link, checked_link
from handouts.locale.messages import messages
from handouts.render.flowables import Context, table_style
from handouts.render.styles import RULE
from handouts.render.tagged import TaggedTable
from handouts.render.tags import marked

# where the code goes: at the END; at the end with the last reference carried over to its
# page (KEPT, large print); in the OPENING; or the number of a Slot
OPENING, END, KEPT = "opening", "end", "kept"
TRIES = 2  # layouts tried with the code between sections where it moves what follows
QR_SIZE = 3.2 * cm  # the code with its quiet zone (4 modules): the symbol itself ~2.5 cm
QR_SIZE_LARGE = 4.0 * cm


class QrCode(Flowable):
    """A QR code of `url`, `size` points square including its quiet zone; its drawing is
    the marked content of `struct` (a Figure), which records the box it lies in."""

    struct = None
    page = 0  # the page it was drawn on

    def __init__(self, url: str, size: float):
        super().__init__()
        self.url, self.size = url, size
        widget = QrCodeWidget(url, barLevel="M")  # M: a smudge on the printout still reads
        x0, y0, x1, y1 = widget.getBounds()
        self.drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0,
                                                      size / (y1 - y0), 0, 0])
        self.drawing.add(widget)

    def wrap(self, available_width: float, available_height: float):
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        marking = getattr(canvas, "marking", None)
        if marking is not None and self.struct is not None:
            a, _, _, d, e, f = canvas._currentMatrix  # where this flowable's (0, 0) is
            self.struct.place(marking.page, (e, f, e + a * self.size, f + d * self.size))
        self.page = canvas.getPageNumber()
        with marked(canvas, self.struct):
            renderPDF.draw(self.drawing, canvas, 0, 0)


class PageMark(FrameActionFlowable):
    """Where what comes before the code ends: the page, and whether that page is still
    empty, so that a layout can tell whether the code has a page to itself. A frame
    action: it takes no room, draws nothing and never makes a page of its own."""

    page = 0
    at_top = False

    def __init__(self, code: QrCode):  # (FrameActionFlowable's own refuses to be called)
        self.code = code

    def frameAction(self, frame) -> None:
        self.page, self.at_top = self.canv.getPageNumber(), bool(frame._atTop)

    def alone(self) -> bool:
        """The code starts a page that nothing before it reached (and nothing follows it
        at the end): it holds that page alone."""
        return self.code.page > self.page or self.at_top


class Slot(FrameActionFlowable):
    """A place between two sections where the code could go: a frame action (it takes no
    room, draws nothing, never makes a page) noting the page it falls on and the room left
    on that page under it."""

    page = 0
    room = 0.0

    def __init__(self):  # (FrameActionFlowable's own refuses to be called)
        pass

    def frameAction(self, frame) -> None:
        self.page, self.room = self.canv.getPageNumber(), frame._y - frame._y1p


class Slots:
    """The places between sections where the code could go, numbered in reading order: a
    Slot at each, and the code itself at the one `at` names. None without a web copy."""

    def __init__(self, document: Document, ctx: Context, at: str | int):
        self.document, self.ctx, self.at = document, ctx, at
        self.slots: list[Slot] = []

    def here(self) -> list[Flowable]:
        if not self.document.web_copy:
            return []
        self.slots.append(Slot())
        if self.at == len(self.slots) - 1:
            return [self.slots[-1], *web_copy_part(self.document, self.ctx, between=True)]
        return [self.slots[-1]]

    def with_room(self, page_rooms: dict[int, float], before_page: int) -> list[int]:
        """The slots before `before_page` with room for the code under them, best first:
        those that end a page (nothing drawn after them on it: the code there moves
        nothing), latest first; then up to TRIES others, latest first (the code there
        moves what follows down, which may or may not cost a page)."""
        need = web_copy_height(self.document, self.ctx) + 1
        room = [i for i, slot in enumerate(self.slots)
                if 0 < slot.page < before_page and slot.room >= need][::-1]
        feet = [i for i in room
                if abs(page_rooms.get(self.slots[i].page, -1) - self.slots[i].room) < 0.01]
        return feet + [i for i in room if i not in feet][:TRIES]


def web_copy_height(document: Document, ctx: Context) -> float:
    """How tall the code's part is between two sections, measured untagged."""
    parts = web_copy_part(document, ctx.within(None), between=True)
    spacer, keep = parts[1], parts[2]
    return spacer.height + sum(f.wrap(ctx.width, 10_000)[1] for f in keep._content)


def web_copy_part(document: Document, ctx: Context, between: bool = False) -> list[Flowable]:
    """The QR code beside 'Read this handout online' and the address, kept together; after
    a mark of the page the text before it ends on (the first flowable). At the end a rule
    sets it apart from the references above it; `between` text (under the crisis box, or
    between two sections) rules above and below set it apart from the text around it."""
    url = checked_link(document.web_copy or "")
    theme = ctx.theme
    say = messages(document.language).say
    size = QR_SIZE_LARGE if document.large_print else QR_SIZE
    gap = theme.measures.body
    inside = ctx.within(ctx.node("Sect"))
    code = QrCode(url, size)
    code.struct = inside.node("Figure", Alt=url)
    text = inside.narrower(size + gap)
    said = say("webcopy.line_packet") if document.parts else say("webcopy.line")
    line = text.plain(said, theme.cell_head)
    address = text.para((Link(url, url),), theme.cell)
    box = TaggedTable([[code, [line, Spacer(0, theme.measures.body * 0.3), address]]],
                      colWidths=[size + gap, ctx.width - size - gap], hAlign="LEFT")
    box.setStyle(table_style(theme, [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), gap * 0.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), gap * 0.6 if between else 0),
        ("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE),
        *([("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE)] if between else []),
    ]))
    return [PageMark(code), Spacer(0, gap), KeepTogether([box])]
