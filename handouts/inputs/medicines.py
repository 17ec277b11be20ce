"""Recognise medicines as clinicians and EHRs write them, and map each ingredient to a section.

"Zoloft 50mg qd", "24 HR selegiline 0.25 MG/HR Transdermal System", "oxyCODONE-acetaminophen
5-325 MG tablet", "buprenorphine / naloxone 8 MG / 2 MG Sublingual Film": strengths (with
their slashes and ranges), units, forms, frequencies and salts are set aside, and the names
left are looked up as whole words in a vocabulary generated from a maintained source
(vocabulary.py). Our own mapping, drugs.yaml, takes an *ingredient* to a co-medication
section. Nothing is ever matched by resemblance: lisinopril is not lithium.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Literal, NamedTuple

from handouts.inputs.vocabulary import Vocabulary

Outcome = Literal["covered", "treatment", "known", "unrecognised"]

_NUM = r"\d+(?:[.,]\d+)?"
_UNIT = r"mg|mcg|μg|ug|ng|g|gm|grams?|ml|l|meq|mmol|unt|units?|iu|%"
_PER = r"ml|l|hr|hrs|h|hours?|days?|actuat|actuations?|sprays?|doses?|g|gm|kg|cm2"
# A strength: "50mg", "0.25 MG/HR", "25 MG/ML", "100 mg/5 mL", "5-325 MG", "5/325 mg".
# The slash inside it is never an ingredient separator.
_STRENGTH = re.compile(
    rf"(?<![\w.])(?P<values>{_NUM}(?:\s*[-/]\s*{_NUM})*)\s*(?P<unit>{_UNIT})(?![^\W\d_])"
    rf"(?:\s*/\s*(?P<per>(?:{_NUM}\s*)?(?:{_PER}))(?![^\W\d_]))?", re.IGNORECASE)
_TOKEN = re.compile(r"#\d+|[^\W\d_]+|\d+(?:[.,]\d+)?")
_SEPARATOR = re.compile(r"[/+&,;]|-|\b(?:and|with|plus)\b", re.IGNORECASE)

def is_heading(line: str) -> bool:
    """A heading pasted with the list ("Medications:", "Current Outpatient Medications:"):
    a line that ends in a colon is never a medicine, so it is set aside, as bullets are."""
    return line.rstrip().endswith(":")


# Words that say how a medicine is given, how much or how often, never which medicine.
NOISE = frozenset("""
    mg mcg μg ug ng g gm gram grams ml meq mmol unt unit units iu hr hrs hour hours min
    day days week weeks month months actuat actuation actuations dose doses q h x
    tablet tablets tab tabs capsule capsules cap caps caplet caplets oral orally solution
    suspension syrup liquid elixir concentrate injection injectable injector inj auto
    autoinjector pen cartridge syringe prefilled vial ampule kit pack im iv subcutaneous subcut
    sc sq intramuscular intravenous intranasal depot patch patches transdermal system film
    films sublingual sl buccal nasal spray sprays drops drop extended delayed modified
    release released sustained controlled immediate prolonged er xr xl sr cr dr la ir odt ds
    cd xt es mr ec dispersible disintegrating chewable chew powder granules sprinkle
    sprinkles suppository rectal topical cream gel ointment lotion inhaler inhalation metered
    lozenge gum implant microspheres effervescent enteric coated softgel softgels wafer
    wafers soltab zydis
    qd qod bid tid qid qhs hs qam qpm prn daily nightly weekly monthly twice once three times
    a an at as needed bedtime morning evening night every each per by mouth take takes taking
    and or of to in for the po with plus use apply inject give dissolve place under tongue
    skin then up if when until before after meals food sleep anxiety pain mood nausea
    insomnia depression agitation breakthrough one two half tab tabs total max maximum
    generic generics generically available brand usp pf home med meds medication medicine
    medicines sig disp qty refill pill pills eye eyes ear ears am pm
""".split())
# Salts and esters: part of a name when the vocabulary has it ("lithium carbonate"),
# skipped when it has not ("bupropion hydrobromide").
SALTS = frozenset("""
    hydrochloride hcl dihydrochloride hydrobromide hbr dimesylate mesylate besylate maleate
    fumarate hemifumarate succinate tartrate bitartrate citrate carbonate sulfate sulphate
    sodium potassium magnesium calcium acetate phosphate lactate oxalate xinafoate
    monohydrate dihydrate trihydrate anhydrous salt base free aspartate saccharate
    decanoate palmitate pamoate lauroxil enanthate benzoate embonate napadisylate
    hyclate bromide chloride mesilate dipotassium disodium hemihydrate tosylate edisylate
    polistirex hemitartrate
