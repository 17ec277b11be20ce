"""Building: same bytes twice, atomic writes, safe file names, the real command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import handouts.outputs.build as build_module
from handouts.errors import HandoutError, LayoutError, Problem, SpecError
from handouts.outputs.build import BuildOptions, build, write_atomic
from handouts.outputs.names import output_name
from tests.conftest import ROOT, SPECS, pdf_text


def test_same_inputs_give_the_same_bytes(tmp_path):
    spec = SPECS / "tailored-leaflet.yaml"
    first = build(spec, BuildOptions(out_dir=tmp_path / "a")).path.read_bytes()
    second = build(spec, BuildOptions(out_dir=tmp_path / "b")).path.read_bytes()
    assert first == second


def test_date_comes_from_source_date_epoch(build_spec, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    text = pdf_text(build_spec("title: T\ntopics: [side-effects]\npatient:\n  name: A B\n"))
    assert "January 1, 2026" in text


def test_spec_date_wins(build_spec):
    text = pdf_text(build_spec("title: T\ndate: 2025-03-04\ntopics: [side-effects]\n"
                               "patient:\n  prepared_by: Dr X\n"))
    assert "March 4, 2025" in text


def test_failed_build_leaves_the_old_pdf_and_no_partial_file(tmp_path, monkeypatch):
    spec = SPECS / "ketamine-and-antidepressants.yaml"
    out = tmp_path / "out"
    good = build(spec, BuildOptions(out_dir=out)).path
    before = good.read_bytes()

    def broken(document):
        raise LayoutError(Problem("cannot lay out"))

    monkeypatch.setattr(build_module, "render", broken)
    with pytest.raises(LayoutError):
        build(spec, BuildOptions(out_dir=out))
    assert good.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [good.name]


def test_write_atomic_cleans_up_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "x.pdf"

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(HandoutError, match="cannot write the file .No space left on device.; "
                                           "free some disk space"):
        write_atomic(target, b"%PDF-1.4 partial")
    assert list(tmp_path.iterdir()) == []


def test_output_name_is_the_spec_name_or_a_plain_name():
    assert output_name("intake", None) == "intake.pdf"
    assert output_name("x", "For clinic") == "For clinic.pdf"
    for bad in ("../escape", "/etc/x", "a/b", ".hidden", "x\x00y"):
        with pytest.raises(SpecError):
            output_name("x", bad)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "handouts", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_command_line_build_and_errors(tmp_path):
    ok = run_cli("build", "specs/ketamine-and-antidepressants.yaml", "-o", str(tmp_path))
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "ketamine-and-antidepressants.pdf").is_file()
    assert "wrote" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: T\ntopics: [side-effect]\naudience: nurse\n")
    failed = run_cli("build", str(bad), "-o", str(tmp_path))
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert failed.stderr.count("error:") == 2
    usage = run_cli("build", "--paper", "legal", str(bad))
    assert usage.returncode == 2


def test_unknown_medicine_warns_by_position_and_strict_fails(tmp_path):
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\npatient:\n  name: Pat Q\n"
                    "  medications: [sertaline 50 mg, lisinopril 10 mg]\n")
    result = run_cli("build", str(spec), "-o", str(tmp_path), "--meds", "Zoloft, Xyzzy 5 mg")
    assert result.returncode == 0
    assert f"{spec}:5: warning: patient.medications entry 1: medicine not recognised" \
        in result.stderr
    assert "warning: --meds entry 2: medicine not recognised" in result.stderr
    assert "entry 2:" not in result.stderr.replace("--meds entry 2", "")  # lisinopril is known
    for private in ("Pat Q", "sertaline", "sertraline", "Xyzzy", "Zoloft"):
        assert private not in result.stderr + result.stdout
    strict = run_cli("build", str(spec), "-o", str(tmp_path / "s"), "--strict")
    assert strict.returncode == 1
    assert not (tmp_path / "s" / "t.pdf").exists()


@pytest.mark.parametrize(("meds", "message"), [
    ("x" * 201, "--meds entry 1: is longer than 200 characters"),
    ("Zoloft, bad\x07 one", "--meds entry 2: contains a control character"),
])
def test_meds_entries_are_validated_like_the_spec(tmp_path, meds, message):
    result = run_cli("build", "specs/ketamine-and-antidepressants.yaml", "-o", str(tmp_path),
                     "--meds", meds)
    assert result.returncode == 1
    assert message in result.stderr
    assert "bad" not in result.stderr and "xxxx" not in result.stderr


def test_meds_and_the_spec_together_keep_the_spec_limit(tmp_path):
    meds = ", ".join(f"sertraline {i} mg" for i in range(150))
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\npatient:\n  medications:\n" +
                    "".join(f"    - lorazepam {i} mg\n" for i in range(100)))
    result = run_cli("build", str(spec), "-o", str(tmp_path), "--meds", meds)
    assert result.returncode == 1
    assert "the limit is 200" in result.stderr and "--meds and --fhir together" in result.stderr


def test_unprintable_medicine_is_named_by_position_not_by_its_characters(tmp_path):
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\npatient:\n  medications:\n"
                    "    - Zoloft\n    - 中文 10 mg\n")
    result = run_cli("build", str(spec), "-o", str(tmp_path), "--meds", "sertraline, 中")
    assert result.returncode == 1
    assert "t.yaml:6: patient.medications entry 2: cannot print 2 characters in this entry" \
        in result.stderr
    assert "--meds entry 2: cannot print 1 character in this entry" in result.stderr
    assert "中" not in result.stderr and "4E2D" not in result.stderr


def test_spec_medicine_errors_count_from_one(tmp_path):
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\npatient:\n  medications:\n"
                    "    - Zoloft\n    - " + "y" * 201 + "\n")
    result = run_cli("build", str(spec), "-o", str(tmp_path))
    assert result.returncode == 1
    assert "patient.medications entry 2:" in result.stderr


def test_meds_option_tailors_a_handout(tmp_path):
    result = run_cli("build", "specs/ketamine-and-antidepressants.yaml", "-o", str(tmp_path),
                     "--meds", "lithium carbonate ER 300 mg, Ativan 0.5mg prn",
                     "--out-name", "tailored")
    assert result.returncode == 0, result.stderr
    text = pdf_text(tmp_path / "tailored.pdf")
    assert "Your medicines" in text and "lithium carbonate ER 300 mg" in text
    assert "Ketamine with lithium" in text


def test_list_commands():
    topics = run_cli("list", "topics")
    assert topics.returncode == 0 and "side-effects" in topics.stdout
    assert "ssri-snri" in run_cli("list", "comedications").stdout
    assert "lifeline988" in run_cli("list", "references").stdout
    assert "carlsbad" in run_cli("list", "sites").stdout


def test_site_library_adds_the_clinics_own_topics(tmp_path):
    (tmp_path / "ours" / "topics").mkdir(parents=True)
    (tmp_path / "ours" / "topics" / "getting-here.md").write_text(
        "---\nid: getting-here\ntitle: Getting to our clinic\nreviewed: 2026-11-01\n---\n"
        "::: patient\nTake the 14 bus to Pine Street.\n:::\n")
    site = tmp_path / "site.yaml"
    site.write_text("name: Pine Street Clinic\nlibrary: [ours]\n")
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\nsite: site.yaml\ntopics: [getting-here, side-effects]\n")
    text = pdf_text(build(spec, BuildOptions(out_dir=tmp_path / "o")).path)
    assert "Getting to our clinic" in text and "Take the 14 bus to Pine Street." in text


def test_clinic_topic_clashing_with_the_library_needs_overrides(tmp_path, build_spec):
    ours = tmp_path / "ours"
    ours.mkdir()
    body = "::: patient\nOur own words about side effects.\n:::\n"
    (ours / "side-effects.md").write_text(
        "---\nid: side-effects\ntitle: Ours\nreviewed: 2026-11-01\n---\n" + body)
    with pytest.raises(Exception, match="id 'side-effects' is already in the library"):
        build_spec("title: T\ntopics: [side-effects]\n", libraries=(ours,))
    (ours / "side-effects.md").write_text(
        "---\nid: side-effects\ntitle: Ours\nreviewed: 2026-11-01\noverrides: true\n---\n" + body)
    text = pdf_text(build_spec("title: T\ntopics: [side-effects]\n", libraries=(ours,)))
    assert "Our own words about side effects." in text


def test_parsed_content_cache_is_used_and_survives_damage(tmp_path, monkeypatch):
    from handouts.library import load as library
    from handouts.library import parsecache

    monkeypatch.setenv("HANDOUTS_CACHE_DIR", str(tmp_path / "cache"))
    topic = tmp_path / "lib" / "topics" / "ours.md"
    topic.parent.mkdir(parents=True)
    topic.write_text("---\nid: ours\ntitle: Ours\nreviewed: 2026-11-01\n---\nHello there.\n")
    first = library._parse_version(topic, 1, 1)
    entries = list((tmp_path / "cache").glob("*.json"))
    assert len(entries) == 1
    library._parse_version.cache_clear()
    assert library._parse_version(topic, 1, 1) == first  # read back from the cache
    entries[0].write_bytes(b'{"format": "handouts-parsed-content/1", "payload": {}}')
    library._parse_version.cache_clear()
    assert library._parse_version(topic, 1, 1) == first  # a damaged entry is parsed again
    monkeypatch.setenv("HANDOUTS_CACHE_DIR", "")
    assert parsecache.cache_dir() is None


def test_a_heading_given_with_the_medicines_is_set_aside():
    """'Medications:' copied from the chart with the list is never a row on the page."""
    from handouts.doors.cli import read_meds

    assert read_meds("Medications:, Zoloft 50 mg,  , Ativan 1 mg") == ("Zoloft 50 mg",
                                                                       "Ativan 1 mg")
    assert run_cli("meds", "Medications:, Zoloft 50 mg").stdout.count("Medications") == 0

