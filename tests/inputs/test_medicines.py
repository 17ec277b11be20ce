"""Medicine recognition: EHR strings, strengths, combinations, brands; no look-alike matches."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from handouts.inputs.vocabulary import VOCABULARY, Vocabulary
from handouts.library.load import open_library
from tests.conftest import FIXTURES

HELD_OUT = yaml.safe_load((FIXTURES / "medicines" / "held-out.yaml").read_text())


def recognise(entry: str):
    return open_library().drugs.recognise(entry)


@pytest.mark.parametrize(("entry", "expected"), HELD_OUT, ids=[e for e, _ in HELD_OUT])
def test_held_out_list(entry, expected):
    found = recognise(entry)
    if isinstance(expected, list):
        assert sorted(found.sections) == sorted(expected)
        assert found.unrecognised == ()
    else:
        assert found.outcome == expected
        assert found.sections == ()


def test_held_out_list_covers_every_section_widely():
    sections = [s for _, expected in HELD_OUT if isinstance(expected, list) for s in expected]
    assert len(HELD_OUT) >= 150
    assert {s: sections.count(s) >= 5 for s in open_library().comedication_ids} == \
        dict.fromkeys(open_library().comedication_ids, True)


@pytest.mark.parametrize(("entry", "doses"), [
    ("24 HR selegiline 0.25 MG/HR Transdermal System", {"selegiline": "0.25 mg/hr"}),
    ("0.4 ML naloxone hydrochloride 25 MG/ML Auto-Injector", {"naloxone": "25 mg/mL"}),
    ("buprenorphine / naloxone 8 MG / 2 MG Sublingual Film",
     {"buprenorphine": "8 mg", "naloxone": "2 mg"}),
    ("hydrocodone / acetaminophen 5 MG / 325 MG",
     {"hydrocodone": "5 mg", "acetaminophen": "325 mg"}),
    ("oxyCODONE-acetaminophen 5-325 MG tablet", {"oxycodone": "5 mg", "acetaminophen": "325 mg"}),
    ("acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet",
     {"acetaminophen": "325 mg", "oxycodone": "5 mg"}),
    ("sertraline 100 mg/5 mL oral solution", {"sertraline": "100 mg/5 mL"}),
    ("Zoloft 50mg qd", {"sertraline": "50 mg"}),
    # no certain pairing: no dose at all
    ("Suboxone 8 mg/2 mg", {"buprenorphine": None, "naloxone": None}),
    ("Percocet 5-325", {"oxycodone": None, "acetaminophen": None}),
    ("lorazepam 0.5-1 mg prn", {"lorazepam": None}),
    ("amphetamine aspartate 5 MG / amphetamine sulfate 5 MG / dextroamphetamine saccharate 5 MG"
     " / dextroamphetamine sulfate 5 MG Oral Tablet", {"amphetamine": None,
                                                        "dextroamphetamine": None}),
    ("Xyzzy / sertraline 10 MG / 50 MG", {"sertraline": None}),
    ("lorazepam / Xyzzy 5 mg", {"lorazepam": None}),
    ("Xyzzy 5 mg / lorazepam 0.5 mg", {"lorazepam": None}),
    ("Zoloft 50 mg for mood swings", {"sertraline": "50 mg"}),
    # mixed amphetamine salts: 20 mg is the mixture, never amphetamine's alone
    ("Adderall XR 20 mg", {"dextroamphetamine": None, "amphetamine": None}),
    ("Mydayis 25 mg", {"dextroamphetamine": None, "amphetamine": None}),
])
def test_doses_pair_with_their_ingredient_or_are_left_out(entry, doses):
    found = recognise(entry)
    assert {i.name: i.dose for i in found.ingredients} == doses


@pytest.mark.parametrize(("entry", "shown"), [
    ("LORazepam 0.5 MG Oral Tablet", "lorazepam 0.5 mg oral tablet"),
    ("ZOLOFT 100 MG TABLET", "Zoloft 100 mg tablet"),
    ("oxyCODONE-acetaminophen 5-325 MG tablet", "oxycodone-acetaminophen 5-325 mg tablet"),
    ("0.4 ML naloxone hydrochloride 25 MG/ML Auto-Injector",
     "0.4 mL naloxone hydrochloride 25 mg/mL auto-injector"),
    ("MS Contin 15 MG", "MS Contin 15 mg"),
    ("OxyContin 10 mg", "OxyContin 10 mg"),
    ("Seroquel XR 300 mg", "Seroquel XR 300 mg"),
    ("sertraline 50 mg daily", "sertraline 50 mg daily"),
])
def test_ehr_capitals_print_in_normal_case(entry, shown):
    assert recognise(entry).shown == shown


@pytest.mark.parametrize("entry", ["24 HR selegiline 0.25 MG/HR Transdermal System",
                                   "sertraline 100 mg/5 mL", "fentanyl 25 MCG/HR patch",
                                   "naloxone 4 MG/ACTUAT Nasal Spray"])
def test_a_unit_slash_is_never_an_ingredient_separator(entry):
    found = recognise(entry)
    assert len(found.ingredients) == 1 and found.unrecognised == ()


@pytest.mark.parametrize("entry", ["lisinopril 10 mg", "methyldopa 250 mg", "metformin",
                                   "lithiumx", "sertaline 50mg", "methylphenidatex"])
def test_look_alikes_never_imply_a_section(entry):
    assert recognise(entry).sections == ()


def test_known_medicines_outside_every_section_are_told_apart_from_unknown_names():
    assert recognise("metoprolol 25 mg").outcome == "known"
    assert recognise("lisinopril 10 mg").outcome == "known"
    assert recognise("sertaline 50 mg").outcome == "unrecognised"
    assert recognise("sertaline 50 mg").unrecognised == ("sertaline",)


def test_ketamine_and_esketamine_are_the_treatment_not_unknown():
    for entry in ("ketamine", "Spravato 56 mg", "esketamine 28 MG Nasal Spray"):
        found = recognise(entry)
        assert found.outcome == "treatment" and found.known and found.sections == ()


def test_partly_known_combination_reports_the_unknown_part_without_its_dose():
    found = recognise("Xyzzy 10 mg / sertraline 50 mg")
    assert found.sections == ("ssri-snri",)
    assert found.unrecognised == ("Xyzzy",)
    assert not found.known


# ---- property tests over generated RxNorm-shaped strings ---------------------------------

INGREDIENTS = {"sertraline": "ssri-snri", "bupropion": "other-antidepressants",
               "lithium": "lithium", "lamotrigine": "mood-stabilizers",
               "quetiapine": "antipsychotics", "lorazepam": "benzodiazepines",
               "methylphenidate": "stimulants", "oxycodone": "opioids",
               "naloxone": "opioids", "selegiline": "maoi", "acetaminophen": None,
               "lisinopril": None}
SALTS = ["", " hydrochloride", " sulfate", " maleate", " tartrate"]
UNITS = ["MG", "MCG", "mg", "MG/ML", "MG/HR", "mg/5 mL", "MEQ", "MG/ACTUAT"]
FORMS = ["Oral Tablet", "Oral Capsule", "Extended Release Oral Tablet", "Sublingual Film",
         "Transdermal System", "Auto-Injector", "Oral Solution", "Nasal Spray", ""]
PREFIXES = ["", "24 HR ", "12 HR ", "0.4 ML ", "72 HR "]


def tall_man(name: str, draw) -> str:
    """Some EHRs capitalise part of a name ("oxyCODONE"); some shout the whole string."""
    start = draw(st.integers(0, len(name) - 2))
    end = draw(st.integers(start + 2, len(name)))
    return name[:start] + name[start:end].upper() + name[end:]


@st.composite
def rxnorm_strings(draw):
    names = draw(st.lists(st.sampled_from(sorted(INGREDIENTS)), min_size=1, max_size=3,
                          unique=True))
    doses = [draw(st.sampled_from(["0.25", "5", "8", "25", "50", "325", "1.5", "100"]))
             for _ in names]
    unit = draw(st.sampled_from(UNITS))
    written = [tall_man(n, draw) if draw(st.booleans()) else n for n in names]
    written = [w + draw(st.sampled_from(SALTS)) for w in written]
    style = draw(st.sampled_from(["interleaved", "grouped", "hyphen"])) if len(names) > 1 \
        else "interleaved"
    if style == "interleaved":
        body = " / ".join(f"{w} {d} {unit}" for w, d in zip(written, doses, strict=True))
    elif style == "grouped":
        body = " / ".join(written) + " " + " / ".join(f"{d} {unit}" for d in doses)
    else:
        body = "-".join(w.split()[0] for w in written) + " " + "-".join(doses) + " " + \
            unit.split("/")[0]
    text = draw(st.sampled_from(PREFIXES)) + body + " " + draw(st.sampled_from(FORMS))
    if draw(st.integers(0, 9)) == 0:
        text = text.upper()
    return text.strip(), names, doses, unit, style


@settings(max_examples=300, deadline=None)
@given(rxnorm_strings())
def test_generated_rxnorm_strings_imply_exactly_their_sections(case):
    text, names, _, _, _ = case
    found = recognise(text)
    assert [i.name for i in found.ingredients] == names
    assert set(found.sections) == {INGREDIENTS[n] for n in names} - {None}
    assert found.unrecognised == ()


@settings(max_examples=300, deadline=None)
@given(rxnorm_strings())
def test_generated_doses_are_right_or_absent(case):
    text, names, doses, unit, style = case
    found = recognise(text)
    shown_unit = unit if style != "hyphen" else unit.split("/")[0]
    for ingredient, dose in zip(found.ingredients, doses, strict=True):
        if ingredient.dose is not None:
            assert ingredient.dose.split()[0] == dose
            assert ingredient.dose.split(" ", 1)[1].casefold() == \
                shown_unit.casefold().replace("actuat", "actuation")


@settings(max_examples=200, deadline=None)
@given(rxnorm_strings())
def test_shown_text_has_no_ehr_capitals(case):
    text = case[0]
    shown = recognise(text).shown
    for word in shown.replace("/", " ").replace("-", " ").split():
        assert not (word.isupper() and len(word) > 3), shown


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcdeMGml/-+ ,.#0123456789xXμ%&()[]éHR")),
               max_size=60) | st.text(max_size=80))
def test_any_text_is_read_without_failing(text):
    found = recognise(text)
    assert isinstance(found.shown, str)
    assert found.known or found.unrecognised or not found.ingredients


# ---- the vocabulary --------------------------------------------------------------------


def test_binary_search_finds_every_name_and_nothing_else():
    vocabulary = Vocabulary.read()
    names = list(vocabulary.entries)
    for name in names[::97] + names[:3] + names[-3:]:
        assert vocabulary.lookup(name)[0] == vocabulary.entries[name]
    for missing in ("", "a", "zzzzzz", "sertralin", "sertraline x", names[0][:-1]):
        assert vocabulary.lookup(missing) is None


def test_vocabulary_header_names_its_source_and_licences():
    header = VOCABULARY.read_text().split("\n# columns")[0]
    for needed in ("drug-named-entity-recognition", "MIT", "DrugBank", "CC0", "MeSH",
                   "Wikipedia", "CC BY-SA"):
        assert needed in header


def test_vocabulary_is_what_the_generator_makes():
    pytest.importorskip("drug_named_entity_recognition")
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run([sys.executable, str(ROOT / "tools" / "make_vocabulary.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