""".split())
_UNIT_SHOWN = {"ml": "mL", "l": "L", "meq": "mEq", "unt": "units", "iu": "units",
               "actuat": "actuation", "gm": "g", "μg": "mcg", "ug": "mcg"}
_KEEP_CAPS = frozenset("er xr xl sr cr dr la ir odt ds cd xt es mr ec hcl iv im".split())


# Plain tuples rather than dataclasses: they cost a fifth as much to define, and this
# module is imported by every cold build.


class Ingredient(NamedTuple):
    """One ingredient found in an entry, with its dose when the pairing is certain."""

    name: str
    outcome: Outcome
    section: str | None = None
    dose: str | None = None

    @property
    def shown(self) -> str:
        return f"{self.name} {self.dose}" if self.dose else self.name


class Recognised(NamedTuple):
    """One medicine entry, as written and in normal case, and what it was recognised as."""

    entry: str
    shown: str
    ingredients: tuple[Ingredient, ...] = ()
    unrecognised: tuple[str, ...] = ()

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.section for i in self.ingredients if i.section))

    @property
    def known(self) -> bool:
        """Every name in the entry was recognised (it may still be covered by no section)."""
        return bool(self.ingredients) and not self.unrecognised

    @property
    def outcome(self) -> Outcome:
        """The row's outcome: covered if any ingredient is, else the first that applies."""
        outcomes = {i.outcome for i in self.ingredients}
        for outcome in ("covered", "treatment", "known"):
            if outcome in outcomes:
                return outcome
        return "unrecognised"


class _Word(NamedTuple):
    text: str      # as written
    key: str       # folded
    start: int
    end: int


class _Match(NamedTuple):
    words: tuple[_Word, ...]
    ingredients: tuple[str, ...]
    brand: bool


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def name_words(text: str) -> tuple[str, ...]:
    """The words of a name that can identify it: strengths, numbers and noise removed,
    salts kept. The vocabulary is keyed the same way."""
    return tuple(w.key for w in _words(_STRENGTH.sub(" ", fold(text))))


def _words(text: str, offset: int = 0) -> list[_Word]:
    out = []
    for m in _TOKEN.finditer(text):
        key = fold(m.group())
        if key in NOISE or key[0].isdigit():
            continue
        out.append(_Word(m.group(), key, m.start() + offset, m.end() + offset))
    return out


class MedicineTable:
    """The vocabulary, our additions to it, and the ingredient -> section mapping."""

    def __init__(self, vocabulary: Vocabulary, sections: Mapping[str, str],
                 treatment: Iterable[str] = (), names: Mapping[str, tuple[str, ...]] = {}):
        self.vocabulary = vocabulary
        self.sections = dict(sections)
        self.treatment = frozenset(treatment)
        self.names = {" ".join(name_words(n)): tuple(v) for n, v in names.items()}
        self.longest = max([vocabulary.longest, *(len(k.split()) for k in self.names)])

    def lookup(self, key: str) -> tuple[tuple[str, ...], bool] | None:
        """The ingredients a name stands for, and whether it is a brand name."""
        if key in self.names:
            return self.names[key], True
        return self.vocabulary.lookup(key)

    def outcome(self, ingredient: str) -> tuple[Outcome, str | None]:
        if ingredient in self.treatment:
            return "treatment", None
        section = self.sections.get(ingredient)
        return ("covered", section) if section else ("known", None)

    def recognise(self, entry: str) -> Recognised:
        """Map one free-text entry; a combination maps each ingredient."""
        text = unicodedata.normalize("NFC", entry).strip()  # as the page prints it
        strengths = list(_STRENGTH.finditer(text))
        words = _words(_blank(text, strengths))
        matches, unmatched = self._scan(words, text)
        names = list(dict.fromkeys(n for m in matches for n in m.ingredients))
        combined = bool(_SEPARATOR.search(_blank(text, strengths)))
        doses = _doses(matches, strengths, bool(unmatched) and combined)
        ingredients = tuple(Ingredient(n, *self.outcome(n), dose=doses.get(n)) for n in names)
        if not matches and not unmatched:  # only strengths and noise: nothing to go on
            unmatched = [words] if words else []
        unrecognised = tuple(" ".join(_normal_word(w.text, None) for w in run)
                             for run in _runs(unmatched, text))
        shown = _normal_case(text, strengths, matches)
        return Recognised(entry, shown, ingredients, unrecognised or
                          (() if ingredients else (shown,)))

    def _scan(self, words: list[_Word], text: str) -> tuple[list[_Match], list[list[_Word]]]:
        """Longest known names, as whole consecutive words, left to right; the words left
        over (salts apart) in runs. A salt right after a name is that name's salt
        ("acetaminophen sulfate"), never a medicine of its own."""
        matches: list[_Match] = []
        unmatched: list[list[_Word]] = []
        i = 0
        while i < len(words):
            if words[i].key in SALTS and matches and i and matches[-1].words[-1].end <= \
                    words[i - 1].end and not _SEPARATOR.search(
                        text[words[i - 1].end:words[i].start]) and \
                    (words[i - 1] in matches[-1].words or words[i - 1].key in SALTS):
                i += 1
                continue
            for size in range(min(self.longest, len(words) - i), 0, -1):
                found = self.lookup(" ".join(w.key for w in words[i:i + size]))
                if found:
                    matches.append(_Match(tuple(words[i:i + size]), *found))
                    i += size
                    break
            else:
                if words[i].key not in SALTS and not words[i].key.startswith("#"):
                    if unmatched and unmatched[-1][-1] is words[i - 1]:
                        unmatched[-1].append(words[i])
                    else:
                        unmatched.append([words[i]])
                i += 1
        return matches, unmatched


