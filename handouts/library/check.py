"""`handouts check`: the quality gate for the library (and any specs given).

Citations resolve and every reference is used and identified; patient passages read at
grade 8 or below; content is within its review date and was reviewed after the current
version of any drug label it cites; the catalogue and the drug table are complete and
consistent.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from handouts.document import Audience, Block, Cite, inline_groups
from handouts.errors import HandoutError, Problem
from handouts.inputs.medicines import name_words
from handouts.library.contentfile import ContentFile, patient_passages
from handouts.library.load import Library
from handouts.library.readability import measure
from handouts.library.readability_es import Legibility
from handouts.library.translations import INFLESZ_AIM, INFLESZ_LIMIT, check_translations
from handouts.locale.messages import LOCALES, cited, languages

GRADE_LIMIT = 8.0
GRADE_AIM = 6.0
MIN_DRUG_NAMES = 120



@dataclass(frozen=True)
class PassageGrade:
    file: str
    line: int | None
    grade: float
    without_names: float
    words: int


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    grades: list[PassageGrade] = field(default_factory=list)
    translated: list[Legibility] = field(default_factory=list)  # scores of translations
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def check_library(library: Library, today: dt.date) -> Report:
    """Every check on the library; problems are returned, never raised."""
    report = Report()
    contents = []
    for ident in library.topic_ids + library.comedication_ids:
        try:
            contents.append(library.section(ident))
        except HandoutError as exc:
            report.problems.extend(exc.problems)
    report.problems += _citations(contents, library)
    report.problems += _references(library)
    report.problems += _review_dates(contents, today)
    report.problems += _label_currency(contents, library)
    report.problems += _structure(contents, library)
    report.problems += _drugs(library)
    names = _name_pattern(library)
    for content in contents:
        report.grades += _grades(content, names)
    report.problems += [
        Problem(f"patient passage reads at grade {g.grade:.1f} (limit {GRADE_LIMIT:g}; "
                f"{g.without_names:.1f} without medicine names)", g.file, g.line,
                hint="use shorter sentences and everyday words")
        for g in report.grades if g.grade > GRADE_LIMIT]
    problems, report.translated = check_translations(library)
    report.problems += problems
    report.counts = {"content files": len(contents), "references": len(library.references),
                     "mapped ingredients": len(library.drug_names())}
    return report


# ---- citations and references -------------------------------------------------------------


def cites(blocks: Iterable[Block]) -> Iterable[Cite]:
    """Every citation in these blocks, in reading order."""
    for group in inline_groups(blocks):
        yield from (run for run in group if isinstance(run, Cite))


def _citations(contents: Sequence[ContentFile], library: Library) -> list[Problem]:
    problems = []
    for content in contents:
        for cite in cites(content.blocks):
            for key in cite.keys:
                if key not in library.references:
                    problems.append(Problem(f"unknown citation key '@{key}'",
                                            content.path, cite.line,
                                            hint="add it to references.yaml or fix the key"))
    used = {k for c in contents for cite in cites(c.blocks) for k in cite.keys}
    for language in languages():  # the crisis box and other fixed strings cite facts too
        for key, keys in cited(language).items():
            used.update(keys)
            problems += [Problem(f"unknown citation key '@{k}' in message '{key}'",
                                 str(LOCALES / language / "LC_MESSAGES" / "handouts.po"),
                                 hint="add it to references.yaml or fix the key")
                         for k in keys if k not in library.references]
    refs = library.references_file
    problems += [Problem(f"reference '{key}' is never cited", refs, library.reference_line(key),
                         hint="cite it or remove it")
                 for key in library.references if key not in used]
    return problems


def _references(library: Library) -> list[Problem]:
    problems = []
    for key, entry in library.references.items():
        where = dict(file=library.references_file, line=library.reference_line(key))
        if not any(entry.get(k) for k in ("DOI", "PMID", "URL")):
            problems.append(Problem(f"reference '{key}' has no DOI, PMID or URL", **where,
                                    hint="add the identifier you have seen, never a guess"))
        for required in ("type", "title"):
            if not entry.get(required):
                problems.append(Problem(f"reference '{key}' has no {required}", **where))
    return problems


# ---- dates and structure ---------------------------------------------------------------


def due_date(reviewed: dt.date, months: int) -> dt.date:
    month = reviewed.month - 1 + months
    year, month = reviewed.year + month // 12, month % 12 + 1
    day = min(reviewed.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0)
                             else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
    return dt.date(year, month, day)


def _review_dates(contents: Sequence[ContentFile], today: dt.date) -> list[Problem]:
    problems = []
    for content in contents:
        due = due_date(content.front.reviewed, content.front.review_every_months)
        if due < today:
            problems.append(Problem(f"review was due on {due.isoformat()}",
                                    content.path, 4, "reviewed",
                                    hint="review the content, then update 'reviewed'",
                                    severity="warning"))
        elif content.front.reviewed > today:
            problems.append(Problem(f"reviewed date {content.front.reviewed} is in the future",
                                    content.path, 4, "reviewed"))
    return problems


def issued_date(entry: dict) -> dt.date | None:
    """A reference's CSL `issued` date when it gives year, month and day, else None."""
    parts = (entry.get("issued") or {}).get("date-parts") or [[]]
    try:
        year, month, day = parts[0][:3]
        return dt.date(int(year), int(month), int(day))
    except (TypeError, ValueError):
        return None


