"""What a chart prints around a medicine's name, and how a pasted list is split.

An EHR line is a name followed by everything else: "sertraline (ZOLOFT) 50 MG tablet Take 1
tablet (50 mg total) by mouth daily. Dispense: 90 tablet. Refills: 1". Only the name part
can name a medicine; the instructions (sig), dispense, refill, route, indication and date
text after it identify nothing, so they are set aside and never become a "not recognised"
row. The name part ends at the first of:

- a chart label ("Dispense:", "Refills:", "Indications:", "Patient taking differently:",
  "Max daily dose", "Earliest fill date", or any other "Word:");
- an instruction verb ("Take", "Apply", "Inject", "Use", "Administer", ...);
- a frequency ("daily", "bid", "prn", "q6h", "every", "as needed");
- the end of a sentence (". " before a word);
- a comma or semicolon outside brackets and numbers, unless a medicine's name follows
  ("Butalbital, Acetaminophen and Caffeine Tablets" is one product).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_LABELS = (
    r"disp(?:ense(?:d)?)?|rfl|refills?|qty|quantity|indications?|"
    r"patient\s+(?:is\s+)?taking\s+differently|taking\s+differently|"
    r"max(?:imum)?\s+daily\s+dose|max(?:imum)?\s+dose|earliest\s+fill\s+date|fill\s+date|"
    r"start(?:ed)?(?:\s+date)?|end(?:ed)?(?:\s+date)?|stop\s+date|last\s+(?:dose|filled|fill)|"
    r"ordered(?:\s+on)?|authori[sz]ed\s+by|prescribed\s+by|prescriber|commonly\s+known\s+as|"
    r"also\s+known\s+as|notes?|comments?|instructions?|sig|route|frequency|duration|reason|"
    r"status|days?\s+supply|supply|ndc|pharmacy|provider|substitution|diagnosis|dx|for")
# A label followed by ':' (or "Max daily dose" and "Earliest fill date" with no colon).
_LABEL = re.compile(rf"\b(?:{_LABELS})\s*:|\b(?:max(?:imum)?\s+daily\s+dose|earliest\s+fill"
                    rf"\s+date|patient\s+taking\s+differently|commonly\s+known\s+as)\b",
                    re.IGNORECASE)
# Any other "Word:" (a colon that is not part of a time such as 8:00).
_ANY_LABEL = re.compile(r"\b[^\W\d_]+\s*:(?!\d)")
_VERBS = (r"take|takes|taking|apply|applies|inject|injects|inhale|instill|place|use|uses|"
          r"give|dissolve|chew|insert|administer|administered|swallow|mix|shake|rinse|put|"
          r"wear|let|follow|see|remove|change|continue|hold|increase|decrease|titrate|"
          r"patient\s+takes|pt\s+takes")
_VERB = re.compile(rf"\b(?:{_VERBS})\b", re.IGNORECASE)
# A frequency; not one joined by a hyphen, which is part of a product's name ("Once-Daily").
_FREQUENCY = re.compile(
    r"(?<!-)\b(?:prn|daily|nightly|bid|tid|qid|qhs|qam|qpm|qd|qod|qday|qdaily|hs|every|once|"
    r"twice|weekly|monthly|as\s+needed|q\s*\d*\s*(?:h|hr|hrs|hours?|wk|wks|weeks?|d|days?|mo|"
    r"months?)|q\s*(?:am|pm|hs|day|week))\b(?!-)", re.IGNORECASE)
# A count of doses starts the instructions ("Flonase 2 sprays each nostril", "1-2 puffs").
_COUNT = re.compile(r"\b\d+(?:\s*-\s*\d+)?\s*(?:sprays?|puffs?|drops?|tablets?|tabs?|capsules?|"
                    r"caps?|caplets?|softgels?|gummies|patch(?:es)?|inhalations?|actuations?|"
                    r"applications?)\b",
                    re.IGNORECASE)
_SENTENCE = re.compile(r"(?<![\d\s])\.\s+(?=[^\W\d_])")
_BREAKS = re.compile(r"[,;]")
_BRACKETS = {"(": ")", "[": "]", "{": "}"}


def name_part_end(text: str, starts_a_name: Callable[[str], bool]) -> tuple[int, int]:
    """Where the name part of `text` ends (0: the line is all instructions or chart text),
    and where the entry as shown on the page ends: a frequency written straight after the
    name ("Zoloft 50 mg daily", "Ativan 0.5 mg prn") ends the name but stays in sight.
    `starts_a_name(rest)` says whether a medicine's name starts `rest`, after a comma."""
    ends = [len(text)]
    for pattern in (_LABEL, _VERB, _COUNT, _SENTENCE):
        found = pattern.search(text)
        if found:
            ends.append(found.start())
    found = _ANY_LABEL.search(text)
    if found:
        ends.append(found.start())
    for at in _outside_brackets(text, _BREAKS):
        rest = text[at + 1:]
        if not (text[at] == "," and _between_digits(text, at)) and not starts_a_name(rest):
            ends.append(at)
            break
    shown = min(ends)
    frequency = _FREQUENCY.search(text, 0, shown)
    return (frequency.start() if frequency else shown), shown


