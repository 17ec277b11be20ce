"""The canvas of every handout, tagged or not: it fills in page numbers once the last page
is known (the total, the page each section starts on), dates the file by the handout's own
date, and writes links to places in the document."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import time

from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase.pdfdoc import PDFObject
from reportlab.pdfbase.pdfdoc import format as pdf_format
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from handouts.render.tags import HYPHEN_MARK, Node, marked

TOTAL_FORM = "pages_total"


def _date_document(pdf, date: dt.date) -> None:
    """The handout's date, not the clock or SOURCE_DATE_EPOCH, as /CreationDate, /ModDate
    and the seed of the file's /ID: a spec that fixes its date gives the same bytes
    whatever the environment says."""
    seconds = calendar.timegm(date.timetuple())
    stamp = TimeStamp.__new__(TimeStamp)
    stamp.t, stamp.lt = seconds, time.gmtime(seconds)
    stamp.YMDhms, stamp.dhh, stamp.dmm, stamp.tzname = tuple(stamp.lt)[:6], 0, 0, "UTC"
    pdf._timeStamp = stamp
    pdf.signature = hashlib.md5(b"a reportlab document", usedforsecurity=False)
    pdf.signature.update(ascii(seconds).encode())


def page_form(section_id: str) -> str:
    return "page_" + section_id.replace("-", "_")


class PlaceLink(PDFObject):
    """A link annotation to a place in the document, written as its own text: a handout
    has a hundred of them (one per cited number), and ReportLab's generic annotation
    dictionaries cost more to write than the rest of the link."""

    def __init__(self, rect, destination, entries: dict):
        self.rect, self.destination, self.entries = rect, destination, entries

    def format(self, document) -> bytes:
        rect = " ".join(fp_str(v) for v in self.rect)
        text = b"<< /Type /Annot /Subtype /Link /Border [0 0 0] /Rect [" + rect.encode() + \
            b"] /Dest " + pdf_format(self.destination, document)
        for key, value in self.entries.items():
            text += b" /" + key.encode("ascii") + b" " + pdf_format(value, document)
        return text + b" >>"


def _marks_nothing(*_) -> None:
    return None


class NumberingCanvas(Canvas):
    """Draws forward references (total pages, the page a section starts on) at save time,
    and dates the file by the handout's own date."""

    def __init__(self, *args, date: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if date is not None:
            _date_document(self._doc, date)
        self.section_pages: dict[str, int] = {}
        self.pages = 0
        self.forms: dict[str, tuple[str, float, object]] = {}
        self.setNamedCB(HYPHEN_MARK, _marks_nothing)  # read from the text, never drawn

    def linkRect(self, contents, destinationname, Rect=None, addtopage=1, name=None,
                 relative=1, thickness=0, color=None, dashArray=None, **kw) -> None:
        """A link to a place in the document (a citation to its entry in the reference
        list): an annotation written as its own text (see PlaceLink)."""
        link = PlaceLink(self._absRect(Rect, relative), self._bookmarkReference(destinationname),
                         self.link_entries("#" + destinationname))
        self._addAnnotation(link, name, addtopage)

    def link_entries(self, url: str) -> dict:
        """What a link annotation carries besides where it goes: printed as it shows."""
        return {"F": 4}

    def use_number(self, name: str, font: str, size: float, color) -> None:
        """Draw the number called `name` here; its value is written at save time."""
        self.forms.setdefault(name, (font, size, color))
        self.doForm(name)

    def save(self) -> None:
        numbers = {TOTAL_FORM: self.pages}
        numbers.update({page_form(s): p for s, p in self.section_pages.items()})
        for name, (font, size, color) in sorted(self.forms.items()):
            self.beginForm(name)
            self.setFont(font, size)
            self.setFillColor(color)
            self.drawString(0, 0, str(numbers.get(name, "")))
            self.endForm()
        super().save()


class SectionAnchor(Flowable):
    """Zero-size marker: records the page a section starts on; with `destination`, the
    place a link to "#<section id>" goes (a packet's part, from its contents)."""

    def __init__(self, section_id: str, destination: bool = False):
        super().__init__()
        self.section_id = section_id
        self.destination = destination
        self.width = self.height = 0

    def wrap(self, *_):
        return 0, 0

    def draw(self) -> None:
        self.canv.section_pages.setdefault(self.section_id, self.canv.getPageNumber())
        if self.destination:
            self.canv.bookmarkHorizontal(self.section_id, 0, 0)


class PageNumber(Flowable):
    """The page a section starts on, drawn as a form filled in at save time; in a tagged
    PDF, marked content of `struct` (its table cell)."""

    struct: Node | None = None

    def __init__(self, section_id: str, font: str, size: float, color):
        super().__init__()
        self.form, self.font, self.size, self.color = page_form(section_id), font, size, color

    def wrap(self, *_):
        return self.size * 1.6, self.size * 1.25

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.translate(0, self.size * 0.25)
        with marked(self.canv, self.struct):
            self.canv.use_number(self.form, self.font, self.size, self.color)
        self.canv.restoreState()
