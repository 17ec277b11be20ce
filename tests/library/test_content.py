"""What the every-topic handouts tell their readers, read back from the built PDFs."""

from __future__ import annotations

import pytest

from handouts.outputs.build import BuildOptions, build
from tests.conftest import SPECS, pdf_text


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    out = tmp_path_factory.mktemp("everything")
    return {audience: pdf_text(build(SPECS / f"everything-{audience}.yaml",
                                     BuildOptions(out_dir=out)).path)
            for audience in ("patient", "clinician")}


@pytest.mark.parametrize("fact", [
    # staff watch breathing, with a pulse oximeter, until the effects have passed
    "Spravato can also slow your breathing.",
    "staff check your breathing with a pulse oximeter, a small clip on your finger.",
    "at least 2 hours, and until the sleepiness, the strange feelings and any slow breathing "
    "have passed.",
    # who must not take Spravato
    "Who must not take Spravato.",
    "An aneurysm, which is a bulge in the wall of a blood vessel, in your chest, belly, brain, "
    "arms or legs.",
    "An arteriovenous malformation (AVM), a tangle of blood vessels.",
    "Bleeding in the brain, now or in the past.",
    "An allergy to esketamine, ketamine or anything else in the spray.",
    # pregnancy and breastfeeding
    "It is not recommended while you are pregnant.",
    "If you become pregnant, tell the person who prescribes your Spravato right away.",
    "Breastfeeding is not recommended while you use Spravato.",
    # a safe default after IV ketamine
    "After IV ketamine, have someone else drive you home. Do not drive until your clinic says "
    "it is safe.",
    # misuse said so a patient knows what to do
    "Do not use ketamine outside your treatment.",
    "Tell your care team if you have cravings for it",
])
def test_the_patient_handout_says_it_plainly(everything, fact):
    assert fact in everything["patient"]


def test_the_patient_handout_says_never_stop_a_medicine_once(everything):
    text = everything["patient"]
    assert text.count("on your own") == 1
    assert "Your other medicines" in text
    assert "ask your clinic when it is safe" not in text.lower()


@pytest.mark.parametrize("fact", [
    "until sedation, dissociation and respiratory depression have resolved",
    "pulse oximeter",
    "aneurysmal vascular disease (including thoracic and abdominal aorta, intracranial and "
    "peripheral arterial vessels)",
    "history of intracerebral hemorrhage",
    "not recommended in pregnancy",
    "a pregnancy registry exists",
    "These attenuation signals come from IV racemic ketamine",
    "26 medication-free TRD patients",
    "twice-weekly oral esketamine",
    "no clinically significant hypertensive crisis",
    "names amphetamines, methylphenidate, modafinil and armodafinil",
])
def test_the_clinician_summary_has_the_current_label_and_populations(everything, fact):
    assert fact in everything["clinician"]
