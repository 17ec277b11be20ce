"""What a new user trips over: site fields, colour advice, messages and the command line."""

from __future__ import annotations

import colorsys
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
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
    ("#808080", "#7F7F7F"), ("#FFFF00", "#FFFF00"), ("#1F4E79", "#2E6B4F"),
    ("#000000", "#000000"), ("#4F81BD", "#E0A040"),
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


def _hue(color: str) -> float:
    return colorsys.rgb_to_hsv(*(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0]


def test_a_light_brand_colour_keeps_its_hue_for_text_and_its_own_colour_in_the_band(
        tmp_path, build_spec):
    """A new user's orange and yellow: nothing to change. Headings and note titles print in
    darker shades of the same hues; the band and its stripe keep the brand's colours."""
    assert brand_problems("#F28C28", "#FFD23F") == []
    assert suggest("#F28C28", "#FFD23F") == ("#F28C28", "#FFD23F")
    heading, note = printed("#F28C28", "#FFD23F")
    assert (heading, note) != ("#F28C28", "#FFD23F")
    assert abs(_hue(heading) - _hue("#F28C28")) < 0.01 and abs(_hue(note) - _hue("#FFD23F")) < 0.01
    site = tmp_path / "site.yaml"
    site.write_text('name: Oak Street Clinic\ncolors:\n  primary: "#F28C28"\n  accent: "#FFD23F"\n')
    page = pdfium.PdfDocument(build_spec("title: T\ntopics: [side-effects]\n",
                                         site=str(site)))[0]
    pixels = {color for _, color in page.render(scale=3).to_pil().convert("RGB").getcolors(10**6)}
    assert (0xF2, 0x8C, 0x28) in pixels and (0xFF, 0xD2, 0x3F) in pixels  # band, stripe


def test_the_colors_command_shows_checks_and_writes_a_swatch(tmp_path):
    out = tmp_path / "swatch.png"
    result = invoke("colors", "F28C28", "#ffd23f", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "pass  note titles on their tinted box: 4.65:1 in #826B20, a darker shade of " \
        "the same hue" in result.output
    assert "every check passes" in result.output
    with Image.open(out) as image:
        assert image.width > 500 and image.height > 200  # the pair, in colour and grey
    bad = invoke("colors", "red", "1F4E79")
    assert bad.exit_code == 2 and "is not a colour" in bad.output


def test_the_colors_command_fails_when_a_check_fails(tmp_path):
    result = invoke("colors", "777777", "7A7A7A", "-o", str(tmp_path / "s.png"))
    assert result.exit_code == 1
    assert "FAIL  the clinic's name on the header band" in result.output
    assert 'a pair that passes every check: primary "' in result.output
    assert (tmp_path / "s.png").is_file()  # the swatch shows both pairs all the same


def test_the_colour_warnings_command_can_be_pasted_into_a_shell(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text('name: X\ncolors:\n  primary: "#777777"\n  accent: "#7A7A7A"\n')
    result = invoke("build", str(SPECS / "large-print.yaml"), "--site", str(site), "-o",
                    str(tmp_path / "o"))
    assert result.exit_code == 0
    [command] = set(re.findall(r"\((handouts colors [^)]*) shows the checks\)", result.output))
    assert command == 'handouts colors "#777777" "#7A7A7A"'
    handouts = Path(sys.executable).parent / "handouts"
    pasted = subprocess.run(["bash", "-c", f"{command} -o s.png"], cwd=tmp_path, text=True,
                            capture_output=True, env={**os.environ, "PATH": f"{handouts.parent}:"
                                                      f"{os.environ['PATH']}"}, timeout=60)
    assert pasted.returncode == 1, pasted.stderr  # it ran, and a check fails
    assert "primary #777777, accent #7A7A7A:" in pasted.stdout


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


@pytest.mark.parametrize("line", ["crisis_line: 988", 'crisis_line: "988"',
                                  "crisis_line: 988 (Suicide & Crisis Lifeline)"])
def test_a_crisis_line_of_988_is_said_once(tmp_path, build_spec, line):
    """Unquoted, YAML reads 988 as a number: it is taken as written. And 988 is the line
    every box already gives, so the box does not say "call 988, or call or text 988"."""
    site = tmp_path / "site.yaml"
    site.write_text(f"name: X\n{line}\n")
    text = pdf_text(build_spec("title: T\ntopics: [side-effects]\n", site=str(site)))
    assert "yourself, call or text 988 any time, day or night" in text
    assert "call 988" not in text and "or call or text 988" not in text


def test_numbers_yaml_would_change_are_taken_as_written(tmp_path):
    """Phone numbers, names and notes written without quotes: as written, never as the
    number YAML makes of them (05550111 would be an octal number, 79 dropped its zero)."""
    site = tmp_path / "site.yaml"
    site.write_text("name: 1999\ncontact:\n  phone: 05550111\n  after_hours: 5550199\n"
                    "footer_note: yes\n")
    out = tmp_path / "o"
    result = invoke("build", str(SPECS / "large-print.yaml"), "--site", str(site), "-o",
                    str(out))
    assert result.exit_code == 0, result.output
    text = pdf_text(out / "large-print.pdf")
    assert "1999 · 05550111" in text and "call 5550199" in text and "yes" in text


def test_commas_inside_braces_are_explained_with_the_quoted_value(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("name: X\ncontact: {phone: 541-555-0100, address: 99 Oak St, Eugene, "
                    "OR 97401}\n")
    result = invoke("build", str(SPECS / "large-print.yaml"), "--site", str(site), "-o",
                    str(tmp_path / "o"))
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert line == (f"error: {site}:2: contact.address: a ',' inside {{ }} ends a value, so "
                    "this one was cut at its comma and the rest read as field names; put the "
                    'whole value in quotes: address: "99 Oak St, Eugene, OR 97401"')


def test_commas_in_the_patient_block_are_explained_without_quoting_it(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effects]\npatient: {name: Doe, Jane}\n")
    result = invoke("build", str(spec), "-o", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "patient.name: a ',' inside { } ends a value" in result.output
    assert "Doe" not in result.output and "Jane" not in result.output


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
    assert "7 specs, 1 packet file:" in result.output, result.output


def test_large_print_flag(tmp_path):
    result = invoke("build", str(SPECS / "clinician-summary.yaml"), "--large-print", "-o",
                    str(tmp_path))
    assert result.exit_code == 0
    from tests.pdfcheck import font_sizes

    sizes = font_sizes(tmp_path / "clinician-summary-large-print.pdf")
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


# ---- a broken site ------------------------------------------------------------------------


BROKEN_SITE = 'name: X\nlogo: missing.png\ncolors:\n  primary: #F28C28\nlibrary: [ours]\n'


def test_a_sites_problems_are_all_said_at_once(tmp_path):
    """Not the colour first, and the missing logo only once the colour is fixed."""
    site = tmp_path / "site.yaml"
    site.write_text(BROKEN_SITE)
    result = invoke("build", str(SPECS / "large-print.yaml"), "--site", str(site), "-o",
                    str(tmp_path / "o"))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert [line.split(": ")[2] for line in errors] == ["logo", "colors.primary",
                                                        "library entry 1"]
    assert "missing.png' not found" in errors[0] and "'ours' not found" in errors[2]


def test_a_broken_site_is_reported_once_however_many_specs_use_it(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text(BROKEN_SITE)
    specs = []
    for name in "abc":
        specs.append(tmp_path / f"{name}.yaml")
        specs[-1].write_text("title: T\ntopics: [benefits]\n")
    batch = invoke("batch", *map(str, specs), "--sites", str(site), "-o", str(tmp_path / "o"))
    build = invoke("build", *map(str, specs), "--site", str(site), "-o", str(tmp_path / "b"))
    for result in (batch, build):
        assert result.exit_code == 1
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert len(errors) == 3, errors
    assert all(line.startswith("error: site/a.pdf, site/b.pdf, site/c.pdf: ")
               for line in batch.output.splitlines() if line.startswith("error:"))


# ---- where outputs go ---------------------------------------------------------------------


def test_one_spec_on_both_papers_and_in_large_print_never_overwrites(tmp_path):
    """The paper and size an option changes join the default name; the spec's own do not."""
    spec = str(SPECS / "ketamine-and-antidepressants.yaml")  # Carlsbad: letter
    for options in ([], ["--paper", "letter"], ["--paper", "a4"], ["--large-print"],
                    ["--paper", "A4", "--large-print"]):
        assert invoke("build", spec, "-o", str(tmp_path), *options).exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [
        "ketamine-and-antidepressants-a4-large-print.pdf", "ketamine-and-antidepressants-a4.pdf",
        "ketamine-and-antidepressants-large-print.pdf", "ketamine-and-antidepressants.pdf"]
    report = invoke("report", "--meds", "sertraline", "--paper", "a4", "-o", str(tmp_path))
    assert report.exit_code == 0 and (tmp_path / "co-medication-report-a4.pdf").is_file()
    preview = invoke("preview", spec, "--paper", "a4", "-o", str(tmp_path))
    assert preview.exit_code == 0 and (tmp_path / "ketamine-and-antidepressants-a4-page1.png"
                                       ).is_file()


def test_o_is_a_folder_or_one_file_for_build_report_and_preview(tmp_path):
    spec = str(SPECS / "large-print.yaml")
    assert invoke("build", spec, "-o", str(tmp_path / "a" / "mine.pdf")).exit_code == 0
    assert invoke("report", "--meds", "sertraline", "-o", str(tmp_path / "b")).exit_code == 0
    assert invoke("report", "--meds", "sertraline", "-o", str(tmp_path / "c" / "r.pdf")
                  ).exit_code == 0
    assert invoke("report", "--meds", "sertraline", "-o", str(tmp_path / "d"), "--out-name",
                  "for-review").exit_code == 0
    assert invoke("preview", spec, "-o", str(tmp_path / "e")).exit_code == 0
    assert invoke("preview", spec, "-o", str(tmp_path / "f" / "p.png")).exit_code == 0
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.*"))
    assert written == ["a/mine.pdf", "b/co-medication-report.pdf", "c/r.pdf",
                       "d/for-review.pdf", "e/large-print-page1.png", "f/p.png"]
    two = invoke("build", spec, str(SPECS / "clinician-summary.yaml"), "-o",
                 str(tmp_path / "x.pdf"))
    assert two.exit_code == 2 and "works with one spec only" in two.output


@pytest.mark.parametrize("where", ["sites/oak.yaml", "oak.yaml", "specs/sites/oak.yaml"])
def test_a_report_without_a_spec_finds_a_site_id_in_sites_or_here(tmp_path, monkeypatch,
                                                                  where):
    (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / where).write_text("name: Oak Street Clinic\n")
    monkeypatch.chdir(tmp_path)
    result = invoke("report", "--meds", "sertraline", "--site", "oak", "-o", "out")
    assert result.exit_code == 0, result.output
    assert "Oak Street Clinic" in pdf_text(tmp_path / "out" / "co-medication-report.pdf")
    missing = invoke("report", "--meds", "sertraline", "--site", "elm")
    assert "unknown site 'elm' (looked in specs/sites and sites and .)" in missing.output
