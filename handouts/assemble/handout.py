"""Spec + library -> Document. Pure: no file system, no ReportLab."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from handouts.document import (
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
from handouts.inputs.site import Site, SiteTitles
from handouts.inputs.spec import Spec
from handouts.library.citations import Numbering, format_reference
from handouts.library.contentfile import for_audience
from handouts.library.load import Library
from handouts.locale.messages import NBSP, message_id, messages


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
    brand = brand_of(site, text_language(spec))
    safety = None
    if spec.audience == "patient":  # printed first, so numbered first
        safety = resolve_citations(_safety_box(brand, spec.language), numbering, library,
                                   "safety box", problems)
    sections = []
    for ident in section_ids:
        content = library.section(ident, text_language(spec))
        blocks = _for_audience(content.blocks, spec.audience)
        blocks = tuple(resolve_citations(b, numbering, library, content.path, problems)
                       for b in blocks)
        language = content.front.language if content.front.language != spec.language else None
        sections.append(Section(ident, content.front.title, blocks, content.path,
                                library.kind_of(ident), language))
    if problems:
        raise ContentError(problems)
    sections = _with_medicines_advice(sections, spec.audience, text_language(spec))
    paper = spec.paper or (site.model.paper if site else None) or "letter"
    reviewed = min(library.section(i).front.reviewed for i in section_ids)
    document = Document(
        title=spec.title, subtitle=spec.subtitle, audience=spec.audience,
        language=spec.language, paper=paper, large_print=spec.large_print, brand=brand,
        date=spec.date or today, review_date=reviewed, sections=tuple(sections),
        safety=safety, prepared_for=prepared_for(spec, today),
        medicines=tuple(_medicine_row(r, library, text_language(spec)) for r in recognised
                        if not r.set_aside),
        disclaimer=disclaimer(spec.audience, any(s.id == ADVICE_ID for s in sections),
                              text_language(spec)),
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
    kept = for_audience(blocks, audience)
    if audience != "patient":
        return kept
    return tuple(_map_inlines(block, _italic_to_bold) for block in kept)


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


def brand_of(site: Site | None, language: str = "en") -> Brand:
    if site is None:  # no clinic named: the band says what the handout is about
        return Brand(name=messages(language).say("brand.default_name"))
    m = site.model
    c = m.contact
    translated = m.translations.get(language) if language != (m.language or "en") else None
    words = translated or SiteTitles()  # the clinic's own words in this language, if given
    contact = Contact(phone=_shown(c.phone, words.phone_label), address=c.address,
                      website=c.website,
                      after_hours=_shown(c.after_hours, words.after_hours_label))
    note, note_language = m.footer_note, m.footer_note_language or m.language or "en"
    if words.footer_note:
        note, note_language = words.footer_note, language
    return Brand(name=m.name, logo=site.logo, primary=m.colors.primary, accent=m.colors.accent,
                 font=m.font, contact=contact,
                 crisis_line=_own_crisis_line(m.crisis_line, words.crisis_line_label),
                 footer_note=note, footer_note_language=note_language if note else None)


def _together(text: str) -> str:
    """A phrase no line may break inside (a phone number)."""
    return text.replace(" ", NBSP)


def _shown(phone, label: str | None = None) -> str | None:
    """A phone number as printed: the number never broken between lines, then its label
    (`label`: the label in the handout's language)."""
    if phone is None:
        return None
    number = _together(phone.number)
    label = (label or phone.label) if phone.label else None
    return f"{number} ({label})" if label else number


def _own_crisis_line(phone, label: str | None = None) -> str | None:
    """The clinic's own crisis number, printed beside 988; a site that gives 988 itself has
    none of its own, so the box says "call or text 988" once, not "call 988, or call or
    text 988"."""
    if phone is None or "".join(c for c in phone.number if c.isdigit()) == "988":
        return None
    return _shown(phone, label)


def prepared_for(spec: Spec, today: dt.date) -> PreparedFor | None:
    if spec.patient is None or not (spec.patient.name or spec.patient.prepared_by):
        return None
    return PreparedFor(spec.patient.name, spec.patient.prepared_by, spec.date or today)


def text_language(spec: Spec) -> str:
    """The language of the library text a handout prints: a patient handout's own; a
    clinician handout's is always English (only patient text is translated)."""
    return spec.language if spec.audience == "patient" else "en"


def _medicine_row(recognised: Recognised, library: Library, language: str = "en") -> Medicine:
    """Each ingredient's outcome in plain words; doses only where the pairing is certain."""
    say = messages(language).say
    lines: list[MedicineLine] = []
    for ingredient in recognised.ingredients:
        if ingredient.outcome == "treatment":
            line = MedicineLine(say("medicines.treatment"))
        elif ingredient.section:
            front = library.section(ingredient.section, language).front
            line = MedicineLine(f"{ingredient.shown}: {front.class_label}",
                                ingredient.section)
        else:
            line = MedicineLine(say("medicines.not_covered", medicine=ingredient.shown))
        if line not in lines:
            lines.append(line)
    alone = not recognised.ingredients and len(recognised.unrecognised) == 1
    lines += [MedicineLine(say("medicines.unknown") if alone else
                           say("medicines.unknown_named", name=name))
              for name in recognised.unrecognised]
    return Medicine(recognised.shown, tuple(lines), recognised.outcome)


def _safety_box(brand: Brand, language: str) -> Callout:
    """The crisis box: 988 as the Lifeline itself describes its service in this language,
    911, the clinic's own crisis line, and its after-hours number. What to call and the
    number are kept on one line (the catalogue's '~'): a reader in a crisis scans for
    "call or text 988", not "call" at one line's end."""
    say_runs = messages(language).say_runs
    crisis = brand.crisis_line  # None when a site gives 988 as its own (_own_crisis_line)
    lines = [say_runs("crisis.call_clinic", crisis_line=crisis) if crisis else
             say_runs("crisis.call_988"), say_runs("crisis.emergency")]
    if brand.contact.after_hours:
        lines.append(say_runs("crisis.after_hours", after_hours=brand.contact.after_hours))
    return Callout("safety", tuple(Paragraph(line) for line in lines),
                   messages(language).say("crisis.title"))


ADVICE_ID = "your-other-medicines"
_ADVICE = (message_id("advice.keep_taking"), message_id("advice.no_change_alone"),
           message_id("advice.tell_team"))


def _with_medicines_advice(sections: list[Section], audience: str,
                           language: str = "en") -> list[Section]:
    """Patients read what to do about their other medicines once, just before the first
    co-medication section, rather than in every section."""
    first = next((i for i, s in enumerate(sections) if s.kind == "comedication"), None)
    if audience != "patient" or first is None:
        return sections
    say = messages(language).say
    items = tuple((Paragraph((Text(say(key)),)),) for key in _ADVICE)
    advice = Section(ADVICE_ID, say("advice.title"), (ListBlock(items),), kind="part")
    return [*sections[:first], advice, *sections[first:]]


def disclaimer(audience: str, medicines_advice: bool = False,
               language: str = "en") -> tuple[Block, ...]:
    say = messages(language).say
    if audience == "patient":
        text = say("disclaimer.patient")
        if not medicines_advice:  # else "Your other medicines" has said it once already
            text += " " + say("disclaimer.no_change")
    else:
        text = say("disclaimer.clinician")
    return (Paragraph((Text(text),)),)
