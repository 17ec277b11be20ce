"""Translations kept in step with their English twins.

A translation (`side-effects.es.md` beside `side-effects.md`) holds the patient text only:
what a patient handout prints of the English file (its shared blocks and patient passages,
warnings and notes included). It records, in `translated_from`, the fingerprint of the
English text it was made from; `handouts check` compares that with the English file as it
is today, so a later English fix can never leave a stale translation. It must also keep
the English text's shape (the same blocks, list items and table cells, in order), every
citation and every number, so a translation can drop nothing a patient is told.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from handouts.document import Block, Callout, Cite, Heading, ListBlock, Paragraph, Table
from handouts.errors import HandoutError, Problem
from handouts.library.contentfile import ContentFile, for_audience, patient_passages
from handouts.library.load import Library
from handouts.library.readability_es import Legibility
from handouts.library.readability_es import measure as measure_es

INFLESZ_LIMIT = 55.0  # "normal" on the INFLESZ scale: every Spanish patient passage
INFLESZ_AIM = 65.0  # "bastante fácil"

# A number as a patient reads it: "40", "26.7", "1,000" (Spanish may write "26,7").
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def patient_text(content: ContentFile) -> tuple[Block, ...]:
    """What a patient handout prints of this file."""
    return for_audience(content.blocks, "patient")


def fingerprint(content: ContentFile) -> str:
    """12 hex digits that change whenever the patient text of a file changes (its title,
    medicine class, words, citations or shape), and not when only its clinician text or
    its line numbers do."""
    parts = [content.front.title, content.front.medicine_class or ""]
    parts += [f"{kind}:{text}" for kind, text in _walk(patient_text(content))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def twin_problems(english: ContentFile, translated: ContentFile) -> list[Problem]:
    """Where a translation is not a faithful twin of its English file today."""
    file = translated.path
    problems = []
    wanted = fingerprint(english)
    if translated.front.translated_from != wanted:
        problems.append(Problem(
            f"{english.path} has changed since this translation was made (it is now {wanted})"
            if translated.front.translated_from else "no translated_from in the front matter",
            file, 2, "translated_from",
            f"bring the translation up to date with the English, then set translated_from: "
            f"'{wanted}' (in quotes: some fingerprints read as numbers)"))
    ours, theirs = patient_text(translated), patient_text(english)
    shape, their_shape = _shape(ours), _shape(theirs)
    if shape != their_shape:
        at = next((i for i, (a, b) in enumerate(zip(shape, their_shape, strict=False))
                   if a != b), min(len(shape), len(their_shape)))
        problems.append(Problem(
            f"block {at + 1} differs from the English text's shape "
            f"({_describe(shape, at)} here, {_describe(their_shape, at)} in English)",
            file, _line_of(ours, at), hint="keep the English file's paragraphs, lists, items, "
            "tables and boxes, one for one"))
    for what, ours_found, theirs_found in (("citation", _cites(ours), _cites(theirs)),
                                           ("number", _numbers(ours), _numbers(theirs))):
        missing, extra = theirs_found - ours_found, ours_found - theirs_found
        if missing:
            problems.append(Problem(f"{what}s of the English text missing here: "
                                    f"{', '.join(sorted(missing.elements()))}", file,
                                    hint=f"every {what} of the English twin must stay"))
        if extra:
            problems.append(Problem(f"{what}s the English text does not have: "
                                    f"{', '.join(sorted(extra.elements()))}", file,
                                    hint=f"a translation adds no {what}"))
    return problems


def _walk(blocks: Iterable[Block]) -> Iterator[tuple[str, str]]:
    """(kind, text with citation keys) for each block, depth first."""
    for block in blocks:
        if isinstance(block, ListBlock):
            yield "list", str(len(block.items))
            for item in block.items:
                yield from _walk(item)
        elif isinstance(block, Callout):
            yield f"box:{block.kind}", block.title or ""
            yield from _walk(block.blocks)
        elif isinstance(block, Table):
            yield "table", f"{len(block.rows)}x{len(block.header)}"
            for cell in [*block.header, *(c for row in block.rows for c in row)]:
                yield "cell", _text(cell)
        elif isinstance(block, Heading | Paragraph):
            yield type(block).__name__.lower(), _text(block.inlines)


def _text(inlines) -> str:
    return "".join(f"[@{';'.join(run.keys)}]" if isinstance(run, Cite) else
                   getattr(run, "text", "") for run in inlines)


def _shape(blocks: Iterable[Block]) -> list[str]:
    """The sequence of block kinds (with list sizes, table sizes and box kinds)."""
    return [kind if kind in ("paragraph", "heading", "cell") else f"{kind} {text}".strip()
            for kind, text in _walk(blocks)]


def _describe(shape: list[str], at: int) -> str:
    return shape[at] if at < len(shape) else "nothing"


def _line_of(blocks: Iterable[Block], at: int) -> int | None:
    lines = [getattr(b, "line", None) for b in _flat(blocks)]
    return lines[at] if at < len(lines) else None


def _flat(blocks: Iterable[Block]) -> Iterator[Block]:
    """Blocks in the order _walk gives kinds (a table's cells count as its table)."""
    for block in blocks:
        yield block
        if isinstance(block, ListBlock):
            for item in block.items:
                yield from _flat(item)
        elif isinstance(block, Callout):
            yield from _flat(block.blocks)
        elif isinstance(block, Table):
            yield from [block] * (len(block.header) + sum(len(r) for r in block.rows))


def _cites(blocks: Iterable[Block]) -> Counter:
    return Counter(key for kind, text in _walk(blocks)
                   for keys in re.findall(r"\[@([^\]]+)\]", text) for key in keys.split(";"))


def _numbers(blocks: Iterable[Block]) -> Counter:
    """Numbers as values: "26.7" and "26,7" are one number, "1,000" and "1 000" are 1000."""
    found: Counter = Counter()
    for kind, text in _walk(blocks):
        if kind not in ("paragraph", "heading", "cell"):
            continue  # a list's size, a box's kind: not the patient's words
        text = re.sub(r"\[@[^\]]+\]", "", text)
        text = re.sub(r"(?<=\d)[  ](?=\d{3}\b)", "", text)  # "1 000": a thousands space
        for number in _NUMBER.findall(text):
            if re.fullmatch(r"\d{1,3}(?:,\d{3})+", number):  # 1,000: a thousands comma
                number = number.replace(",", "")
            found[number.replace(",", ".")] += 1
    return found


# ---- the library's translations, checked ---------------------------------------------------


def check_translations(library: Library) -> tuple[list[Problem], list[Legibility]]:
    """Every bundled topic and section has a faithful, current twin in each language the
    library offers, and each twin's patient passages read at INFLESZ "normal" or easier."""
    problems: list[Problem] = []
    scores: list[Legibility] = []
    for language, files in sorted(library.translations.items()):
        for ident in library.topic_ids + library.comedication_ids:
            english = library.section(ident)
            if ident not in files:
                problems.append(Problem(f"no {language} text for '{ident}'", english.path,
                                        hint=f"add {ident}.{language}.md beside it"))
                continue
            try:
                translated = library.section(ident, language)
            except HandoutError as exc:
                problems.extend(exc.problems)
                continue
            problems += twin_problems(english, translated)
            if translated.front.language != language:
                problems.append(Problem(f"language should be '{language}' (the file name's)",
                                        translated.path, 2, "language"))
            found = legibility(translated)
            scores += found
            problems += [Problem(
                f"patient passage scores {s.szigriszt:.0f} on the INFLESZ scale ({s.band}; "
                f"limit {INFLESZ_LIMIT:g}, aim {INFLESZ_AIM:g})", s.file, s.line,
                hint="use shorter sentences and shorter everyday words")
                for s in found if s.szigriszt < INFLESZ_LIMIT]
    return problems, scores


def legibility(content: ContentFile) -> list[Legibility]:
    """Each patient passage of a translation, scored (passages under five words skipped)."""
    out = []
    for line, lines in patient_passages(content):
        found = measure_es("\n".join(lines))
        if found.words >= 5:
            out.append(dataclasses.replace(found, file=content.path, line=line))
    return out
