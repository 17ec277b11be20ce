"""`handouts meds`: what each medicine entry was recognised as, for a clinician to check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from handouts.inputs.medicines import Ingredient
from handouts.library.load import Library

OUTCOMES = {
    "covered": "covered",
    "treatment": "the treatment these handouts are about",
    "known": "known, not covered by these handouts",
}


def report_lines(entries: Sequence[str], library: Library) -> Iterable[str]:
    """Each entry as read, then one line per ingredient: name and dose, section, outcome."""
    rows: list[tuple[str, str, str]] = []
    blocks = []
    for number, entry in enumerate(entries, start=1):
        found = library.drugs.recognise(entry)
        lines = [(i.shown, i.section or "-", _outcome(i, library)) for i in found.ingredients]
        lines += [(name, "-", "not recognised: check the spelling, or ask the prescriber")
                  for name in found.unrecognised]
        blocks.append((number, found.shown, lines))
        rows += lines
    width = max((len(r[0]) for r in rows), default=0)
    section_width = max((len(r[1]) for r in rows), default=0)
    indent = len(f"{len(entries)}. ")  # entries 1 to 12 line up alike
    for number, shown, lines in blocks:
        yield f"{f'{number}.':<{indent - 1}} {shown}"
        for name, section, outcome in lines:
            yield f"{'':<{indent}}{name:<{width}}  {section:<{section_width}}  {outcome}"
    counts = {}
    for entry in entries:
        outcome = library.drugs.recognise(entry).outcome
        counts[outcome] = counts.get(outcome, 0) + 1
    yield ""
    yield f"{len(entries)} entries: " + ", ".join(
        f"{counts.get(k, 0)} {label}" for k, label in (
            ("covered", "covered"), ("treatment", "treatment"),
            ("known", "known but not covered"), ("unrecognised", "with a name not recognised")))


def _outcome(ingredient: Ingredient, library: Library) -> str:
    if ingredient.section:
        front = library.section(ingredient.section).front
        return f"covered: {front.medicine_class or front.title}"
    return OUTCOMES[ingredient.outcome]
