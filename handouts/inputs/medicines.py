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
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, NamedTuple

from handouts.inputs.chartlines import bracket_spans, name_part_end
from handouts.inputs.vocabulary import Vocabulary

Outcome = Literal["covered", "treatment", "known", "unrecognised", "set aside"]

_NUM = r"\d+(?:[.,]\d+)?"
_UNIT = r"mg|mcg|μg|ug|ng|g|gm|grams?|ml|l|meq|mmol|unt|units?|iu|%"
_PER = r"ml|l|hr|hrs|h|hours?|days?|actuat|actuations?|act|sprays?|doses?|g|gm|kg|cm2|scoop"
# A strength: "50mg", "0.25 MG/HR", "25 MG/ML", "100 mg/5 mL", "5-325 MG", "5/325 mg".
# The slash inside it is never an ingredient separator.
_STRENGTH = re.compile(
    rf"(?<![\w.])(?P<values>{_NUM}(?:\s*[-/]\s*{_NUM})*)\s*(?P<unit>{_UNIT})(?![^\W\d_])"
    rf"(?:\s*/\s*(?P<per>(?:{_NUM}\s*)?(?:{_PER}))(?![^\W\d_]))?", re.IGNORECASE)
# A word, a number, "#3" (Tylenol #3), or a vitamin's letter and number ("vitamin D3": D3
# is cholecalciferol, D2 ergocalciferol; "D" alone would be read as vitamin D).
_TOKEN = re.compile(r"#\d+|(?:(?<=vitamin )|(?<=vitamin-))[a-k]\d{1,2}(?!\d)|[^\W\d_]+"
                    r"|\d+(?:[.,]\d+)?", re.IGNORECASE)
_SEPARATOR = re.compile(r"[/+&,;]|-|\b(?:and|with|plus)\b", re.IGNORECASE)


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
    medicines sig disp qty refill pill pills eye eyes ear ears am
""".split())
# Words a chart prints in a medicine's name part that never name one: dose forms, devices
# and packaging, RxNorm's qualifiers ("Abuse-Deterrent", "Smoking Cessation", "3-Bead"),
# Epic's form codes ("TB24", "SpSn"), numbers in words ("one (1)"), list markers ("new").
# Unlike NOISE they are still looked up (a name may contain one); left over, they are set
# aside instead of being reported as a name not recognised.
SET_ASIDE = frozenset("""
    pm
    dry powder inhaler inhalant inhaled aerosol hfa mdi dpi nebulizer nebuliser nebule neb
    paste implant device devices pad pads medicated bead beads sensor abuse deterrent matrix
    delivery breath actuated smoking cessation pmdd dosing pack packs dose bottle bottles
    box tube tubes jar applicator applicators pump ring insert intrauterine vaginal otic
    ophthalmic shampoo foam wash enema douche mouthwash rinse gargle strip strips lozenges
    troche pellet pellets bar emulsion oil jet injector injectors needle needles pouch
    prefilled cartridges pens vials ampules ampoules packet packets sachet sachets inert
    ingredients ingredient mucosal chewing irrigation urethral ocular nasally rectally tb
    tbec tbcr tbdp cp cpdr cpep cpcr cpsp caps tabs susp soln sol inh inhl nebu aero aers
    spsn crea oint lotn ptch subl syr elix conc liqd pack pt td na ud zero one two three
    four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty ninety hundred thousand half
    quarter single double triple new old changed current currently continuing discontinued
    held hold refill refills prior visit outpatient inpatient home hospital only ed er icu
    otc rx med meds relief strength extra maximum regular original children childrens adult
    adults allergy allergies congestion sinus cold flu drug drugs diskus ellipta respimat
    handihaler flexhaler twisthaler pressair inhub aerolizer neohaler ij inj iv infusion
    infuse infused continuous over protocol bolus drip push minute minutes seconds breakfast
    lunch dinner supper meal meals snack wk wks mo medications file files prior visit
    encounter facility administered reviewed review patient pt changes list your these this
    no not none known nkda nka allergies start stop last on reported report dispense disp
    refill rfl qty quantity end date dates act op printed page aq aqua nostril nostrils nose
    into route en puff puffs what discharge active inactive completed stopped entered error
    draft intended unknown taken
""".split())
NOTE_WORDS = 3  # a line of this many unknown words, with no name and no dose, is a note
_NAME_LABEL = re.compile(r"^\s*(?:medications?|medicines?|drugs?|rx|meds?)\s*:\s*",
                         re.IGNORECASE)
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
               "actuat": "actuation", "act": "actuation", "gm": "g", "μg": "mcg", "ug": "mcg"}
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
        """No name in the entry went unrecognised (it may still be covered by no section,
        or be chart text that names no medicine at all)."""
        return not self.unrecognised

    @property
    def set_aside(self) -> bool:
        """Chart text that names no medicine ("Take 1 tablet daily.", "Refills: 1"): it
        gets no row on the page and no warning."""
        return not self.ingredients and not self.unrecognised

    @property
    def outcome(self) -> Outcome:
        """The row's outcome: covered if any ingredient is, else the first that applies."""
        if self.set_aside:
            return "set aside"
        outcomes = {i.outcome for i in self.ingredients}
        for outcome in ("covered", "treatment", "known"):
            if outcome in outcomes:
                return outcome
        return "unrecognised"