def _outside_brackets(text: str, pattern: re.Pattern) -> list[int]:
    """Offsets of `pattern`'s matches that are not inside (), [] or {}."""
    depth, out = [], []
    for i, char in enumerate(text):
        if char in _BRACKETS:
            depth.append(_BRACKETS[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif not depth and pattern.match(char):
            out.append(i)
    return out


def _between_digits(text: str, at: int) -> bool:
    """"1,000 unit": a thousands comma, part of a number."""
    return 0 < at < len(text) - 1 and text[at - 1].isdigit() and text[at + 1].isdigit()


def bracket_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost bracketed part of `text`."""
    spans, depth, start = [], [], 0
    for i, char in enumerate(text):
        if char in _BRACKETS:
            if not depth:
                start = i
            depth.append(_BRACKETS[char])
        elif depth and char == depth[-1]:
            depth.pop()
            if not depth:
                spans.append((start, i + 1))
    if depth:  # an unclosed bracket runs to the end
        spans.append((start, len(text)))
    return spans


def is_heading(line: str) -> bool:
    """A heading pasted with the list ("Medications:", "Current Outpatient Medications:",
    "CONTINUE:"): a short line that ends in a colon, set aside as bullets are. A medicine
    line ending in an empty field ("..., Disp: , Rfl:") is not one."""
    line = line.strip()
    return line.endswith(":") and "," not in line and len(line.split()) <= 8


_BULLET = re.compile(r"^\s*(?:[-*•·◦‣▪●○]+|\d{1,3}[.)](?!\d)|\(\d{1,3}\)|[A-Za-z][.)](?=\s))\s*")
_SPLIT = re.compile(r"[,;]")
# "Current medications: a, b, c" written as one line of a note: the label, then a list.
_LIST_LABEL = re.compile(r"^[^:,]{0,40}\b(?:medications?|medicines?|meds|drugs|rx|"
                         r"prescriptions?)\s*:\s*(?=\S)", re.IGNORECASE)
_DOSE = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|g|gm|ml|units?|iu|meq|%)(?![^\W\d_])",
                   re.IGNORECASE)


def split_list(text: str) -> tuple[str, ...]:
    """A pasted medication list, as the chart prints it: one medicine a line (bullets and
    numbers in front, blank lines and headings such as "Medications:" set aside). A single
    line may separate medicines with commas or semicolons instead, as may a line that
    starts "Current medications:"; within a longer list, a line is split at a comma only
    where both sides have a dose ("sertraline 100 mg daily, bupropion 150 mg daily"). A
    comma inside brackets ("(PRINIVIL,ZESTRIL)") or a number ("1,000 unit") never splits."""
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
             if line.strip() and not is_heading(line)]
    entries: list[str] = []
    for line in lines:
        labelled = _LIST_LABEL.match(line.strip())
        if labelled or len(lines) == 1:
            line = line.strip()[labelled.end():] if labelled else line
            entries += _cut(line, lambda before, after: True)
        else:
            entries += _cut(line, lambda before, after: bool(_DOSE.search(before) and
                                                             _DOSE.search(after)))
    cleaned = (_BULLET.sub("", entry).strip() for entry in entries)
    return tuple(entry for entry in cleaned if entry and not is_heading(entry))


def _cut(line: str, where: Callable[[str, str], bool]) -> list[str]:
    """`line` cut at each comma or semicolon (outside brackets and numbers) that `where`
    accepts, given the text before it (since the last cut) and after it (to the next)."""
    cuts = [i for i in _outside_brackets(line, _SPLIT) if not _between_digits(line, i)]
    parts, start = [], 0
    for n, at in enumerate(cuts):
        after = line[at + 1:cuts[n + 1] if n + 1 < len(cuts) else len(line)]
        if where(line[start:at], after):
            parts.append(line[start:at])
            start = at + 1
    return parts + [line[start:]]
