"""A QR code to an untailored patient handout's web copy, where its clinic publishes them
(ReportLab's own QR widget), a line saying what it is, and the address in words. The code
is a Figure whose /Alt is the address; the two lines are paragraphs, the address a link.

It ends the handout, under the references, where it fits on the last page. Where the
references fill the last page the code would have a page to itself: the renderer then lays
the handout out again with the code on the first page, under the crisis box (a packet: on
the cover, under the contents), where it costs a few lines, not a sheet of paper."""

from __future__ import annotations

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from handouts.document import Document, Link, checked_link
from handouts.locale.messages import messages
from handouts.render.flowables import Context, table_style
from handouts.render.styles import RULE
from handouts.render.tagged import TaggedTable
from handouts.render.tags import marked

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


class PageMark(Flowable):
    """Draws nothing; notes the page where what comes before the code ends, so that a
    layout can tell whether the code was pushed onto a page of its own."""

    _ZEROSIZE = True  # drawn even where the page has no room left
    page = 0

    def __init__(self, code: QrCode):
        super().__init__()
        self.code = code

    def wrap(self, available_width: float, available_height: float):
        return 0, 0

    def drawOn(self, canvas, x: float, y: float, _sW: float = 0) -> None:
        self.page = canvas.getPageNumber()  # and nothing written on the page

    def alone(self) -> bool:
        """The code started a page after the text had ended: it holds that page alone."""
        return self.code.page > self.page


def web_copy_part(document: Document, ctx: Context, opening: bool = False) -> list[Flowable]:
    """The QR code beside 'Read this handout online' and the address, kept together; after
    a mark of the page the text before it ends on (the first flowable). At the end a rule
    sets it apart from the references above it; in the `opening` (under the crisis box)
    rules above and below set it apart from the text around it."""
    url = checked_link(document.web_copy or "")
    theme = ctx.theme
    say = messages(document.language).say
    size = QR_SIZE_LARGE if document.large_print else QR_SIZE
    gap = theme.measures.body
    inside = ctx.within(ctx.node("Sect"))
    code = QrCode(url, size)
    code.struct = inside.node("Figure", Alt=url)
    text = inside.narrower(size + gap)
    line = text.plain(say("webcopy.line"), theme.cell_head)
    address = text.para((Link(url, url),), theme.cell)
    box = TaggedTable([[code, [line, Spacer(0, theme.measures.body * 0.3), address]]],
                      colWidths=[size + gap, ctx.width - size - gap], hAlign="LEFT")
    box.setStyle(table_style(theme, [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), gap * 0.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), gap * 0.6 if opening else 0),
        ("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE),
        *([("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE)] if opening else []),
    ]))
    return [PageMark(code), Spacer(0, gap), KeepTogether([box])]