def _label_currency(contents: Sequence[ContentFile], library: Library) -> list[Problem]:
    """Content citing a drug label (`drug-label: true`) must have been reviewed on or after
    the day that label version was issued; a label needs a full `issued` date."""
    problems, issued = [], {}
    for key, entry in library.references.items():
        if entry.get("drug-label"):
            issued[key] = issued_date(entry)
            if issued[key] is None:
                problems.append(Problem(
                    f"drug label '{key}' has no full issued date", library.references_file,
                    library.reference_line(key), "issued",
                    hint="give the label version's date: issued: {date-parts: [[2026, 3, 13]]}",
                    severity="warning"))
    for content in contents:
        cited = dict.fromkeys(k for cite in cites(content.blocks) for k in cite.keys)
        for key in cited:
            label_date = issued.get(key)
            if label_date and content.front.reviewed < label_date:
                problems.append(Problem(
                    f"{content.front.reviewed} is before drug label '{key}' was issued "
                    f"({label_date})", content.path, 4, "reviewed",
                    hint="review the content against the current label, then update 'reviewed'",
                    severity="warning"))
    return problems


def _structure(contents: Sequence[ContentFile], library: Library) -> list[Problem]:
    problems = []
    for content in contents:
        where = content.path
        audiences = {b.audience for b in content.blocks if isinstance(b, Audience)}
        shared = any(not isinstance(b, Audience) for b in content.blocks)
        for audience in ("patient", "clinician"):
            if audience not in audiences and not shared:
                problems.append(Problem(f"no {audience} passage", where, 5,
                                        hint=f"add a '::: {audience}' container"))
        if library.kind_of(content.id) == "comedication":
            if not content.front.drug_classes:
                problems.append(Problem("a co-medication section must list drug_classes",
                                        where, 2, "drug_classes"))
            if not content.front.medicine_class:
                problems.append(Problem("a co-medication section needs a medicine_class label",
                                        where, 2, "medicine_class"))
    return problems


def _drugs(library: Library) -> list[Problem]:
    """drugs.yaml: real sections, each ingredient once and known to the vocabulary, and
    added names that the vocabulary does not already have."""
    problems = []
    file = library.drugs_file
    sections = library.drug_sections()
    seen: set[str] = set()
    for section, names in sections.items():
        if section not in library.comedication_ids:
            problems.append(Problem(f"section '{section}' does not exist", file,
                                    library.drug_line(("sections", section)),
                                    hint="use an id from 'handouts list comedications'"))
        for i, name in enumerate(names):
            where = (file, library.drug_line(("sections", section, i)))
            if name in seen:
                problems.append(Problem(f"'{name}' is mapped twice", *where))
            seen.add(name)
            problems += _unknown_ingredient(library, name, *where)
    for i, name in enumerate(library.treatment_names()):
        problems += _unknown_ingredient(library, name, file, library.drug_line(("treatment", i)))
    for name, ingredients in library.added_names().items():
        line = library.drug_line(("names", name))
        known = library.vocabulary.lookup(" ".join(name_words(name)))
        if known and set(known[0]) == set(ingredients):  # a correction is not a repeat
            problems.append(Problem(f"'{name}' is already in the vocabulary", file, line,
                                    hint="remove it from names", severity="warning"))
        for ingredient in ingredients:
            problems += _unknown_ingredient(library, ingredient, file, line)
    for ident in library.comedication_ids:
        if not sections.get(ident):
            problems.append(Problem(f"no ingredients map to '{ident}'", file))
    problems += _routes(library)
    if len(seen) < MIN_DRUG_NAMES:
        problems.append(Problem(f"only {len(seen)} ingredients mapped; expected at least "
                                f"{MIN_DRUG_NAMES}", file))
    return problems


