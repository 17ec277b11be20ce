"""What a new user trips over: site fields, colour advice, messages and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from PIL import Image

from handouts.doors.cli import main
from handouts.render.printcheck import brand_problems, checks, printed, suggest
from tests.conftest import SPECS, pdf_text


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


# ---- colours -----------------------------------------------------------------------------


@pytest.mark.parametrize("primary, accent", [
    ("#808080", "#7F7F7F"), ("#A8431A", "#E0A040"), ("#B35C00", "#F5A623"),
    ("#FFFF00", "#FFFF00"), ("#1F4E79", "#2E6B4F"), ("#000000", "#000000"),
])
def test_every_colour_warning_offers_the_same_pair_and_it_passes(primary, accent):
    problems = brand_problems(primary, accent)
    assert problems
    hints = {hint for _, _, hint in problems}
    assert len(hints) == 1  # one piece of advice, never "lighter" here and "darker" there
    good = suggest(primary, accent)
    assert f'primary "{good[0]}", accent "{good[1]}"' in hints.pop()
    assert all(c.passed for c in checks(*good))
    assert brand_problems(*good) == []


def test_a_darker_shade_is_named_only_when_it_differs():
    for _field, message, _ in brand_problems("#B35C00", "#F5A623"):
        if "prints this text in" in message:
            given = message.split(":")[0]
            shade = message.rsplit(" in ", 1)[1].split()[0]
            assert shade != given
    assert printed("#B35C00", "#F5A623")[1] != "#F5A623"


def test_the_colors_command_shows_checks_and_writes_a_swatch(tmp_path):
    out = tmp_path / "swatch.png"
    result = invoke("colors", "A8431A", "#e0a040", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "FAIL  note titles on their tinted box" in result.output
    assert "a pair that passes every check" in result.output
    with Image.open(out) as image:
        assert image.width > 500 and image.height > 400  # two pairs, each in colour and grey
    bad = invoke("colors", "red", "1F4E79")
    assert bad.exit_code == 2 and "is not a colour" in bad.output


def test_an_unquoted_colour_says_that_hash_starts_a_comment(tmp_path, build_spec):
    site = tmp_path / "site.yaml"
    site.write_text("name: X\ncolors:\n  primary: #A8431A\n  accent: blue\n")
    result = invoke("build", str(SPECS / "large-print.yaml"), "--site", str(site), "-o",
                    str(tmp_path / "o"))
    assert result.exit_code == 1
    assert f"{site}:3: colors.primary: is empty: in YAML a '#' starts a comment" in result.output
    assert "should be '#' and six hex digits, in quotes" in result.output
    assert "pattern" not in result.output


def test_an_unquoted_colour_inside_braces_is_found_on_its_own_line(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text('name: X\ncolors: {primary: #6B2D5C, accent: "#8A4B14"}\ncontact: {}\n')
    result = invoke("build", str(SPECS / "large-print.yaml"), "--site", str(site), "-o",
                    str(tmp_path / "o"))
    assert result.exit_code == 1
    assert f"{site}:2: not valid YAML" in result.output
    assert "in YAML a '#' starts a comment" in result.output


def test_text_a_hash_cuts_short_is_warned_about_without_quoting_it(tmp_path):
    """'Suite #200' and 'Tylenol #3' lose what follows ' #' (a YAML comment): warned, with
    the field and line, never the patient's text; a comment after two spaces is meant."""
    site = tmp_path / "site.yaml"
    site.write_text("name: Clinic #2\ncontact:\n  address: 410 Seaside Ave, Suite #200\n"
                    "  phone: 555-0100   # the main line\n")
    spec = tmp_path / "s.yaml"
    spec.write_text("title: Ketamine # 1\nsite: site.yaml\ntopics: [side-effects]  # one\n"
                    "patient:\n  name: Ana #Ruiz\n  medications:\n    - Tylenol #3\n"
                    "    - Zoloft 50 mg  # daily\n")
    result = invoke("build", str(spec), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0
    cut = [line for line in result.output.splitlines() if "is a YAML comment" in line]
    assert [line.split(": warning: ")[1].split(":")[0] for line in cut] == [
        "title", "patient.name", "patient.medications entry 1", "name", "contact.address"]
    assert "Ruiz" not in result.output and "Tylenol" not in result.output


# ---- site fields ------------------------------------------------------------------------


@pytest.mark.parametrize("line, printed_as", [
    ("crisis_line: 555-0111 (Northfield crisis team, 24 hours)",
     "call 555-0111 (Northfield crisis team, 24 hours), or call or text 988"),
    ("crisis_line: {number: (970) 555-0190, label: 'Mesa crisis line'}",
     "call (970) 555-0190 (Mesa crisis line), or call or text 988"),
])
def test_a_crisis_line_is_a_number_with_an_optional_label(tmp_path, build_spec, line,
                                                          printed_as):
    site = tmp_path / "site.yaml"
    site.write_text(f"name: X\n{line}\n")
    assert printed_as in pdf_text(build_spec("title: T\ntopics: [side-effects]\n",
                                             site=str(site)))


def test_a_sentence_is_not_a_crisis_line(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("name: X\ncrisis_line: Call or text 988, or call our after-hours line\n")
    result = invoke("build", str(SPECS / "large-print.yaml"), "--site", str(site), "-o",
                    str(tmp_path / "o"))
    assert result.exit_code == 1
    assert f"{site}:2: crisis_line: is not a phone number" in result.output


def test_schemas_for_editors():
    spec = json.loads(invoke("schema").output)
    assert "side-effects" in spec["properties"]["topics"]["items"]["enum"]
    assert "opioids" in spec["properties"]["comedications"]["items"]["enum"]
    site = json.loads(invoke("schema", "--site").output)
    assert site["title"] == "handouts site"
    assert {"name", "logo", "colors", "contact", "crisis_line", "footer_note", "library"} \
        <= set(site["properties"])


# ---- messages -----------------------------------------------------------------------------


def test_patient_fields_at_the_top_level_point_to_the_patient_block(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effects]\nname: Jane Doe\nmedications: [x]\n")
    result = invoke("build", str(spec), "-o", str(tmp_path / "o"))
    assert "name: is not a known field; 'name' belongs in the patient block" in result.output
    assert "comedications" not in result.output
    assert "Jane" not in result.output


def test_a_missing_site_file_is_placed_at_the_spec_line(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effects]\nsite: nowhere.yaml\n")
    result = invoke("build", str(spec), "-o", str(tmp_path / "o"))
    assert f"{spec}:3: site: site file" in result.output and "not found" in result.output


def test_a_list_item_swallowed_by_the_one_above_is_warned_about(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effects]\npatient:\n  medications:\n"
                      "    - Zoloft 50 mg\n      - Ativan 0.5 mg\n")
    result = invoke("build", str(spec), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0
    assert "patient.medications entry 1: this entry looks like several list items" in result.output
    assert "Ativan" not in result.output


def test_topics_swallowed_into_one_item_are_called_an_indentation_slip(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics:\n  - side-effects\n   - what-to-expect\n")
    result = invoke("build", str(spec), "-o", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "these look like 2 list items read as one" in result.output
    assert "did you mean" not in result.output  # a suggestion would drop side-effects


def test_a_misspelt_patient_field_gets_a_suggestion_but_never_its_key(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effects]\npatient:\n  medication: [x]\n"
                      "  Jane Doe: x\n")
    result = invoke("build", str(spec), "-o", str(tmp_path / "o"))
    assert "did you mean 'medications'?" in result.output and "Jane" not in result.output


def test_paper_and_audience_in_capitals_are_understood(build_spec):
    from pypdf import PdfReader

    path = build_spec("title: T\ntopics: [side-effects]\npaper: A4\naudience: Clinician\n")
    assert round(float(PdfReader(path).pages[0].mediabox.width)) == 595  # A4, not letter
    assert "Get help now" not in pdf_text(path)  # the clinician handout, not the patient's


def test_problems_are_listed_in_the_order_of_the_file(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effect]\npaper: tabloid\n")
    result = invoke("build", str(spec), "-o", str(tmp_path / "o"))
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert [line.split(":")[2] for line in lines] == ["2", "3"]


def test_a_yaml_indentation_error_names_the_likely_cause(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effects]\n  audience: patient\n")
    result = invoke("build", str(spec), "-o", str(tmp_path / "o"))
    assert result.exit_code == 1 and "indented" in result.output


def test_site_warnings_are_printed_once_per_run(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text('name: X\ncolors:\n  primary: "#1F4E79"\n  accent: "#2E6B4F"\n')
    specs = [str(SPECS / name) for name in ("large-print.yaml", "clinician-summary.yaml")]
    result = invoke("build", *specs, "--site", str(site), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0
    assert result.output.count("print as") + result.output.count("grey") == 1


def test_site_warnings_are_said_by_strict_builds_and_by_the_report(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text('name: X\ncolors:\n  primary: "#1F4E79"\n  accent: "#2E6B4F"\n')
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\nsite: site.yaml\ntopics: [side-effects]\npatient:\n"
                    "  medications: [Zoloft 50 mg, sertaline]\n")
    strict = invoke("build", str(spec), "--strict", "-o", str(tmp_path / "o"))
    assert strict.exit_code == 1 and "error: " in strict.output and "grey" in strict.output
    report = invoke("report", str(spec), "-o", str(tmp_path / "o" / "r.pdf"))
    assert report.exit_code == 0 and "grey" in report.output
    report = invoke("report", str(spec), "--strict", "-o", str(tmp_path / "o" / "r.pdf"))
    assert report.exit_code == 1
    assert "error: " in report.output and "warning: colors.accent" in report.output


def test_check_takes_a_folder_as_batch_does():
    result = invoke("check", str(SPECS))
    assert "6 specs" in result.output, result.output


def test_large_print_flag(tmp_path):
    result = invoke("build", str(SPECS / "clinician-summary.yaml"), "--large-print", "-o",
                    str(tmp_path))
    assert result.exit_code == 0
    from tests.pdfcheck import font_sizes

    sizes = font_sizes(tmp_path / "clinician-summary.pdf")
    assert max(sizes, key=sizes.get) >= 17.5


def test_a_closed_pipe_is_not_an_error():
    reader = subprocess.Popen([sys.executable, "-m", "handouts", "list", "references"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    reader.stdout.readline()
    reader.stdout.close()  # as `| head -1` does
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 0
    assert "internal error" not in err and "BrokenPipe" not in err


def test_a_bad_shard_is_a_usage_error():
    result = invoke("batch", str(SPECS), "--shard", "4/3")
    assert result.exit_code == 2 and "I must be between 1 and N" in result.output