def _blank(text: str, strengths: list[re.Match]) -> str:
    """The text with its strengths replaced by spaces, so offsets stay the same."""
    for m in strengths:
        text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    return text


def _runs(unmatched: list[list[_Word]], text: str) -> list[list[_Word]]:
    """Unmatched words split where the entry has a separator between them."""
    out = []
    for run in unmatched:
        current = [run[0]]
        for prev, word in zip(run, run[1:], strict=False):
            if _SEPARATOR.search(text[prev.end:word.start]):
                out.append(current)
                current = []
            current.append(word)
        out.append(current)
    return out


def _doses(matches: list[_Match], strengths: list[re.Match], unsure: bool) -> dict[str, str]:
    """Doses paired with ingredients in written order, only when that is certain: every
    name found is one ingredient, there is one dose for each, and no unrecognised part of
    a combination could own one of them."""
    if unsure or not matches or any(len(m.ingredients) != 1 for m in matches):
        return {}
    first = matches[0].words[0].start
    values = [v for m in strengths if m.start() > first for v in _strength_values(m)]
    names = list(dict.fromkeys(m.ingredients[0] for m in matches))
    if len(values) != len(names):
        return {}
    return dict(zip(names, values, strict=True))


def _strength_values(m: re.Match) -> list[str]:
    """"5-325 MG" -> ["5 mg", "325 mg"]; "25 MG/ML" -> ["25 mg/mL"]."""
    unit = _strength_unit(m)
    return [f"{v} {unit}" for v in re.split(r"\s*[-/]\s*", m.group("values"))]


def _strength_unit(m: re.Match) -> str:
    unit, per = _unit(m.group("unit")), m.group("per")
    if not per:
        return unit
    number = re.match(_NUM, per)
    per_unit = _unit(per[number.end():].strip() if number else per)
    return f"{unit}/{number.group()} {per_unit}" if number else f"{unit}/{per_unit}"


def _unit(text: str) -> str:
    text = fold(text)
    return _UNIT_SHOWN.get(text, text)


def _normal_case(text: str, strengths: list[re.Match], matches: list[_Match]) -> str:
    """The entry in normal case: EHR capitals ("LORazepam", "ORAL TABLET", "MG") lowered,
    brand names capitalised, strengths in their usual units."""
    brands = {w.start: m.brand for m in matches for w in m.words}
    out, at = [], 0
    spans = sorted([(m.start(), m.end(), _strength_text(m)) for m in strengths] +
                   [(w.start(), w.end(), _normal_word(w.group(), brands.get(w.start())))
                    for w in _TOKEN.finditer(_blank(text, strengths))
                    if not w.group()[0].isdigit() and not w.group().startswith("#")])
    for start, end, replacement in spans:
        out += [text[at:start], replacement]
        at = end
    return "".join(out + [text[at:]])


def _strength_text(m: re.Match) -> str:
    values = re.sub(r"\s+", "", m.group("values"))
    return f"{values} {_strength_unit(m)}"


def _normal_word(word: str, brand: bool | None) -> str:
    """One word in normal case: brands capitalised, tall-man and shouting lowered."""
    folded = fold(word)
    if brand:
        shouted = word.isupper() and len(word) > 3 or _tall_man(word)
        return folded[:1].upper() + folded[1:] if shouted else word
    if folded in _KEEP_CAPS and word.isupper():
        return word if folded != "hcl" else "HCl"
    if brand is False or folded in NOISE or folded in SALTS or _tall_man(word):
        return _UNIT_SHOWN.get(folded, folded)
    if word.isupper() and len(word) > 3:
        return folded
    return word


def _tall_man(word: str) -> bool:
    """"oxyCODONE", "LORazepam", "hydrOXYzine": two capitals in a row beside lower case."""
    return bool(re.search(r"[A-Z]{2}", word)) and any(c.islower() for c in word)