def _routes(library: Library) -> list[Problem]:
    """Each route-bound section exists, has ingredients, and names words or brands; each
    brand is a name we can read (and reads as one of the section's ingredients)."""
    problems, file = [], library.drugs_file
    sections = library.drug_sections()
    for section, route in library.drug_routes().items():
        where = (file, library.drug_line(("routes", section)))
        if section not in sections:
            problems.append(Problem(f"route for '{section}', which no ingredients map to",
                                    *where, hint="add the section's ingredients under sections"))
            continue
        if not route.words and not route.brands:
            problems.append(Problem(f"route for '{section}' names no words and no brands",
                                    *where))
        for brand in route.brands:
            found = library.drugs.lookup(" ".join(name_words(brand)))
            if not found or not set(found[0]) & set(sections[section]):
                problems.append(Problem(f"brand '{brand}' does not read as an ingredient of "
                                        f"'{section}'", *where, hint="add it under names"))
    return problems


def _unknown_ingredient(library: Library, name: str, file: str, line: int | None
                        ) -> list[Problem]:
    """An ingredient we write must be one the vocabulary has: as a name of its own, or as
    the ingredient of some name (caffeine is only ever "caffeine citrate", "Cafcit", ...)."""
    found = library.vocabulary.lookup(" ".join(name_words(name)))
    if found and name in found[0] or name in library.vocabulary.ingredients:
        return []
    return [Problem(f"ingredient '{name}' is not in the vocabulary", file, line,
                    hint=f"use the ingredient's name as {library.vocabulary_file} has it")]


# ---- readability -------------------------------------------------------------------------


def _grades(content: ContentFile, names: re.Pattern) -> list[PassageGrade]:
    out = []
    for line, lines in patient_passages(content):
        text = "\n".join(lines)
        result = measure(text)
        if result.words < 5:
            continue
        plain = measure(names.sub("pill", text))
        out.append(PassageGrade(content.path, line, result.grade, plain.grade,
                                result.words))
    return out


def _name_pattern(library: Library) -> re.Pattern:
    """Every name of a mapped or treatment ingredient, brands included."""
    mapped = set(library.drug_names()) | set(library.treatment_names())
    names = mapped | set(library.added_names()) | {"Spravato"}
    names |= {name for name, found in library.vocabulary.entries.items() if mapped & set(found)}
    alternatives = sorted((re.escape(n) for n in names), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.I)


def summary_lines(report: Report) -> list[str]:
    """The readability table: each file's hardest patient passage, then the overall spread."""
    by_file: dict[str, PassageGrade] = {}
    for g in report.grades:
        if g.file not in by_file or g.grade > by_file[g.file].grade:
            by_file[g.file] = g
    out = [f"Reading grade of patient passages (Flesch-Kincaid; limit {GRADE_LIMIT:g}, "
           f"aim {GRADE_AIM:g}); medicine names raise it, so the grade without them is shown:"]
    width = max((len(f) for f in by_file), default=0)
    for file, g in sorted(by_file.items()):
        mark = "  above aim" if g.grade > GRADE_AIM else ""
        out.append(f"  {file:<{width}}  {g.grade:4.1f}  ({g.without_names:4.1f} without "
                   f"medicine names){mark}")
    if report.grades:
        grades = [g.grade for g in report.grades]
        out.append(f"  {len(grades)} passages: median {statistics.median(grades):.1f}, "
                   f"highest {max(grades):.1f}")
    return out + translated_lines(report.translated)


def translated_lines(scores: Sequence[Legibility]) -> list[str]:
    """The Spanish table: each file's hardest passage on the INFLESZ scale, and the spread
    (Fernández-Huerta's score beside it, for comparison)."""
    if not scores:
        return []
    by_file: dict[str, Legibility] = {}
    for s in scores:
        if s.file not in by_file or s.szigriszt < by_file[s.file].szigriszt:
            by_file[s.file] = s
    out = [f"Spanish patient passages (Flesch-Szigriszt index on the INFLESZ scale; limit "
           f"{INFLESZ_LIMIT:g} normal, aim {INFLESZ_AIM:g} bastante fácil):"]
    width = max(len(f) for f in by_file)
    for file, s in sorted(by_file.items()):
        mark = "  below aim" if s.szigriszt < INFLESZ_AIM else ""
        out.append(f"  {file:<{width}}  {s.szigriszt:5.1f}  {s.band:<14}  (Fernández-Huerta "
                   f"{s.fernandez_huerta:5.1f}){mark}")
    values = [s.szigriszt for s in scores]
    out.append(f"  {len(values)} passages: median {statistics.median(values):.1f}, "
               f"lowest {min(values):.1f}")
    return out
