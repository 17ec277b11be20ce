"""Several assembled handouts -> one packet Document. Pure: no file system, no ReportLab.

A packet is one Document whose sections are its parts' sections, so tagging, bookmarks,
page numbers and the HTML twin work as for a handout. What a handout prints once (the
patient block, the crisis box, the medicines table, the disclaimer, the references) a
packet prints once too: the patient block and crisis box on the cover, the references
merged into one list at the end, numbered again across the packet in reading order (a
reference cited by two parts is listed once).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from handouts.assemble.handout import ADVICE_ID, _map_inlines, disclaimer
from handouts.document import CiteRef, Document, Inline, Medicine, Part, Reference
from handouts.library.citations import Numbering


def part_id(index: int) -> str:
    """The id of the packet's part `index` (from 0): its sections' ids start with it."""
    return f"part-{index + 1}"


def assemble_packet(documents: Sequence[Document], title: str) -> Document:
    """One Document of `documents` (assembled handouts of the same site, audience and
    language), in order: the first's look and paper, the patient block and medicines of the
    first that has them, the earliest review date."""
    first = documents[0]
    numbering = Numbering()
    parts: list[Part] = []
    sections = []
    safety = None
    patient = next((i for i, d in enumerate(documents) if d.prepared_for or d.medicines), None)
    for index, document in enumerate(documents):
        keys = {ref.number: ref.key for ref in document.references}
        renumber = _renumbering(keys, numbering)
        if index == 0 and document.safety is not None:  # numbered first: printed first
            safety = _map_inlines(document.safety, renumber)
        ident = part_id(index)
        own = [dataclasses.replace(section, id=f"{ident}-{section.id}",
                                   blocks=tuple(_map_inlines(b, renumber)
                                                for b in section.blocks))
               for section in document.sections]
        parts.append(Part(ident, document.title, document.subtitle,
                          tuple(s.id for s in own)))
        sections += own
    medicines: tuple[Medicine, ...] = ()
    prepared_for = None
    if patient is not None:
        prepared_for = documents[patient].prepared_for
        prefix = part_id(patient)
        medicines = tuple(dataclasses.replace(m, lines=tuple(
            dataclasses.replace(line, section_id=f"{prefix}-{line.section_id}"
                                if line.section_id else None) for line in m.lines))
            for m in documents[patient].medicines)
    references = _references(documents, numbering)
    advice = any(s.id.endswith(f"-{ADVICE_ID}") for s in sections)
    return dataclasses.replace(
        first, title=title, subtitle=None, sections=tuple(sections), safety=safety,
        prepared_for=prepared_for, medicines=medicines,
        review_date=min(d.review_date for d in documents),
        disclaimer=disclaimer(first.audience, advice, _text_language(first)),
        references=references, parts=tuple(parts))


def _text_language(document: Document) -> str:
    return document.language if document.audience == "patient" else "en"


def _renumbering(keys: dict[int, str], numbering: Numbering):
    """A part's citation numbers, numbered again across the packet."""
    def renumber(run: Inline) -> Inline:
        if isinstance(run, CiteRef):
            return CiteRef(tuple(numbering.number(keys[n]) for n in run.numbers if n in keys))
        return run
    return renumber


def _references(documents: Sequence[Document], numbering: Numbering
                ) -> tuple[Reference, ...]:
    """Each reference once, in the packet's numbering (its entry as its first part wrote
    it)."""
    entries = {}
    for document in documents:
        for ref in document.references:
            entries.setdefault(ref.key, ref.inlines)
    return tuple(Reference(n, key, entries[key]) for key, n in numbering.order.items())

