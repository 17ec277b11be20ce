"""Clinical truth, issue 22: what a reader of the built handouts sees about the boxed warning,
the label's wording, and the sections for medicines that add sleepiness, act at the NMDA
receptor, or are nose sprays; and how a patient's medicine list reaches them."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from click.testing import CliRunner

from handouts.doors.cli import main
from handouts.library.check import check_library
from handouts.library.load import open_library
from handouts.outputs.build import BuildOptions, build
from tests.conftest import SPECS, body_text, pdf_text

NEW_SECTIONS = {
    "sedatives": "Ketamine with other medicines that cause sleepiness",
    "nmda-medicines": "Ketamine with medicines that act on the same receptor",
    "nasal-sprays": "Spravato with steroid or decongestant nose sprays",
}
SLEEPY = "Medicine that can cause sleepiness"
NMDA = "Medicine that acts on the same receptor as ketamine"
SLEEPY_ROW, NMDA_ROW = SLEEPY[0].lower() + SLEEPY[1:], NMDA[0].lower() + NMDA[1:]  # after ':'


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The every-topic handouts exactly as the specs ask for them."""
    out = tmp_path_factory.mktemp("shipped")
    return {audience: body_text(build(SPECS / f"everything-{audience}.yaml",
                                     BuildOptions(out_dir=out)).path)
            for audience in ("patient", "clinician")}


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    """The every-topic handouts with every co-medication section of the catalogue, new ones
    included (the shipped specs may not list them yet)."""
    folder = tmp_path_factory.mktemp("everything")
    library = open_library()
    texts = {}
    for audience in ("patient", "clinician"):
        spec = yaml.safe_load((SPECS / f"everything-{audience}.yaml").read_text())
        spec["comedications"] = list(dict.fromkeys(spec["comedications"]
                                                   + library.comedication_ids))
        path = folder / f"all-{audience}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        texts[audience] = body_text(build(path, BuildOptions(out_dir=folder / "out")).path)
    return texts


# ---- the boxed warning and the label's own words -----------------------------------------

def test_the_clinician_handout_names_respiratory_depression_in_the_boxed_warning(shipped):
    text = shipped["clinician"]
    assert ("The esketamine boxed warning names sedation, dissociation, respiratory "
            "depression, abuse and misuse, and suicidal thoughts and behaviors") in text
    assert "Boxed warning for esketamine, with sedation and dissociation" in text
    assert "REMS-targeted risk" not in text
    assert "Sedation and dissociation are boxed warnings" not in text
    assert "boxed warning covers sedation, dissociation, abuse" not in text


@pytest.mark.parametrize("fact", [
    # suicide: what the label says, and that the IV data are IV and short-term
    "effectiveness in preventing suicide or in reducing suicidal ideation or behavior has not "
    "been demonstrated",
    "not for use in place of hospitalization",
    "The IV ketamine data show a short-term reduction in ideation, not prevention of suicide",
    # contraindications in the label's words
    "aneurysmal vascular disease (including thoracic and abdominal aorta, intracranial and "
    "peripheral arterial vessels) or arteriovenous malformation",
    # pregnancy planning and stopping
    "consider pregnancy planning and prevention",
    "if pregnancy occurs, stop esketamine and counsel on the risk",
    # before the dose
    "No food for at least 2 h and no liquids for at least 30 min",
    "a nasal corticosteroid or nasal decongestant needed that day is given at least 1 h before",
    # psychosis and the Medication Guide's conditions
    "assess carefully before use and start only if the benefit outweighs the risk",
    "raised intracranial pressure and liver problems",
    # hypertensive emergency
    "hypertensive encephalopathy (sudden severe headache, visual disturbance, seizure, "
    "diminished consciousness, focal deficit)",
    # route-dependent CYP effects
    "raised exposure to oral S-ketamine 2.4-fold",
    "left Cmax unchanged and raised AUC by about 29%",
    # later relapses, naltrexone forms, SUSTAIN-3
    "5 of 8 eventually relapsed",
    "both with the monthly intramuscular naltrexone injection",
    "final results in 2025",
    # antipsychotic studies did not measure response; own blood-pressure warnings
    "measured psychosis-like effects and brain perfusion, not antidepressant response",
    "venlafaxine causes dose-related increases in blood pressure",
    "Bupropion carries its own blood-pressure warning",
    # which evidence the interaction review covered
    "did not cover SSRIs or SNRIs",
])
def test_the_clinician_handout_says_what_the_sources_say(everything, fact):
    assert fact in everything["clinician"]


