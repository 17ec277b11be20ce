"""The clinician co-medication report: one patient's medicines -> a Document for the prescriber.

A second assembly beside handout.py, rendered by the same renderers. For each co-medication
section the patient's medicines imply, the section's `::: report` summary (aspect, what the
evidence says, strength of evidence, all cited); then every medicine no section covers, for
manual review. Assembly is pure: no file system, no ReportLab.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from handouts.assemble.handout import (
    brand_of,
    disclaimer,
    prepared_for,
    recognise_medicines,
    resolve_citations,
)
from handouts.document import (
    Audience,
    Block,
    Document,
    ListBlock,
    Paragraph,
    Reference,
    Section,
    Table,
    Text,
)
from handouts.errors import ContentError, SpecError
from handouts.inputs.medicines import Ingredient, Recognised
from handouts.inputs.site import Site
from handouts.inputs.spec import Spec
from handouts.library.citations import Numbering, format_reference
from handouts.library.load import Library

TITLE = "Ketamine and esketamine with this patient's medicines"
SUBTITLE = "Co-medication report for the prescriber (not a patient handout)"
REVIEW_ID = "manual-review"
UNKNOWN = "medicine not recognised; the report lists it for manual review"
HOW_TO_READ = (
    "\"Esketamine\" alone is the Spravato nasal spray and \"IV ketamine\" intravenous racemic "
    "ketamine; other routes are named; the strength of evidence says what a finding rests on.")


def report_document(spec: Spec, library: Library, site: Site | None,
                    on: dt.date) -> tuple[Document, tuple[tuple[int, Recognised], ...]]:
    """The report's Document, and the entries (by position) with a name not recognised."""
    recognised = recognise_medicines(spec, library)
    if all(r.set_aside for r in recognised):
        raise SpecError.one("the co-medication report needs the patient's medicines",
                            field="patient.medications",
                            hint="list the patient's current medicines")
    numbering, problems = Numbering(), []
    wanted = {s for r in recognised for s in r.sections}
    ids = [i for i in library.comedication_ids if i in wanted]
    sections = [_medicines_section(recognised, library)]
    for ident in ids:
        content = library.section(ident)
        summary = tuple(resolve_citations(b, numbering, library, content.path, problems)
                        for b in report_blocks(content.blocks, content.path))
        found = [i for r in recognised for i in r.ingredients if i.section == ident]
        title = f"{content.front.medicine_class or content.front.title}: " \
            f"{patient_names(found)}"  # the class, and this patient's medicines
        sections.append(Section(ident, title, summary, content.path, "comedication"))
    if problems:
        raise ContentError(problems)
    review = _review_section(recognised)
    if review is not None:
        sections.append(review)
    reviewed = [library.section(i).front.reviewed for i in ids or library.comedication_ids]
    document = Document(
        title=TITLE, subtitle=SUBTITLE, audience="clinician", language=spec.language,
        paper=spec.paper or (site.model.paper if site else None) or "letter",
        large_print=spec.large_print, brand=brand_of(site), date=spec.date or on,
        review_date=min(reviewed), sections=tuple(sections),
        prepared_for=prepared_for(spec, on), disclaimer=disclaimer("clinician"),
        references=tuple(Reference(n, key, format_reference(library.references[key], True))
                         for key, n in numbering.order.items()))
    return document, tuple((i, r) for i, r in enumerate(recognised) if not r.known)


def patient_names(ingredients: Sequence[Ingredient]) -> str:
    """Each ingredient once, with the doses charted for it: a medicine entered twice in
    the chart ("Zoloft 50 mg", "sertraline 50 MG tablet") is one name in a heading."""
    doses: dict[str, list[str]] = {}
    for ingredient in ingredients:
        listed = doses.setdefault(ingredient.name, [])
        if ingredient.dose and ingredient.dose not in listed:
            listed.append(ingredient.dose)
    return ", ".join(f"{name} ({', '.join(d)})" if d else name for name, d in doses.items())


def report_blocks(blocks: Sequence[Block], path: str) -> tuple[Block, ...]:
    """A content file's `::: report` summary; ContentError if it has none."""
    for block in blocks:
        if isinstance(block, Audience) and block.audience == "report":
            return block.blocks
    raise ContentError.one("no '::: report' summary for the clinician co-medication report",
                           path, hint="add a '::: report' container with an aspect / what "
                           "the evidence says / strength of evidence table")


def _medicines_section(recognised: Sequence[Recognised], library: Library) -> Section:
    rows = []
    for entry in (r for r in recognised if not r.set_aside):
        what = []
        for ingredient in entry.ingredients:
            if ingredient.section:
                front = library.section(ingredient.section).front
                what.append(f"{ingredient.shown}: {front.class_label}")
            elif ingredient.outcome == "treatment":
                what.append(f"{ingredient.shown}: the treatment this report is about")
            else:
                what.append(f"{ingredient.shown}: known, not covered (manual review)")
        what += [f"{name}: name not recognised (manual review)" for name in entry.unrecognised]
        rows.append(((Text(entry.shown),), (Text("; ".join(what)),)))
    table = Table(((Text("Medicine, as written"),), (Text("What it is"),)), tuple(rows))
    return Section("medicines", "The patient's medicines",
                   (Paragraph((Text(HOW_TO_READ),)), table), kind="part")


def _review_section(recognised: Sequence[Recognised]) -> Section | None:
    """Medicines no section covers and names not recognised: never dropped, never guessed."""
    items: list[str] = []
    for entry in recognised:
        items += [f"{i.shown}: known, but no section covers it; check its own prescribing "
                  "information." for i in entry.ingredients if i.outcome == "known"]
        items += [f"{name}: not recognised"
                  + (f" (in \"{entry.shown}\")" if name != entry.shown else "")
                  + "; check the spelling against the chart." for name in entry.unrecognised]
    if not items:
        return None
    blocks: tuple[Block, ...] = (ListBlock(tuple((Paragraph((Text(t),)),) for t in items)),)
    return Section(REVIEW_ID, "For manual review", blocks, kind="part")