class Route(NamedTuple):
    """What an entry must say for a route-bound section to apply: one of these words
    ("nasal", "nostril", Epic's "NA"; capitals match as written) or one of these brands."""

    words: Iterable[str]
    brands: Iterable[str]


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
                 treatment: Iterable[str] = (), names: Mapping[str, tuple[str, ...]] = {},
                 routes: Mapping[str, Route] = {}):
        self.vocabulary = vocabulary
        self.sections = dict(sections)
        self.treatment = frozenset(treatment)
        self.names = {" ".join(name_words(n)): tuple(v) for n, v in names.items()}
        self.longest = max([vocabulary.longest, *(len(k.split()) for k in self.names)])
        self.routes = {section: Route(frozenset(w if w.isupper() else fold(w)
                                                for w in route.words),
                                      frozenset(" ".join(name_words(b)) for b in route.brands))
                       for section, route in routes.items()}

    def lookup(self, key: str) -> tuple[tuple[str, ...], bool] | None:
        """The ingredients a name stands for, and whether it is a brand name."""
        if key in self.names:
            return self.names[key], True
        return self.vocabulary.lookup(key)

    def outcome(self, ingredient: str, route: frozenset[str] = frozenset()
                ) -> tuple[Outcome, str | None]:
        """An ingredient's outcome; `route` holds the entry's words and the brands named
        in it, for a section that applies to one route only (nasal sprays)."""
        if ingredient in self.treatment:
            return "treatment", None
        section = self.sections.get(ingredient)
        needs = self.routes.get(section) if section else None
        if needs is not None and not (route & (needs.words | needs.brands)):
            return "known", None
        return ("covered", section) if section else ("known", None)

    def recognise(self, entry: str) -> Recognised:
        """Map one free-text entry; a combination maps each ingredient. Only the entry's
        name part is read for names (chartlines.py): its instructions, dispense, refill
        and indication text are set aside."""
        text = _NAME_LABEL.sub("", unicodedata.normalize("NFC", entry).strip())
        name_end, shown_end = name_part_end(text, self._starts_a_name)
        head = text[:name_end].rstrip(" ,;:.-")
        seen = text[:shown_end].rstrip(" ,;:.-")
        strengths = list(_STRENGTH.finditer(head))
        words = _words(_blank(head, strengths))
        matches, unmatched = self._scan(words, head)
        note = not strengths and sum(map(len, unmatched)) >= NOTE_WORDS
        unmatched = _reportable(unmatched, matches, head)
        names = _one_name_each(n for m in matches for n in m.ingredients)
        combined = bool(_SEPARATOR.search(_blank(head, strengths)))
        doses = _doses(matches, strengths, bool(unmatched) and combined)
        route = self._route_words(text, matches)
        ingredients = tuple(Ingredient(n, *self.outcome(n, route), dose=doses.get(n))
                            for n in names)
        shown = _normal_case(seen, list(_STRENGTH.finditer(seen)), matches) if seen else ""
        if not matches and (not unmatched or note):
            # Chart text with no name in it: an instruction line, a dose line, a heading
            # or a note ("This list was reviewed with the patient"). No row, no warning.
            return Recognised(entry, shown, (), ())
        unrecognised = tuple(" ".join(_normal_word(w.text, None) for w in run)
                             for run in _runs(unmatched, head))
        return Recognised(entry, shown, ingredients, unrecognised)

    def _starts_a_name(self, rest: str) -> bool:
        """Whether a medicine's name starts `rest` (after a comma in the entry)."""
        words = _words(_blank(rest, list(_STRENGTH.finditer(rest))))[:self.longest]
        return any(self.lookup(" ".join(w.key for w in words[:size]))
                   for size in range(len(words), 0, -1))

    def _route_words(self, text: str, matches: list[_Match]) -> frozenset[str]:
        """The entry's words (its instructions too: "2 sprays in each nostril") and the
        brand names found in it, for route-bound sections."""
        if not self.routes:
            return frozenset()
        tokens = [m.group() for m in _TOKEN.finditer(text)]
        written = {fold(t) for t in tokens} | {t for t in tokens if t.isupper()}  # Epic's "NA"
        brands = {" ".join(w.key for w in m.words) for m in matches if m.brand}
        return frozenset(written | brands | {w.key for m in matches if m.brand
                                             for w in m.words})

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
                if found and size > 1 and self._joins_names(words[i:i + size], text):
                    continue
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


    def _joins_names(self, words: Sequence[_Word], text: str) -> bool:
        """A longer name made of names a separator joins ("carisoprodol-aspirin-codeine"
        is not the UK brand co-codaprin): each part is a name of its own, so the parts
        are read one by one."""
        parts, current = [], [words[0]]
        for prev, word in zip(words, words[1:], strict=False):
            if _SEPARATOR.search(text[prev.end:word.start]):
                parts.append(current)
                current = []
            current.append(word)
        parts.append(current)
        return len(parts) > 1 and all(self.lookup(" ".join(w.key for w in part))
                                      for part in parts)


def _one_name_each(names: Iterable[str]) -> list[str]:
    """Each substance once: "fluticasone furoate-vilanterol (BREO ELLIPTA)" names
    fluticasone furoate, and the brand's fluticasone is the same one (an ester or salt
    named in full is the substance named short)."""
    kept: list[str] = []
    for name in names:
        if not any(name == k or name.startswith(k + " ") or k.startswith(name + " ")
                   for k in kept):
            kept.append(name)
    return kept


def _reportable(unmatched: list[list[_Word]], matches: list[_Match], head: str
                ) -> list[list[_Word]]:
    """The unmatched words that could be a medicine's name: not chart words (SET_ASIDE),
    not single letters, and not inside brackets after a name found ("estradiol
    (ESTRADERM)", "Ativan 0.5 mg prn (new)": a brand or a note about the same medicine)."""
    first = matches[0].words[0].start if matches else len(head)
    after_name = [(a, b) for a, b in bracket_spans(head) if a > first]
    out = []
    for run in unmatched:
        kept = [w for w in run if w.key not in SET_ASIDE and len(w.key) > 1
                and not any(a < w.start < b for a, b in after_name)]
        if kept:
            out.append(kept)
    return out


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