def test_regulatory_facts_rest_on_the_label_not_trade_news(everything):
    for text in everything.values():
        assert "Becker" not in text
        assert "January 2025" not in text
        assert "brain and limb arteries" not in text


@pytest.mark.parametrize("fact", [
    "For depression with thoughts of suicide right now, it is used with an antidepressant pill.",
    "Ketamine acts on the glutamate system.",
    "For Spravato, studies have not shown that it prevents suicide.",
    "Spravato does not take the place of a hospital stay if you need one.",
    "If you could become pregnant, ask your care team about ways to prevent pregnancy while "
    "you use Spravato.",
    "Your care team will then stop Spravato and talk with you about the risks.",
    "With Spravato, do not eat for at least 2 hours before your dose.",
    "Do not drink anything for at least 30 minutes before it.",
    "On a Spravato day, use it at least 1 hour before your dose.",
    "A sudden change in how you see.",
    "A seizure.",
    "Weakness or numbness, mostly on one side of your body, or trouble speaking.",
    "In an AVM, arteries and veins are joined in an abnormal way.",
])
def test_the_patient_handout_says_it_plainly(everything, fact):
    assert fact in everything["patient"]


def test_the_patient_handout_never_says_spravato_alone_without_saying_for_what(everything):
    text = everything["patient"]
    said = "may be used alone or with an antidepressant pill"
    start = text.find(said)
    assert start != -1
    while start != -1:  # every time: for treatment-resistant depression only
        before = text[max(0, start - 80):start]
        assert "other treatments" in before or "For TRD" in before, before
        start = text.find(said, start + 1)
    assert text.count("on your own") == 1  # the one "Your other medicines" block


# ---- the new sections ------------------------------------------------------------------------

@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_every_new_section_is_printed(everything, audience):
    for title in NEW_SECTIONS.values():
        assert title in everything[audience]


@pytest.mark.parametrize("fact", [
    "This part is about medicines that can make you sleepy or slow your breathing.",
    "Benzodiazepines have their own part.",
    "Other sleep pills and sleep aids are in a different part.",
    "The FDA warns that gabapentin and pregabalin can cause serious breathing problems.",
    "Zuranolone has its own rule.",
    "This part is about medicines that act on the same part of the brain as ketamine.",
    "In Europe, the label for memantine says not to use it with ketamine, amantadine or "
    "dextromethorphan.",
    "If you need one of these sprays on the day of your Spravato dose, use it at least 1 hour "
    "before the dose.",
    "Some MAOIs are used for Parkinson's disease instead.",
    "But it is an antipsychotic as well.",
    "Some drugs for constipation block opioids, but mostly in the gut.",
])
def test_the_new_patient_passages_read_in_the_handout(everything, fact):
    assert fact in everything["patient"]


@pytest.mark.parametrize("fact", [
    "the caution rests on the label's CNS-depressant statement and on each medicine's own "
    "regulatory warning",
    "serious breathing difficulties in patients with respiratory risk factors",
    "Boxed warning for driving impairment from CNS depressant effects",
    "avoid concomitant NMDA antagonists such as amantadine, ketamine or dextromethorphan",
    "did not affect esketamine pharmacokinetics",
    "Zuranolone and brexanolone are now mapped to the section on other medicines that cause "
    "sleepiness",
    "have very limited ability to cross the blood-brain barrier",
    "contraindicated in patients using opioids or in acute opioid withdrawal",
])
def test_the_new_clinician_passages_read_in_the_handout(everything, fact):
    assert fact in everything["clinician"]


def test_new_patient_passages_read_at_grade_8_or_below():
    report = check_library(open_library(), dt.date(2026, 12, 1))
    grades = {g.file.rsplit("/", 1)[-1]: g.grade for g in report.grades}
    for ident in NEW_SECTIONS:
        assert grades[f"{ident}.md"] <= 8, ident


# ---- a patient's medicine list reaches the sections ------------------------------------------

