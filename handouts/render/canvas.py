"""The canvas of a tagged PDF: every text object it draws is marked content of the node that
owns it (or lies inside an Artifact), links become tagged annotations, and at save time the
structure tree is written.

Marked content never crosses a text object's BT/ET: a paragraph's text object opens its
owner's MCID just after BT and closes it just before ET, and an inline element (a link, a
citation) switches to its own MCID inside the same text object (see `Marking`).
"""

from __future__ import annotations

from reportlab.pdfbase.pdfdoc import PDFName, PDFPage, PDFString
from reportlab.pdfgen.textobject import PDFTextObject

from handouts.render.numbering import NumberingCanvas
from handouts.render.structure import write_structure
from handouts.render.tagged import OUTLINE_LEVELS
from handouts.render.tags import INLINE_CALLBACK, Marking, Node, artifact


class TaggedText(PDFTextObject):
    """A text object whose lines end in a space: ReportLab drops the space where it breaks
    a line, and text read from the structure tree (as a screen reader reads it) would run
    the last word of one line into the first of the next. A space draws nothing. A line
    that ends in a hyphen or a soft hyphen (a word broken across lines) gets none."""

    tagged = False
    _last = " "  # the last character drawn (a line may end in an empty run after a mark)

    def _textOut(self, text, TStar=0):
        if text:
            self._last = text[-1]
        if TStar and self.tagged and self._last not in " -\u00ad":
            text += " "
            self._last = " "
        super()._textOut(text, TStar)


class TaggedCanvas(NumberingCanvas):
    """A NumberingCanvas that marks what it draws and writes the structure tree."""

    def __init__(self, *args, marking: Marking, title: str, levels: dict | None = None,
                 **kwargs):
        kwargs["pdfVersion"] = (1, 7)  # PDF/UA-1 is built on PDF 1.7
        super().__init__(*args, **kwargs)
        self.marking, self._title, self._lang = marking, title, kwargs["lang"]
        self._page_key = 0
        self._outline_level = -1
        self._levels = levels or OUTLINE_LEVELS
        self.setNamedCB(INLINE_CALLBACK, self._inline)

    def beginText(self, x=0, y=0, direction=None):
        text = TaggedText(self, x, y, direction=direction)
        owner = self.marking.owner
        if owner is not None:
            text._code.append(self.marking.begin(owner))
            text.tagged = True
        return text

    def drawText(self, text) -> None:
        if getattr(text, "tagged", False):
            text._code.append("EMC")
        super().drawText(text)

    def _inline(self, canvas, kind, label: str) -> None:
        text = self._curr_tx_info["tx"]
        if not getattr(text, "tagged", False):
            return
        if label.startswith("o"):
            marking = self.marking  # the label counts from the paragraph's own node
            node = marking.root.registry[marking.text_owners[-1].id + int(label[1:])]
            text._code.extend(marking.open_inline(node))
        else:
            text._code.extend(self.marking.close_inline())

    def outline(self, heading: Node, title: str, x: float, top: float) -> None:
        """An outline entry (a bookmark) for a heading drawn here, nested no deeper than
        one level below the entry before it."""
        level = min(self._levels[heading.role], self._outline_level + 1)
        key = f"h{heading.id}"
        self.bookmarkHorizontal(key, x, top)
        self.addOutlineEntry(title, key, level, closed=True)
        self._outline_level = level

    def line(self, x1, y1, x2, y2) -> None:
        """Rules and underlines are decoration."""
        with artifact(self):
            super().line(x1, y1, x2, y2)

    def linkURL(self, url, rect, relative=0, thickness=0, color=None, dashArray=None,
                kind="URI", **kw) -> None:
        kw.update(self.link_entries(url))
        super().linkURL(url, rect, relative, thickness, color, dashArray, kind, **kw)

    def link_entries(self, url: str) -> dict:
        """A link annotation as PDF/UA asks: printed as it shows (/F 4), in its Link
        element (/StructParent), described by its text (/Contents)."""
        entries = super().link_entries(url)
        link = self.marking.link_for(url)
        if link is not None:
            name = f"NUMBER{self._annotationCount + 1}"  # the name ReportLab will give it
            entries["StructParent"] = self.marking.annotation(link, f"Annot.{name}")
            entries["Contents"] = PDFString(link.attrs.get("contents") or url)
        return entries

    def showPage(self) -> None:
        self._page_key = self.marking.end_page()
        super().showPage()

    def _setAnnotations(self, page) -> None:
        super()._setAnnotations(page)
        if isinstance(page, PDFPage):
            page.__NoDefault__ = [*PDFPage.__NoDefault__, "StructParents", "Tabs"]
            page.StructParents = self._page_key
            page.Tabs = PDFName("S") if self._annotationrefs else None

    def save(self) -> None:
        write_structure(self._doc, self.marking, self._title, self._lang)
        super().save()
