"""Spec + library -> Document. Pure: no file system, no ReportLab."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from handouts.document import (
    Audience,
    Block,
    Brand,
    Callout,
    Cite,
    CiteRef,
    Contact,
    Document,
    Inline,
    ListBlock,
    Medicine,
    MedicineLine,
    Paragraph,
    PreparedFor,
    Reference,
    Section,
    Table,
    Text,
)
from handouts.errors import ContentError, Problem
from handouts.inputs.medicines import Recognised
from handouts.inputs.site import Site
from handouts.inputs.spec import Spec
from handouts.library.citations import Numbering, format_reference
from handouts.library.load import Library


@dataclass(frozen=True)
class Assembly:
    """The document, plus what the caller should warn about."""

    document: Document
    unknown_medicines: tuple[tuple[int, Recognised], ...] = ()


def assemble(spec: Spec, library: Library, site: Site | None, today: dt.date) -> Assembly:
    """Choose sections, keep the audience's passages, number citations, add fixed parts."""
    recognised = recognise_medicines(spec, library)
    section_ids = choose_sections(spec, library, recognised)
    numbering = Numbering()
    problems: list[Problem] = []
    brand = brand_of(site)
    safety = None
    if spec.audience == "patient":  # printed first, so numbered first
        safety = resolve_citations(_safety_box(brand), numbering, library, "safety box", problems)
    sections = []
    for ident in section_ids:
        content = library.section(ident)
        blocks = _for_audience(content.blocks, spec.audience)
        blocks = tuple(resolve_citations(b, numbering, library, content.path, problems)
                       for b in blocks)
        language = content.front.language if content.front.language != spec.language else None
        sections.append(Section(ident, content.front.title, blocks, content.path,
                                library.kind_of(ident), language))
    if problems:
        raise ContentError(problems)
    sections = _with_medicines_advice(sections, spec.audience)
    paper = spec.paper or (site.model.paper if site else None) or "letter"
    reviewed = min(library.section(i).front.reviewed for i in section_ids)
    document = Document(
        title=spec.title, subtitle=spec.subtitle, audience=spec.audience,
        language=spec.language, paper=paper, large_print=spec.large_print, brand=brand,
        date=spec.date or today, review_date=reviewed, sections=tuple(sections),
        safety=safety, prepared_for=prepared_for(spec, today),
        medicines=tuple(_medicine_row(r, library) for r in recognised),
        disclaimer=disclaimer(spec.audience, any(s.id == ADVICE_ID for s in sections)),
        references=_references(numbering, library, spec) if spec.references else (),
    )
    unknown = tuple((i, r) for i, r in enumerate(recognised) if not r.known)
    return Assembly(document, unknown)


def recognise_medicines(spec: Spec, library: Library) -> list[Recognised]:
    """Each of the patient's medicines, mapped through the drug table."""
    if spec.patient is None or not spec.patient.medications:
        return []
    return [library.drugs.recognise(m) for m in spec.patient.medications]


def choose_sections(spec: Spec, library: Library, recognised: list[Recognised]) -> list[str]:
    """The spec's topics in its order, then co-medication sections in library order."""
    wanted = set(spec.comedications) | {s for r in recognised for s in r.sections}
    return list(spec.topics) + [i for i in library.comedication_ids if i in wanted]


def _for_audience(blocks: Iterable[Block], audience: str) -> tuple[Block, ...]:
    """Keep shared blocks and the audience's passages; patients read bold, not italics."""
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Audience):
            if block.audience == audience:
                out.extend(_for_audience(block.blocks, audience))
        elif isinstance(block, Callout):
            out.append(dataclasses.replace(block, blocks=_for_audience(block.blocks, audience)))
        elif isinstance(block, ListBlock):
            items = tuple(_for_audience(item, audience) for item in block.items)
            out.append(dataclasses.replace(block, items=items))
        elif audience == "patient":
            out.append(_map_inlines(block, _italic_to_bold))
        else:
            out.append(block)
    return tuple(out)


def _italic_to_bold(run: Inline) -> Inline:
    if isinstance(run, Text) and run.italic:
        return Text(run.text, bold=True)
    return run


def _map_inlines(block: Block, fn) -> Block:
    """Apply `fn` to every inline run of a block (paragraph, heading, table, nested)."""
    if isinstance(block, Table):
        return dataclasses.replace(
            block, header=tuple(tuple(map(fn, c)) for c in block.header),
            rows=tuple(tuple(tuple(map(fn, c)) for c in row) for row in block.rows))
    if isinstance(block, ListBlock):
        return dataclasses.replace(block, items=tuple(
            tuple(_map_inlines(b, fn) for b in item) for item in block.items))
    if isinstance(block, Callout):
        return dataclasses.replace(block, blocks=tuple(_map_inlines(b, fn)
                                                       for b in block.blocks))
    if hasattr(block, "inlines"):
        return dataclasses.replace(block, inlines=tuple(map(fn, block.inlines)))
    return block


def resolve_citations(block: Block, numbering: Numbering, library: Library, source: str,
                      problems: list[Problem]) -> Block:
    """Replace Cite runs with numbers, in reading order; report unknown keys. (The clinician
    report, report.py, is a second assembly and shares this and the helpers below.)"""
    def cite(run: Inline) -> Inline:
        if not isinstance(run, Cite):
            return run
        numbers = []
        for key in run.keys:
            if key in library.references:
                numbers.append(numbering.number(key))
            else:
                problems.append(Problem(f"unknown citation key '@{key}'", source, run.line,
                                        hint="add it to references.yaml or fix the key"))
        return CiteRef(tuple(numbers))
    return _map_inlines(block, cite)