@pytest.mark.parametrize(("entry", "sections"), [
    ("gabapentin 300 mg", ("sedatives",)),
    ("Horizant 600 mg", ("sedatives",)),
    ("Lyrica 75 mg", ("sedatives",)),
    ("Benadryl 25 mg", ("sedatives",)),
    ("ZzzQuil", ("sedatives",)),
    ("Belsomra 10 mg", ("sedatives",)),
    ("Quviviq 25 mg", ("sedatives",)),
    ("Flexeril 10 mg", ("sedatives",)),
    ("Soma 350 mg", ("sedatives",)),
    ("Xyrem", ("sedatives",)),
    ("Zurzuvae 50 mg", ("sedatives",)),
    ("brexanolone", ("sedatives",)),
    ("zolpidem 5 mg", ("benzodiazepines",)),
    ("Namenda 10 mg", ("nmda-medicines",)),
    ("amantadine 100 mg", ("nmda-medicines",)),
    ("Robitussin DM", ("nmda-medicines",)),
    ("Lybalvi 10-10 mg", ("antipsychotics", "opioids")),
])
def test_medicines_reach_their_sections(entry, sections):
    assert open_library().drugs.recognise(entry).sections == sections


def test_auvelity_reaches_both_of_its_sections():
    found = open_library().drugs.recognise("Auvelity 45-105 mg")
    assert set(found.sections) == {"nmda-medicines", "other-antidepressants"}


def test_caffeine_is_known_never_unrecognised():
    drugs = open_library().drugs
    for entry in ("caffeine 200 mg", "butalbital / acetaminophen / caffeine / codeine "
                  "50-300-40-30 MG Oral Capsule", "Fioricet", "Fiorinal"):
        found = drugs.recognise(entry)
        assert found.known and not found.unrecognised, entry
        assert "caffeine" in [i.name for i in found.ingredients], entry


def test_an_inhaled_steroid_never_reaches_the_nose_spray_section():
    drugs = open_library().drugs
    for entry in ("fluticasone 250 MCG/ACTUAT Metered Dose Inhaler", "budesonide 9 mg capsule",
                  "triamcinolone 0.1 % cream"):
        assert "nasal-sprays" not in drugs.recognise(entry).sections, entry


def test_a_nasal_steroid_or_decongestant_reaches_the_nose_spray_section():
    drugs = open_library().drugs
    for entry in ("Flonase nasal spray", "fluticasone 50 MCG/ACTUAT Nasal Spray", "Afrin"):
        assert "nasal-sprays" in drugs.recognise(entry).sections, entry


@pytest.fixture(scope="module")
def tailored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tailored")
    spec = folder / "tailored.yaml"
    spec.write_text(
        "title: Your ketamine treatment and your medicines\naudience: patient\n"
        "topics: [what-to-expect]\npatient:\n  name: Test Person\n  medications:\n"
        "    - gabapentin 300 mg three times daily\n    - Auvelity 45-105 mg twice daily\n"
        "    - butalbital / acetaminophen / caffeine 50-325-40 MG Oral Tablet\n",
        encoding="utf-8")
    return pdf_text(build(spec, BuildOptions(out_dir=folder / "out")).path)


def test_the_tailored_medicines_table_shows_the_new_sections(tailored):
    assert f"gabapentin 300 mg: {SLEEPY_ROW}" in tailored
    assert f"dextromethorphan: {NMDA_ROW}" in tailored
    assert "bupropion: antidepressant (not an SSRI or SNRI)" in tailored
    assert f"butalbital 50 mg: {SLEEPY_ROW}" in tailored
    assert "caffeine 40 mg: not covered in this handout" in tailored
    assert "we do not know this name" not in tailored
    for ident in ("sedatives", "nmda-medicines", "other-antidepressants"):
        assert open_library().section(ident).front.title in tailored


def test_the_report_gives_the_new_sections_their_summaries(tmp_path):
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, [
        "report", "--meds", "gabapentin 300 mg, Auvelity 45-105 mg, Fioricet, Belsomra 10 mg",
        "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert f"{SLEEPY}: gabapentin (300 mg), butalbital, suvorexant (10 mg)" in text
    assert f"{NMDA}: dextromethorphan" in text
    assert "caffeine: known, not covered (manual review)" in text
    assert "FDA warns of serious breathing difficulties with other CNS depressants" in text
    assert "its EU label advises avoiding other NMDA antagonists, ketamine among them" in text
    assert "FDA warns about serious breathing problems with seizure and nerve pain medicines" \
        in text  # the reference list
