"""Each example of a whole EHR line that put a false row on a patient's page (issue 24), read
right: the medicine found, its instructions, dispense, route, indication and date text set
aside, and the chart's list split as the chart prints it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from handouts.doors.cli import read_meds
from handouts.inputs.chartlines import split_list
from handouts.library.load import open_library
from tests.conftest import ROOT


def read(entry: str):
    return open_library().drugs.recognise(entry)


@pytest.mark.parametrize(("line", "ingredients"), [
    ("sertraline (ZOLOFT) 50 MG tablet Take one (1) tablet by mouth daily.", ["sertraline"]),
    ("LORazepam (ATIVAN) 0.5 MG tablet Take 1 tablet (0.5 mg total) by mouth every 8 (eight) "
     "hours as needed for anxiety.", ["lorazepam"]),
    ("oxyCODONE (ROXICODONE) 5 MG tablet Take 1 tablet by mouth every 6 hours. Dispense: 12 "
     "(twelve) tablet", ["oxycodone"]),
    ("esketamine (SPRAVATO) 28 MG/DEVICE nasal spray 56 mg by Nasal route Administer in clinic",
     ["esketamine"]),
    ("1 ACTUAT loxapine 10 MG/ACTUAT Dry Powder Inhaler", ["loxapine"]),
    ("buPROPion (WELLBUTRIN XL) 150 MG 24 hr tablet Take 1 tablet by mouth daily. Indications: "
     "Depression", ["bupropion"]),
    ("traZODone (DESYREL) 50 MG tablet Dispense: 90 capsule. Refills: 1", ["trazodone"]),
    ("clonazePAM (KLONOPIN) 0.5 MG tablet Take 1 tablet by mouth 2 times daily. Patient taking "
     "differently: Take 0.5 mg by mouth nightly as needed", ["clonazepam"]),
    ("methylphenidate (RITALIN) 10 MG tablet Max daily dose: 30 mg. Earliest fill date: "
     "12/10/2026", ["methylphenidate"]),
])
def test_the_medicine_is_read_and_the_rest_of_the_line_set_aside(line, ingredients):
    found = read(line)
    assert [i.name for i in found.ingredients] == ingredients
    assert found.unrecognised == ()


def test_a_brand_is_never_found_inside_a_longer_hyphenated_name():
    found = read("carisoprodol-aspirin-codeine 200-325-16 MG per tablet")
    assert [i.name for i in found.ingredients] == ["carisoprodol", "aspirin", "codeine"]
    assert "opioids" in found.sections and "co codaprin" not in found.shown.lower()
    assert found.unrecognised == ()


def test_vitamin_d3_is_cholecalciferol_alone_and_caffeine_is_known():
    d3 = read("cholecalciferol (VITAMIN D3) 1,000 unit tablet Take 1 tablet by mouth daily.")
    assert [i.name for i in d3.ingredients] == ["cholecalciferol"]
    fioricet = read("butalbital-acetaminophen-caffeine (FIORICET) 50-325-40 MG per tablet")
    assert {i.name: i.outcome for i in fioricet.ingredients}["caffeine"] == "known"
    assert fioricet.unrecognised == ()


def test_a_pasted_list_is_read_one_medicine_a_line():
    pasted = ("Current Outpatient Medications:\n\n"
              "lisinopril (PRINIVIL,ZESTRIL) 10 MG tablet\n"
              "  Take 1 tablet by mouth daily.\n"
              "cholecalciferol (VITAMIN D3) 1,000 unit tablet\n")
    entries = split_list(pasted)
    assert entries == ("lisinopril (PRINIVIL,ZESTRIL) 10 MG tablet",
                       "Take 1 tablet by mouth daily.",
                       "cholecalciferol (VITAMIN D3) 1,000 unit tablet")
    assert [read(e).set_aside for e in entries] == [False, True, False]
    assert read_meds(pasted) == entries  # --meds reads a paste as the web form does
    assert split_list("Zoloft 50 mg, Ativan 0.5 mg prn") == ("Zoloft 50 mg",
                                                             "Ativan 0.5 mg prn")


def run(*args: str, stdin: str | None = None, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "handouts", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_meds_reads_standard_input_and_a_file(tmp_path):
    pasted = "Medications:\n- Zoloft 50 mg daily\n- Take 1 tablet daily.\n- Ativan 0.5 prn\n"
    from_stdin = run("meds", "-", stdin=pasted)
    (tmp_path / "list.txt").write_text(pasted)
    from_file = run("meds", "--meds-file", str(tmp_path / "list.txt"))
    assert from_stdin.returncode == from_file.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout
    assert "3 entries: 2 covered, 1 set aside" in from_stdin.stdout


def test_meds_counts_names_not_recognised_and_says_one_entry():
    one = run("meds", "lorazepam 1 mg")
    assert "1 entry: 1 covered" in one.stdout
    assert "covered: benzodiazepine or sleeping pill" in one.stdout  # lower case after ':'
    mixed = run("meds", "xyzzy 10 mg / sertraline 50 mg, qwertol 5 mg, blorbex 2 mg")
    assert "3 entries: 1 covered, 2 with no name recognised; 3 names not recognised" \
        in mixed.stdout


@pytest.mark.parametrize("entry", ["*Ativan 0.5 mg prn (new)", "&Zoloft 50 mg"])
def test_a_yaml_marker_before_a_medicine_is_refused_quoting_nothing(tmp_path, entry):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"title: T\ntopics: [side-effects]\npatient:\n  medications:\n"
                    f"    - sertraline 50 mg\n    - {entry}\n")
    result = run("build", str(spec), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"s.yaml:6: patient.medications entry 2 starts with '{entry[0]}'" in result.stderr
    assert "Ativan" not in result.stderr and "Zoloft" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_report_names_a_medicine_charted_twice_once():
    found = [read(e) for e in ("Zoloft 50 mg", "sertraline 50 MG tablet", "sertraline 100 mg")]
    from handouts.assemble.report import patient_names
    assert patient_names([i for f in found for i in f.ingredients]) == "sertraline (50 mg, 100 mg)"


def test_fhir_on_hold_and_draft_orders_are_counted(tmp_path):
    def request(status: str, name: str) -> dict:
        return {"resource": {"resourceType": "MedicationRequest", "status": status,
                             "intent": "order", "subject": {"reference": "Patient/1"},
                             "medicationCodeableConcept": {"text": name}}}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        request("active", "sertraline 50 mg"), request("on-hold", "lorazepam 1 mg"),
        request("draft", "lithium 300 mg")]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    result = run("meds", "--fhir", str(path))
    assert "took 2 medicines (1 on hold), skipped 1 (1 draft)" in result.stdout
    assert "lithium" not in result.stdout
