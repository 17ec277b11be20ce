"""`handouts meds`: what each medicine entry was recognised as, for a clinician to check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from handouts.inputs.medicines import Ingredient, Recognised
from handouts.library.load import Library

OUTCOMES = {
    "covered": "covered",
    "treatment": "the treatment these handouts are about",
    "known": "known, not covered by these handouts",
}
UNRECOGNISED = "not recognised: check the spelling, or ask the prescriber"
SET_ASIDE = "set aside: instructions or chart text, no medicine named"


def report_lines(entries: Sequence[str], library: Library) -> Iterable[str]:
    """Each entry as read, then one line per ingredient: name and dose, section, outcome;
    then the counts."""
    found = [library.drugs.recognise(entry) for entry in entries]
    blocks = [(_as_read(entry, f), _lines(f, library)) for entry, f in zip(entries, found,
                                                                            strict=True)]
    rows = [row for _, lines in blocks for row in lines]
    width = max((len(r[0]) for r in rows), default=0)
    section_width = max((len(r[1]) for r in rows), default=0)
    indent = len(f"{len(entries)}. ")  # entries 1 to 12 line up alike
    for number, (shown, lines) in enumerate(blocks, start=1):
        yield f"{f'{number}.':<{indent - 1}} {shown}"
        for name, section, outcome in lines:
            yield f"{'':<{indent}}{name:<{width}}  {section:<{section_width}}  {outcome}".rstrip()
    yield ""
    yield counts_line(found)


def _as_read(entry: str, found: Recognised) -> str:
    """The entry as the page shows it; a set-aside line as it was given, cut short."""
    text = found.shown if not found.set_aside else " ".join(entry.split())
    return text if len(text) <= 70 else text[:69] + "…"


def _lines(found: Recognised, library: Library) -> list[tuple[str, str, str]]:
    if found.set_aside:
        return [("-", "", SET_ASIDE)]
    lines = [(i.shown, i.section or "-", _outcome(i, library)) for i in found.ingredients]
    return lines + [(name, "-", UNRECOGNISED) for name in found.unrecognised]


def counts_line(found: Sequence[Recognised]) -> str:
    """"4 entries: 2 covered, 1 known but not covered, 1 set aside; 1 name not recognised"
    (an entry counts once, by its row's outcome; names not recognised are counted each)."""
    outcomes = [f.outcome for f in found]
    parts = [f"{outcomes.count(key)} {label}" for key, label in (
        ("covered", "covered"), ("treatment", "the treatment itself"),
        ("known", "known but not covered"), ("unrecognised", "with no name recognised"),
        ("set aside", "set aside")) if key in outcomes]
    names = sum(len(f.unrecognised) for f in found)
    unknown = f"; {_count(names, 'name')} not recognised" if names else ""
    return f"{_count(len(found), 'entry', 'entries')}: {', '.join(parts)}{unknown}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _outcome(ingredient: Ingredient, library: Library) -> str:
    if ingredient.section:
        return f"covered: {library.section(ingredient.section).front.class_label}"
    return OUTCOMES[ingredient.outcome]
