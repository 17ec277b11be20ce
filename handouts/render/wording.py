"""What both renderers say of a Document alike, in its language (the message catalogue):
its metadata title and subject, the "Prepared for" rows, the review line, "Page N of M",
the boxes' titles. Imports no ReportLab: the HTML twin uses it too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from handouts.document import Document, Said, spoken_parts
from handouts.locale.messages import message_id, messages

# The language of the document being laid out, for the words a screen reader hears that no
# block carries ("reference 3", the expansion of IV): set by each renderer while it writes.
SPEAKING: ContextVar[str] = ContextVar("handout_language", default="en")


@contextmanager
def speaking(language: str) -> Iterator[None]:
    token = SPEAKING.set(language)
    try:
        yield
    finally:
        SPEAKING.reset(token)


def said_reference(number: str) -> str:
    """"reference 3", "referencia 3": how a citation's number is read aloud."""
    return messages(SPEAKING.get()).say("speech.reference", number=number)


def spoken(text: str) -> tuple[Said, ...]:
    """`spoken_parts` in the language being written."""
    return spoken_parts(text, messages(SPEAKING.get()).say("speech.iv"))

# A box's title when its file gives none.
CALLOUT_KEYS = {"warning": message_id("callout.warning"), "note": message_id("callout.note"),
                "safety": message_id("crisis.title")}


def metadata_subject(document: Document) -> str:
    say = messages(document.language).say
    return say("metadata.patient") if document.audience == "patient" else \
        say("metadata.clinician")


def metadata_title(document: Document) -> str:
    """The title for PDF metadata and the HTML <title>. A handout tailored to one patient
    gets a fixed title with no word from the spec's title, which may name the patient or
    their medicines in ways no check could catch ("Li's leaflet", "Zoloft and you"); others
    keep theirs."""
    if document.prepared_for or document.medicines:
        return metadata_subject(document)
    return document.title


def prepared_for_rows(document: Document) -> list[tuple[str, str]]:
    """(label, value) rows of the "Prepared for" box: the patient, who prepared it, the
    date as the handout's language writes it."""
    p, said = document.prepared_for, messages(document.language)
    rows = []
    if p.name:
        rows.append((said.say("prepared.for"), p.name))
    if p.prepared_by:
        rows.append((said.say("prepared.by"), p.prepared_by))
    rows.append((said.say("prepared.date"), said.date(p.date)))
    return rows


def reviewed_line(document: Document) -> str:
    """"Content reviewed December 2026", "Contenido revisado en diciembre de 2026"."""
    said = messages(document.language)
    return said.say("footer.reviewed", month=said.month(document.review_date))


def page_label(language: str, page: int) -> str:
    """"Page 3 of " (the total is drawn after it once known), in `language`."""
    template = messages(language).say("footer.page_of", page=page, pages="\0")
    return template.split("\0")[0]


def callout_title(kind: str, language: str) -> str:
    return messages(language).say(CALLOUT_KEYS[kind])
