"""Recognise medicines as clinicians and EHRs write them and map them to sections.

"Zoloft 50mg qd", "Ativan 0.5 prn", "24 HR venlafaxine 75 MG Extended Release Oral Capsule",
"olanzapine / fluoxetine": doses, units, forms, frequencies and salts are dropped, the
rest is matched as whole words against drugs.yaml. Nothing is matched by resemblance:
lisinopril is not lithium. An unmatched name gets suggestions, never a guess.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

# Words that describe how a medicine is given, not which medicine it is.
_NOISE = frozenset("""
    mg mcg g gm ml ug µg iu unit units unt meq % hr hrs h hour hours day days week weeks
    tablet tablets tab tabs capsule capsules cap caps oral orally solution suspension syrup
    liquid elixir injection injectable inj im iv subcutaneous sc sq intramuscular depot
    patch patches transdermal film films sublingual sl buccal nasal spray spray drops
    extended delayed modified release released sustained controlled immediate prolonged er
    xr xl sr cr dr la ir odt ds cd xt es mr ec dispersible disintegrating orally chewable
    pen prefilled syringe vial kit pack powder granules qd qod bid tid qid qhs hs qam qpm
    prn daily nightly weekly monthly twice once three times a an at as needed bedtime
    morning evening night every each per by mouth take takes with and or of to in for the po
    q hydrochloride hcl dihydrochloride hydrobromide hbr dimesylate mesylate besylate
    maleate fumarate succinate tartrate bitartrate citrate carbonate sulfate sulphate sodium
    potassium magnesium calcium acetate phosphate lactate oxalate xinafoate monohydrate
    anhydrous salt base free
""".split())
_NUMBER = re.compile(r"^(q?\d+([.,]\d+)?[a-zµ%]*|\d+/\d+|x\d+)$")
_SPLIT_COMBINATION = re.compile(r"\s*(?:/|\+|;|\bwith\b)\s*")
_WORD = re.compile(r"[a-z0-9µ%]+(?:[.\-'][a-z0-9]+)*")


@dataclass(frozen=True)
class Recognised:
    """One medicine entry as written, and the sections its ingredients map to."""

    entry: str
    sections: tuple[str, ...]
    names: tuple[str, ...]
    suggestions: tuple[str, ...] = ()
    unmatched: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.sections)


def words(text: str) -> list[str]:
    """Lower-case words of a name, with doses, units, forms, frequencies and salts removed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return [w for w in _WORD.findall(text) if w not in _NOISE and not _NUMBER.match(w)]


class DrugTable:
    """Names from drugs.yaml, indexed as word tuples for whole-word matching."""

    def __init__(self, names: Mapping[str, str]):
        self.sections: dict[tuple[str, ...], str] = {}
        self.display: dict[tuple[str, ...], str] = {}
        for name, section in names.items():
            key = tuple(words(name)) or (name.casefold(),)
            self.sections[key] = section
            self.display[key] = name
        self.longest = max((len(k) for k in self.sections), default=1)

    def recognise(self, entry: str) -> Recognised:
        """Map one free-text entry; a combination maps each ingredient."""
        sections: list[str] = []
        names: list[str] = []
        unmatched: list[str] = []
        for part in _SPLIT_COMBINATION.split(entry):
            keys = self._find(words(part))
            if not keys and words(part):
                unmatched.append(part.strip())
            for key in keys:
                if self.display[key] not in names:
                    names.append(self.display[key])
                if self.sections[key] not in sections:
                    sections.append(self.sections[key])
        suggestions = tuple(s for part in unmatched for s in self.suggest(part))
        return Recognised(entry, tuple(sections), tuple(names), suggestions[:3],
                          tuple(unmatched))

    def _find(self, tokens: list[str]) -> list[tuple[str, ...]]:
        """Longest known names that appear as whole consecutive words, left to right."""
        found, i = [], 0
        while i < len(tokens):
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                key = tuple(tokens[i:i + size])
                if key in self.sections:
                    found.append(key)
                    i += size
                    break
            else:
                i += 1
        return found

    def suggest(self, entry: str, n: int = 3) -> tuple[str, ...]:
        """Nearest known names, for a warning (never used as a match)."""
        candidates = {" ".join(k): self.display[k] for k in self.sections}
        out: list[str] = []
        for word in words(entry) or [entry.casefold()]:
            for close in difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.7):
                if candidates[close] not in out:
                    out.append(candidates[close])
        return tuple(out[:n])
