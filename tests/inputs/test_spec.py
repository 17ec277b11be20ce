"""Spec loading: every problem of a file at once, with file, line, field and a hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from handouts.doors.cli import main
from handouts.errors import SpecError
from handouts.inputs.spec import load_spec, schema
from handouts.library.load import open_library


def problems(path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(path, open_library())
    return [str(p) for p in info.value.problems]


def test_unknown_topic_names_line_and_suggests(write_spec):
    path = write_spec("""\
        title: T
        topics:
          - ketamine-basics
          - side-effect
        """)
    assert problems(path) == [
        f"{path}:4: topics entry 2: unknown topic 'side-effect'; did you mean 'side-effects'?"]


def test_all_problems_reported_at_once(write_spec):
    path = write_spec("""\
        subtitle: no title here
        audience: patients
        paper: legal
        topics: [how-it-work]
        comedications: [ssris]
        colour: blue
        """)
    found = problems(path)
    assert f"{path}:1: title: is required but missing" in found
    assert (f"{path}:2: audience: expected 'patient' or 'clinician', got 'patients'; "
            "did you mean 'patient'?") in found
    assert any(p.startswith(f"{path}:3: paper: expected 'letter' or 'a4'") for p in found)
    assert any(p.startswith(f"{path}:6: colour: is not a known field") for p in found)
    assert f"{path}:4: topics entry 1: unknown topic 'how-it-work'; did you mean 'how-it-works'?" \
        in found
    assert any(p.startswith(f"{path}:5: comedications entry 1: unknown co-medication section "
                            "'ssris'") for p in found)
    assert len(found) == 6


def test_unknown_ids_and_duplicates(write_spec):
    path = write_spec("""\
        title: T
        topics: [how-it-work, side-effects, side-effects]
        comedications: [benzodiazepine]
        language: fr
        """)
    found = problems(path)
    assert f"{path}:2: topics entry 1: unknown topic 'how-it-work'; did you mean 'how-it-works'?" \
        in found
    assert f"{path}:2: topics entry 3: 'side-effects' is listed twice; remove one" in found
    assert any("comedications entry 1: unknown co-medication section 'benzodiazepine'; "
               "did you mean 'benzodiazepines'?" in p for p in found)
    assert any("language: no content in language 'fr'; available: en" in p for p in found)


def test_yaml_syntax_error_has_a_line(write_spec):
    path = write_spec("title: T\ntopics: [a, b\naudience: patient\n")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:") and "not valid YAML" in problem


def test_not_a_mapping(write_spec):
    path = write_spec("- just\n- a list\n")
    assert problems(path) == [f"{path}:1: a spec must be a YAML mapping (key: value lines)"]


def test_empty_handout_is_refused(write_spec):
    path = write_spec("title: Nothing\n")
    assert any("the handout has nothing to say" in p for p in problems(path))


def test_yaml_is_loaded_safely(write_spec):
    path = write_spec('title: !!python/object/apply:os.system ["echo owned"]\n'
                      "topics: [side-effects]\n")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:1: YAML tag") and "is not allowed" in problem


def test_medications_accept_a_comma_separated_string(write_spec):
    path = write_spec("""\
        title: T
        topics: [side-effects]
        patient:
          medications: Zoloft 50 mg, Ativan prn
        """)
    spec = load_spec(path, open_library()).spec
    assert spec.patient.medications == ["Zoloft 50 mg", "Ativan prn"]


def test_schema_lists_every_field():
    properties = schema()["properties"]
    assert {"title", "subtitle", "audience", "language", "site", "paper", "large_print",
            "topics", "comedications", "patient", "references", "date"} <= set(properties)
    assert properties["audience"]["enum"] == ["patient", "clinician"]


def test_cli_schema_is_json():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "handouts spec"


def test_cli_bad_spec_exits_1_without_traceback(write_spec, tmp_path):
    path = write_spec("title: T\ntopics: [side-effect]\n")
    result = CliRunner().invoke(main, ["build", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"error: {path}:2: topics entry 1: unknown topic 'side-effect'" in result.output
    assert not (tmp_path / "o" / "handout.pdf").exists()


def test_cli_missing_file_exits_1(tmp_path):
    result = CliRunner().invoke(main, ["build", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "spec not found" in result.output


@pytest.mark.parametrize("args", [["build"], ["build", "x.yaml", "--paper", "legal"],
                                  ["list", "nothing"], ["frobnicate"]])
def test_usage_errors_exit_2(args):
    assert CliRunner().invoke(main, args).exit_code == 2


@pytest.mark.parametrize("command", [[], ["build"], ["list"], ["schema"]])
def test_help_everywhere(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_odd_field_names_are_reported_not_crashed_on(write_spec):
    path = write_spec('"[": 1\nlist: 2\ntitle: T\ntopics: [side-effects]\n')
    found = problems(path)
    assert f"{path}:1: [: is not a known field" in " ".join(found)
    assert any(p.startswith(f"{path}:2: list: is not a known field") for p in found)


def test_a_site_file_given_where_a_spec_goes_is_named_as_one(tmp_path):
    """Found in a new user's trial: `batch specs/ --sites a.yaml b.yaml` took b.yaml as a
    spec and said nine things about its fields; it now says what it is and what to do."""
    sites = Path(__file__).parents[2] / "specs" / "sites"
    result = CliRunner().invoke(main, ["build", str(sites / "lakeside.yaml"), "-o",
                                       str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.count("error:") == 1
    assert "lakeside.yaml:2: name: this is a site file, not a handout spec; give a site with " \
        "--site" in result.output