def _references(numbering: Numbering, library: Library, spec: Spec) -> tuple[Reference, ...]:
    italics = spec.audience == "clinician"
    return tuple(Reference(n, key, format_reference(library.references[key], italics))
                 for key, n in numbering.order.items())


def brand_of(site: Site | None) -> Brand:
    if site is None:
        return Brand()
    m = site.model
    c = m.contact
    contact = Contact(phone=_shown(c.phone), address=c.address, website=c.website,
                      after_hours=_shown(c.after_hours))
    return Brand(name=m.name, logo=site.logo, primary=m.colors.primary, accent=m.colors.accent,
                 font=m.font, contact=contact, crisis_line=_own_crisis_line(m.crisis_line),
                 footer_note=m.footer_note, footer_note_language=m.footer_note_language)


def _shown(phone) -> str | None:
    """A phone number as printed: the number never broken between lines, then its label."""
    if phone is None:
        return None
    number = _together(phone.number)
    return f"{number} ({phone.label})" if phone.label else number


def _own_crisis_line(phone) -> str | None:
    """The clinic's own crisis number, printed beside 988; a site that gives 988 itself has
    none of its own, so the box says "call or text 988" once, not "call 988, or call or
    text 988"."""
    if phone is None or "".join(c for c in phone.number if c.isdigit()) == "988":
        return None
    return _shown(phone)


def prepared_for(spec: Spec, today: dt.date) -> PreparedFor | None:
    if spec.patient is None or not (spec.patient.name or spec.patient.prepared_by):
        return None
    return PreparedFor(spec.patient.name, spec.patient.prepared_by, spec.date or today)


def _medicine_row(recognised: Recognised, library: Library) -> Medicine:
    """Each ingredient's outcome in plain words; doses only where the pairing is certain."""
    lines: list[MedicineLine] = []
    for ingredient in recognised.ingredients:
        if ingredient.outcome == "treatment":
            line = MedicineLine(TREATMENT_LINE)
        elif ingredient.section:
            front = library.section(ingredient.section).front
            line = MedicineLine(f"{ingredient.shown}: {front.medicine_class or front.title}",
                                ingredient.section)
        else:
            line = MedicineLine(f"{ingredient.shown}: not covered in this handout. Your care "
                                "team will check it.")
        if line not in lines:
            lines.append(line)
    alone = not recognised.ingredients and len(recognised.unrecognised) == 1
    lines += [MedicineLine("We do not know this name. Ask your care team about this medicine."
                           if alone else f"{name}: we do not know this name. Ask your care "
                           "team about it.") for name in recognised.unrecognised]
    return Medicine(recognised.shown, tuple(lines), recognised.outcome)


TREATMENT_LINE = "Ketamine/esketamine: this is the treatment this handout is about."


NBSP = "\u00a0"  # keeps a phrase on one line: "call or text 988", "right now, call 911"


def _together(text: str) -> str:
    return text.replace(" ", NBSP)


def _safety_box(brand: Brand) -> Callout:
    """The 'Get help now' box. What to call, and the number, never break between lines:
    a reader in a crisis scans for "call or text 988", not "call" at one line's end."""
    lines = []
    if brand.crisis_line:
        lines.append(Paragraph((Text("If you have thoughts of suicide or of hurting yourself, "
                                     "call" + NBSP), Text(brand.crisis_line, bold=True),
                                Text(", or " + _together("call or text ")), Text("988", bold=True),
                                Text(" any time, day or night"), Cite(("lifeline988",)),
                                Text("."))))
    else:
        lines.append(Paragraph((Text("If you have thoughts of suicide or of hurting yourself, "
                                     + _together("call or text ")), Text("988", bold=True),
                                Text(" any time, day or night. It is free and private"),
                                Cite(("lifeline988",)), Text("."))))
    lines.append(Paragraph((Text("If you or someone else is in danger "
                                 + _together("right now, call ")),
                            Text("911", bold=True),
                            Text(" or go to the nearest emergency room"), Cite(("lifeline988",)),
                            Text("."))))
    if brand.contact.after_hours:
        lines.append(Paragraph((Text("For urgent questions about your treatment after hours, "
                                     "call" + NBSP), Text(brand.contact.after_hours, bold=True),
                                Text("."))))
    return Callout("safety", tuple(lines), "Get help now")


ADVICE_ID = "your-other-medicines"
_ADVICE = (
    "Keep taking your medicines as prescribed.",
    "Do not start, stop or change a medicine on your own. Talk to the person who prescribes "
    "it first.",
    "Tell your care team about every medicine you take, and how much. Include ones you take "
    "only now and then, and ones you buy at the store.",
)


def _with_medicines_advice(sections: list[Section], audience: str) -> list[Section]:
    """Patients read what to do about their other medicines once, just before the first
    co-medication section, rather than in every section."""
    first = next((i for i, s in enumerate(sections) if s.kind == "comedication"), None)
    if audience != "patient" or first is None:
        return sections
    items = tuple((Paragraph((Text(line),)),) for line in _ADVICE)
    advice = Section(ADVICE_ID, "Your other medicines", (ListBlock(items),), kind="part")
    return [*sections[:first], advice, *sections[first:]]


def disclaimer(audience: str, medicines_advice: bool = False) -> tuple[Block, ...]:
    if audience == "patient":
        text = ("This handout gives general information. It does not replace advice from your "
                "own care team.")
        if not medicines_advice:  # else "Your other medicines" has said it once already
            text += (" Do not start, stop or change any medicine without talking to the "
                     "person who prescribes it.")
    else:
        text = ("For clinicians. This summary supports, and does not replace, clinical judgment, "
                "the current prescribing information and local protocols. Evidence on "
                "combinations is limited and changes; check the references.")
    return (Paragraph((Text(text),)),)
