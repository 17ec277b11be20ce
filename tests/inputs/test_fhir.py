"""FHIR import: R4 examples and a Synthea-style bundle become the same patient.medications."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from handouts.doors.cli import main
from handouts.errors import SpecError
from handouts.inputs.fhir import read_medications
from handouts.outputs.build import BuildOptions, build
from tests.conftest import FIXTURES, pdf_text

FHIR = FIXTURES / "fhir"
BUNDLE = FHIR / "synthea-style-bundle.json"
TAKEN = ("sertraline 50 MG Oral Tablet", "buprenorphine 8 MG / naloxone 2 MG Sublingual Film",
         "Ativan 0.5 mg prn", "lisinopril 10 MG Oral Tablet",
         "24 HR selegiline 0.25 MG/HR Transdermal System")


def test_bundle_takes_current_medicines_in_order_and_counts_the_rest():
    found = read_medications(BUNDLE)
    assert found.entries == TAKEN
    assert found.skipped == {"stopped": 1, "completed": 1, "entered-in-error": 1}
    assert found.summary() == ("--fhir: took 5 medicines (1 on hold), skipped 3 (1 completed, "
                               "1 entered-in-error, 1 stopped)")


@pytest.mark.parametrize(("name", "entry"), [
    ("medicationstatementexample1.json", "Tylenol PM"),  # contained Medication, NDC coding
    ("medicationrequest0302.json", "Azithromycin 250mg capsule (product)"),  # SNOMED only
])
def test_fhir_published_examples(name, entry):
    assert read_medications(FHIR / name).entries == (entry,)


def test_a_list_of_resources_and_the_rxnorm_display_first(tmp_path):
    statement = json.loads((FHIR / "medicationstatementexample1.json").read_text())
    request = {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
               "subject": {"reference": "Patient/1"},
               "medicationCodeableConcept": {
                   "text": "Zoloft", "coding": [
                       {"system": "http://snomed.info/sct", "code": "1", "display": "other"},
                       {"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                        "code": "312940", "display": "sertraline 50 MG Oral Tablet"}]}}
    stopped = dict(request, status="stopped")
    path = tmp_path / "list.json"
    path.write_text(json.dumps([statement, request, stopped]))
    found = read_medications(path)
    assert found.entries == ("Tylenol PM", "sertraline 50 MG Oral Tablet")
    assert found.skipped == {"stopped": 1}


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    ('{"resourceType": "Patient", "id": "x"}', "expected a FHIR Bundle"),
    ('{"resourceType": "MedicationRequest", "status": "active", "intent": "order", '
     '"subject": {"reference": "Patient/1"}, "medicationCodeableConcept": {"text": "Zoloft"}, '
     '"dosage": "Jane Doe"}', "not a valid FHIR R4 MedicationRequest"),
])
def test_bad_files_are_refused_without_their_content(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SpecError) as info:
        read_medications(path)
    text = str(info.value)
    assert message in text and "--fhir" in text
    assert "Zoloft" not in text and "Jane" not in text


def test_fhir_bundle_builds_the_same_bytes_as_the_list_typed_by_hand(tmp_path, write_spec):
    spec = write_spec("title: T\ntopics: [side-effects]\ndate: 2026-11-20\n"
                      "patient:\n  name: Pat Q\n")
    by_hand = build(spec, BuildOptions(out_dir=tmp_path / "a", medications=TAKEN))
    from_fhir = build(spec, BuildOptions(out_dir=tmp_path / "b", fhir=BUNDLE))
    assert from_fhir.path.read_bytes() == by_hand.path.read_bytes()
    assert from_fhir.notes == ("--fhir: took 5 medicines (1 on hold), skipped 3 (1 completed, "
                               "1 entered-in-error, 1 stopped)",)
    text = pdf_text(from_fhir.path)
    assert "Ketamine with opioids" in text and "Ketamine with MAO inhibitors" in text
    assert "buprenorphine 8 mg: opioid or opioid blocker" in text
    assert "naloxone 2 mg: opioid or opioid blocker" in text


def test_cli_build_and_batch_take_fhir(tmp_path, write_spec):
    spec = write_spec("title: T\ntopics: [side-effects]\n")
    runner = CliRunner()
    built = runner.invoke(main, ["build", str(spec), "-o", str(tmp_path / "o"),
                                 "--fhir", str(BUNDLE)])
    assert built.exit_code == 0, built.output
    assert "--fhir: took 5 medicines (1 on hold), skipped 3" in built.output
    for entry in TAKEN:
        assert entry not in built.output
    batch = runner.invoke(main, ["batch", str(spec), "-o", str(tmp_path / "b"), "-j", "1",
                                 "--fhir", str(BUNDLE)])
    assert batch.exit_code == 0, batch.output
    assert "1 built" in batch.output
    assert "Ketamine with opioids" in pdf_text(tmp_path / "b" / "default" / "handout.pdf")
    manifest = (tmp_path / "b" / "manifest.json").read_text()
    assert "sertraline" not in manifest and BUNDLE.name not in manifest


def test_fhir_is_imported_only_when_used():
    import subprocess
    import sys

    code = ("import sys; from handouts.outputs.build import build, BuildOptions; "
            "build(__import__('pathlib').Path('specs/tailored-leaflet.yaml'), "
            "BuildOptions(out_dir=__import__('pathlib').Path(sys.argv[1]))); "
            "print('fhir.resources' in sys.modules, 'drug_named_entity_recognition' in "
            "sys.modules)")
    import tempfile

    out = subprocess.run([sys.executable, "-c", code, tempfile.mkdtemp()], capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_meds_command_reports_each_entry_on_stdout_only():
    result = CliRunner().invoke(main, [
        "meds", "Zoloft 50mg qd, oxyCODONE-acetaminophen 5-325 MG tablet, metoprolol, "
        "sertaline, Spravato 56 mg"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "1. Zoloft 50 mg qd" in out
    assert "sertraline 50 mg" in out and "ssri-snri" in out
    assert "oxycodone 5 mg" in out and "acetaminophen 325 mg" in out
    assert "known, not covered by these handouts" in out
    assert "not recognised" in out
    assert "the treatment these handouts are about" in out
    assert result.stderr == ""


def test_meds_command_reads_fhir_and_validates_entries():
    runner = CliRunner()
    result = runner.invoke(main, ["meds", "--fhir", str(BUNDLE)])
    assert result.exit_code == 0
    assert "5. 24 hr selegiline 0.25 mg/hr transdermal system" in result.stdout
    bad = runner.invoke(main, ["meds", "a, " + "b" * 201])
    assert bad.exit_code == 1 and "--meds entry 2" in bad.stderr
