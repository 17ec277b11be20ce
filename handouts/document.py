"""The Document: a plain tree of sections, blocks and inline runs between assembly and render.

Nothing here knows about ReportLab. The library produces the same blocks with unresolved
`Cite` runs and `Audience` wrappers; assembly resolves citations to numbers and keeps only
the reader's passages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from handouts.errors import LayoutError, Problem

# ---- inline runs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Link:
    text: str
    url: str
    bold: bool = False


@dataclass(frozen=True)
class Cite:
    """A citation as written in a content file: keys not yet numbered."""

    keys: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True)
class CiteRef:
    """A citation numbered for one handout."""

    numbers: tuple[int, ...]


@dataclass(frozen=True)
class PageRef:
    """The page on which a section starts, filled in at layout."""

    section_id: str


Inline = Text | Link | Cite | CiteRef | PageRef
Inlines = tuple[Inline, ...]

# ---- blocks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    inlines: Inlines
    line: int | None = None


@dataclass(frozen=True)
class Heading:
    inlines: Inlines
    level: int = 3
    line: int | None = None


@dataclass(frozen=True)
class ListBlock:
    items: tuple[tuple[Block, ...], ...]
    ordered: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Table:
    header: tuple[Inlines, ...]
    rows: tuple[tuple[Inlines, ...], ...]
    line: int | None = None


@dataclass(frozen=True)
class Callout:
    kind: Literal["warning", "note", "safety"]
    blocks: tuple[Block, ...]
    title: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Audience:
    """A passage for one audience; exists only in library content, never in a Document."""

    audience: Literal["patient", "clinician"]
    blocks: tuple[Block, ...]
    line: int | None = None


Block = Paragraph | Heading | ListBlock | Table | Callout | Audience


def has_row_headers(table: Table) -> bool:
    """Whether a table's first column heads its rows: in a table of three or more columns
    with a header row, the first column names what each row is about ("Status",
    "Setting", the report's "Aspect"), and a reader in the third column needs it as well
    as the column's heading. (In two columns the column headings say it all.)"""
    return bool(table.header) and len(table.header) >= 3


def inline_groups(blocks) -> Iterator[Inlines]:
    """Each run of inlines a reader meets, in reading order: a paragraph, a heading, a
    table cell; containers, callouts and list items are walked into."""
    for block in blocks:
        if isinstance(block, Audience | Callout):
            yield from inline_groups(block.blocks)
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from inline_groups(item)
        elif isinstance(block, Table):
            for row in (block.header, *block.rows):
                yield from row
        else:
            yield block.inlines

# ---- the document ------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]
    source: str = ""
    kind: Literal["topic", "comedication", "part"] = "topic"
    language: str | None = None  # a clinic's passage in another language than the handout's


@dataclass(frozen=True)
class Reference:
    number: int
    key: str
    inlines: Inlines


@dataclass(frozen=True)
class Contact:
    phone: str | None = None
    address: str | None = None
    website: str | None = None
    after_hours: str | None = None


@dataclass(frozen=True)
class Brand:
    name: str = "Ketamine treatment information"
    logo: bytes | None = None
    primary: str = "#1F4E79"
    accent: str = "#1E7A60"
    font: str = "atkinson-hyperlegible"
    contact: Contact = Contact()
    crisis_line: str | None = None
    footer_note: str | None = None
    footer_note_language: str | None = None  # when not the document's


@dataclass(frozen=True)
class PreparedFor:
    name: str | None
    prepared_by: str | None
    date: dt.date


@dataclass(frozen=True)
class MedicineLine:
    """What one ingredient (or one unrecognised name) of a medicine entry is."""

    text: str
    section_id: str | None = None


@dataclass(frozen=True)
class Medicine:
    """One row of the 'Your medicines' table: the entry in normal case, and what it is."""

    entry: str
    lines: tuple[MedicineLine, ...]
    outcome: Literal["covered", "treatment", "known", "unrecognised"] = "covered"

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.section_id for line in self.lines if line.section_id))


@dataclass(frozen=True)
class Part:
    """One handout of a packet: its title and subtitle, and the ids of its sections (the
    packet's sections, in order, each in exactly one part)."""

    id: str
    title: str
    subtitle: str | None
    section_ids: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str | None
    audience: Literal["patient", "clinician"]
    language: str
    paper: Literal["letter", "a4"]
    large_print: bool
    brand: Brand
    date: dt.date
    review_date: dt.date
    sections: tuple[Section, ...]
    safety: Callout | None = None
    prepared_for: PreparedFor | None = None
    medicines: tuple[Medicine, ...] = ()
    disclaimer: tuple[Block, ...] = ()
    references: tuple[Reference, ...] = field(default_factory=tuple)
    parts: tuple[Part, ...] = ()  # a packet: a cover, then each part from a new page
    web_copy: str | None = None  # the clinic's web copy of this handout (never a tailored one)


# ---- what both renderers say of a Document alike ------------------------------------------

LINK_SCHEMES = ("http://", "https://", "mailto:")


def checked_link(url: str) -> str:
    """`url` if it is a link we print (http, https or mailto); else a LayoutError."""
    if not url.lower().startswith(LINK_SCHEMES):
        raise LayoutError(Problem(f"link to '{url}' is not allowed",
                                  hint="links must start with https://, http:// or mailto:"))
    return url


# ---- how a number or an abbreviation is said aloud -------------------------------------

# A telephone number ("(760) 555-0142", "760-555-0142", "555-0175"), a three-digit
# emergency number (988, 911), or "IV" as clinicians write intravenous: a speech engine
# reads the first as hundreds ("seven hundred sixty"), 988 as "nine hundred eighty-eight"
# and IV as "Roman four". A "DSM-IV" or a DOI is none of these.
_SPOKEN = re.compile(
    r"(?<![\w./-])(?:(?P<phone>(?:\(\d{3}\)[ \u00a0]?|\d{3}[-.])?\d{3}-\d{4})"
    r"|(?P<short>988|911)|(?P<iv>IV))(?![\w/-]|\.\w)")


@dataclass(frozen=True)
class Said:
    """A piece of text and, where a speech engine would misread it, what to say instead
    (`said`) and what it stands for (`expansion`, for an abbreviation)."""

    text: str
    said: str | None = None
    expansion: str | None = None


@lru_cache(maxsize=4096)  # a batch says the same passages again and again
def spoken_parts(text: str, iv: str = "intravenous") -> tuple[Said, ...]:
    """`text` cut into pieces, each number to call said digit by digit ("(760) 555-0142":
    "7 6 0, 5 5 5, 0 1 4 2"; "988": "9 8 8") and "IV" letter by letter, with its
    expansion (`iv`, in the handout's language). Both renderers use it: the PDF as /Alt on
    a Span, the HTML twin as text for screen readers only."""
    out: list[Said] = []
    last = 0
    for match in _SPOKEN.finditer(text):
        if match.start() > last:
            out.append(Said(text[last:match.start()]))
        shown = match.group()
        if match.group("iv"):
            out.append(Said(shown, "I V", iv))
        else:
            groups = re.findall(r"\d+", shown)
            out.append(Said(shown, ", ".join(" ".join(g) for g in groups)))
        last = match.end()
    if last < len(text):
        out.append(Said(text[last:]))
    return tuple(out)
