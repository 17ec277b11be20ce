"""Page furniture: the brand band at the top, and the footer with the clinic's contact
details and 'Page N of M' (the number drawn by the canvas of numbering.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph as RLParagraph

from handouts.document import Document
from handouts.locale.messages import messages
from handouts.render.flowables import Context
from handouts.render.markup import said_markup, tagged_markup, text_markup
from handouts.render.numbering import TOTAL_FORM, NumberingCanvas
from handouts.render.styles import MUTED, RULE, band_text_color, clone
from handouts.render.tagged import Para
from handouts.render.tags import Node, artifact, marked
from handouts.render.wording import page_label, reviewed_line

BAND_FORM = "page_band"
FOOTER_FORM = "page_footer"
LOGO_FORM = "page_logo"
NAME_FORM = "page_clinic_name"
SAFE_MARGIN = 0.5 * inch  # nothing is drawn nearer the edge: most printers can print it
FOOTER_SEPARATOR = "  \u00b7  "


def _packed(items: list[str], width_of, width: float) -> list[str]:
    """Items joined by separators into lines no wider than `width`, greedily; an item that
    does not fit after others starts a line of its own."""
    lines: list[str] = []
    for item in items:
        joined = f"{lines[-1]}{FOOTER_SEPARATOR}{item}" if lines else item
        if lines and width_of(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(item)
    return lines


@dataclass(eq=False)
class Furniture:
    """Draws the band and the footer on every page."""

    document: Document
    ctx: Context
    page_width: float
    page_height: float
    band: float
    footer: float
    _names: dict = field(default_factory=dict)
    _logo_reader: ImageReader | None = None
    brand_node: Node | None = None  # page 1's logo (a Figure) or clinic name (a P)
    first_footer: tuple[RLParagraph, ...] = ()  # page 1's footer, tagged (see tag_footer)

    @property
    def band_text(self) -> colors.Color:
        """White or ink on the band, whichever reads better on the brand colour."""
        return band_text_color(self.ctx.theme.band)

    @property
    def margin(self) -> float:
        return self.ctx.theme.measures.margin

    @cached_property
    def footer_lines(self) -> tuple[RLParagraph, ...]:
        """The contact details, then the review date and footer note: each group packed
        into lines item by item, so a line never ends in a separator and an item is
        never split between lines while it fits on one; an item longer than a line
        wraps in even lines, never leaving one word alone ("Pregunte por un /
        intérprete.")."""
        column, style = self._footer_column
        return tuple(column.plain(line, style) for line in self._footer_texts)

    @cached_property
    def _footer_column(self):
        style = clone(self.ctx.theme.small, "footer", textColor=MUTED)
        style.balanced = True
        return self.ctx.narrower(self.ctx.width - self._footer_width), style

    @cached_property
    def _footer_texts(self) -> tuple[str, ...]:
        brand = self.document.brand
        contact = [brand.name] + [v for v in (brand.contact.phone, brand.contact.address,
                                              brand.contact.website) if v]
        reviewed = reviewed_line(self.document)
        second = [reviewed] + ([brand.footer_note] if brand.footer_note else [])
        fit = self._footer_column[0].fit(self._footer_column[1])
        return tuple(line for group in (contact, second)
                     for line in _packed(group, fit.width_of, fit.width))

    def tag_footer(self, root: Node) -> None:
        """Page 1's footer as tagged content at the end of the document (as the HTML
        twin's <footer> is), so a screen reader reads the clinic's phone number, address,
        website and note; on later pages it repeats as a Footer artifact. A footer note
        in another language is marked with its /Lang."""
        column, style = self._footer_column
        div, fit, glyphs = root.add("Div"), column.fit(style), column.glyphs
        brand = self.document.brand
        lang = brand.footer_note_language
        foreign = brand.footer_note if lang and lang != self.document.language else None
        lines = []
        for text in self._footer_texts:
            node = div.add("P", **({"Lang": lang} if text == foreign else {}))
            shown, end = text, ""
            if foreign and text != foreign and text.endswith(FOOTER_SEPARATOR + foreign):
                shown, end = text[:-len(foreign)], foreign
            markup = said_markup(shown, glyphs, fit, node)
            if end:
                markup += tagged_markup(text_markup(end, glyphs, fit),
                                        node.inline_child("Span", Lang=lang))
            para = Para(markup, style)
            para.struct = node
            lines.append(para)
        self.first_footer = tuple(lines)

    def draw(self, canvas: NumberingCanvas, doc) -> None:
        """Every page, before its body: the band, drawn once into a form and reused, a
        Header artifact, except on the first page the logo (a Figure) or, with no logo,
        the clinic's name."""
        canvas.pages += 1
        with artifact(canvas, "Header"):
            self._once(canvas, BAND_FORM, self._band)
        first = self.brand_node if canvas.getPageNumber() == 1 else None
        logo = self.document.brand.logo
        if logo:
            if first is not None:
                x, y, w, h = self._logo_box["image"]
                first.place(canvas.marking.page, (x, y, x + w, y + h))
            with marked(canvas, first) if first else artifact(canvas, "Header"):
                self._once(canvas, LOGO_FORM, self._logo)
        with marked(canvas, first) if first and not logo else artifact(canvas, "Header"):
            self._once(canvas, NAME_FORM, self._name)

    def draw_footer(self, canvas: NumberingCanvas, doc) -> None:
        """Every page, after its body: the footer, a Footer artifact (a form drawn once),
        except on the first page, where its text is tagged (see `tag_footer`); then the
        page number."""
        if canvas.getPageNumber() == 1 and self.first_footer:
            with artifact(canvas, "Footer"):
                self._rule(canvas)
            self._footer_text(canvas, self.first_footer)
        else:
            with artifact(canvas, "Footer"):
                self._once(canvas, FOOTER_FORM, self._footer)
        with artifact(canvas, "Footer"):
            canvas.saveState()
            self._page_number(canvas)
            canvas.restoreState()

    @staticmethod
    def _once(canvas: Canvas, name: str, draw) -> None:
        """Draw form `name`, made by `draw` the first time it is needed."""
        if not canvas.hasForm(name):
            canvas.beginForm(name)
            draw(canvas)
            canvas.endForm()
        canvas.doForm(name)

    @property
    def _band_top(self) -> float:
        return self.page_height - SAFE_MARGIN

    def _band(self, canvas: Canvas) -> None:
        """The brand band: a card inside the printer-safe margin, never bled to the edge,
        so office printers neither clip it nor leave a white strip across it; and the
        white tile the logo sits on."""
        theme = self.ctx.theme
        top = self._band_top
        left, right = SAFE_MARGIN, self.page_width - SAFE_MARGIN
        canvas.setFillColor(theme.band)
        canvas.roundRect(left, top - self.band, right - left, self.band, 6, stroke=0, fill=1)
        canvas.setFillColor(theme.stripe)  # the brand's accent, even where text needs a shade
        canvas.rect(left + 6, top - self.band - 3.5, right - left - 12, 2.5, stroke=0, fill=1)
        if self.document.brand.logo:
            tile = self._logo_box["tile"]
            canvas.setFillColor(colors.white)
            canvas.roundRect(*tile, 4, stroke=0, fill=1)

    def _name(self, canvas: Canvas) -> None:
        """The clinic's name in the band, right of the logo."""
        right = self.page_width - SAFE_MARGIN
        x = self.margin
        if self.document.brand.logo:
            x += self._logo_box["tile"][2] + 12
        width = right - 10 - x
        name = self._fitted_name(round(width, 2))
        _, h = name.wrap(width, self.band)
        name.drawOn(canvas, x, self._band_top - self.band / 2 - h / 2)

    def _fitted_name(self, width: float) -> RLParagraph:
        """The clinic's name at the largest size (down to 8 pt) that fits the band,
        worked out once per handout rather than on every page."""
        if width not in self._names:
            self._names[width] = self._fit_name(width)
        return self._names[width]

    def _fit_name(self, width: float) -> RLParagraph:
        """On one line, shrunk as far as two thirds of its size if it must be; else on
        even lines at the largest size the band holds (down to 8 pt), so no word is left
        alone on a line; else, cut short with an ellipsis."""
        theme = self.ctx.theme
        name = self.document.brand.name
        column = self.ctx.narrower(self.ctx.width - width)
        room = self.band - 10

        def para(text: str, size: float) -> RLParagraph:
            style = clone(theme.h3, "band", textColor=self.band_text, spaceBefore=0,
                                   fontSize=size, leading=size * 1.15)
            style.balanced = True
            return column.plain(text, style)

        sizes = [theme.measures.h3 - 0.5 * i for i in range(int(theme.measures.h3 * 2))]
        sizes = [s for s in sizes if s >= 8]
        one_line = next((s for s in sizes if s >= theme.measures.h3 * 2 / 3 and
                         column.fit(para(name, s).style).width_of(name) <= width), None)
        if one_line is not None:
            return para(name, one_line)
        fitting = next((s for s in sizes if para(name, s).wrap(width, self.band)[1] <= room),
                       None)
        if fitting is not None:
            return para(name, fitting)
        shown = para(name, 8)
        while shown.wrap(width, self.band)[1] > room and len(name) > 4:
            name = name[:int(len(name) * 0.9)].rstrip() + "\u2026"
            shown = para(name, 8)
        return shown

    @cached_property
    def _logo_box(self) -> dict[str, tuple[float, float, float, float]]:
        """Where the logo goes (x, y, width, height): scaled to fit the band, on a white
        tile with a little padding."""
        iw, ih = self._image(self.document.brand.logo).getSize()
        pad = 4
        max_h, max_w = self.band - 2 * 8, 1.8 * inch
        scale = min(max_h / ih, max_w / iw)
        w, h = iw * scale, ih * scale
        x, bottom = self.margin, self._band_top - self.band
        tile_h = max_h + 2 * pad
        return {"tile": (x, bottom + (self.band - tile_h) / 2, w + 2 * pad, tile_h),
                "image": (x + pad, bottom + (self.band - h) / 2, w, h)}

    def _logo(self, canvas: Canvas) -> None:
        canvas.drawImage(self._image(self.document.brand.logo), *self._logo_box["image"],
                         mask="auto")

    def _image(self, data: bytes) -> ImageReader:
        """The logo, decoded once per handout rather than on every page."""
        if self._logo_reader is None:
            self._logo_reader = ImageReader(io.BytesIO(data))
        return self._logo_reader

    def footer_height(self) -> float:
        """The height the footer's lines take at the width they are drawn at, with the gap
        below its rule and room for the descenders of its last line."""
        lines = sum(p.wrap(self._footer_width, self.page_height)[1] for p in self.footer_lines)
        return lines + 4 + 2

    @property
    def _footer_width(self) -> float:
        return self.page_width - 2 * self.margin - self._number_width - 12

    @property
    def _rule_y(self) -> float:
        """Height of the footer's rule; the contact lines and page number hang below it."""
        return SAFE_MARGIN + 2 + self.footer

    @cached_property
    def _number_width(self) -> float:
        """Room kept at the right of the footer for the widest 'Page N of M'."""
        theme = self.ctx.theme
        widest = messages(self.document.language).say("footer.page_of", page=888, pages=888)
        return stringWidth(widest, theme.font.regular, theme.measures.small)

    def _footer(self, canvas: NumberingCanvas) -> None:
        self._rule(canvas)
        self._footer_text(canvas, self.footer_lines)

    def _rule(self, canvas: NumberingCanvas) -> None:
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(self.margin, self._rule_y, self.page_width - self.margin, self._rule_y)

    def _footer_text(self, canvas: NumberingCanvas, lines) -> None:
        width = self._footer_width
        y = self._rule_y - 4
        for para in lines:
            _, h = para.wrap(width, self.footer)
            para.drawOn(canvas, self.margin, y - h)
            y -= h

    def _page_number(self, canvas: NumberingCanvas) -> None:
        font, size = self.ctx.theme.font.regular, self.ctx.theme.measures.small
        label = page_label(self.document.language, canvas.getPageNumber())
        x = self.page_width - self.margin - self._number_width
        y = self._rule_y - 4 - size
        canvas.setFont(font, size)
        canvas.setFillColor(MUTED)
        canvas.drawString(x, y, label)
        canvas.saveState()
        canvas.translate(x + stringWidth(label, font, size), y)
        canvas.use_number(TOTAL_FORM, font, size, MUTED)
        canvas.restoreState()
