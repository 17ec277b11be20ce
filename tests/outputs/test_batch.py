"""Batch builds: a matrix of specs and sites, incremental, fault-isolated, shardable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from handouts.doors.cli import main
from handouts.errors import SpecError, UsageError
from handouts.outputs.batch import parse_shard, plan, run
from handouts.outputs.jobs import Settings
from handouts.outputs.manifest import merge_manifests, read_manifest, write_manifest
from tests.conftest import SPECS, pdf_text
from tests.pdfcheck import structural_problems

SITES = sorted((SPECS / "sites").glob("*.yaml"))


@pytest.fixture
def workspace(tmp_path):
    """Two small specs (one tailored), one using a clinic topic, two sites, a library."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "intro.yaml").write_text("title: Intro\ntopics: [ketamine-basics]\n"
                                      "references: false\n")
    (specs / "tailored.yaml").write_text(
        "title: For you\ntopics: [what-to-expect]\nreferences: false\n"
        "patient:\n  name: Rosa Delgado-Whitfield\n  medications: [Zoloft 50 mg, Ativan prn]\n")
    (specs / "clinic.yaml").write_text("title: Our clinic\ntopics: [our-clinic]\n"
                                       "references: false\n")
    library = tmp_path / "library" / "topics"
    library.mkdir(parents=True)
    (library / "our-clinic.md").write_text(
        "---\nid: our-clinic\ntitle: Arriving and getting home\nreviewed: 2026-11-01\n---\n"
        "::: patient\nPark in the blue lot.\n:::\n::: clinician\nSame.\n:::\n")
    sites = [SPECS / "sites" / "carlsbad.yaml", SPECS / "sites" / "mesa.yaml"]
    return tmp_path, sorted(specs.glob("*.yaml")), sites, (tmp_path / "library",)


def batch(tmp_path, specs, sites, libraries, **kw) -> tuple:
    out = tmp_path / "out"
    settings = Settings(out, kw.pop("force", False), libraries,
                        read_manifest(out / "manifest.json"))
    report = run(plan(specs, sites, kw.pop("shard", (1, 1))), settings, kw.pop("workers", 1))
    write_manifest(out / "manifest.json", report.results)
    return report, out


def test_matrix_builds_every_spec_for_every_site(workspace):
    tmp_path, specs, sites, libraries = workspace
    report, out = batch(tmp_path, specs, sites, libraries, workers=2)
    assert report.summary() == "6 built, 0 unchanged, 0 failed"
    for site in ("carlsbad", "mesa"):
        for spec in ("intro", "tailored", "clinic"):
            assert PdfReader(out / site / f"{spec}.pdf").pages
            assert structural_problems(out / site / f"{spec}.pdf") == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert [o["output"] for o in manifest["outputs"]] == sorted(
        f"{s}/{p}.pdf" for s in ("carlsbad", "mesa") for p in ("intro", "tailored", "clinic"))
    record = manifest["outputs"][0]
    assert set(record) >= {"inputs_sha256", "pages", "bytes", "sha256", "spec", "site"}


def test_no_patient_data_in_manifest_or_log(workspace):
    tmp_path, specs, sites, libraries = workspace
    report, out = batch(tmp_path, specs, sites, libraries)
    text = (out / "manifest.json").read_text()
    for private in ("Rosa", "Delgado", "Whitfield", "Zoloft", "Ativan"):
        assert private not in text
        assert private not in repr(report)
    meta = PdfReader(out / "mesa" / "tailored.pdf").metadata
    assert "Rosa" not in json.dumps({k: str(v) for k, v in meta.items()})


def test_second_run_rebuilds_nothing(workspace):
    tmp_path, specs, sites, libraries = workspace
    batch(tmp_path, specs, sites, libraries)
    report, _ = batch(tmp_path, specs, sites, libraries)
    assert report.summary() == "0 built, 6 unchanged, 0 failed"
    forced, _ = batch(tmp_path, specs, sites, libraries, force=True)
    assert forced.summary() == "6 built, 0 unchanged, 0 failed"


def test_changed_library_file_rebuilds_exactly_the_handouts_using_it(workspace):
    tmp_path, specs, sites, libraries = workspace
    batch(tmp_path, specs, sites, libraries)
    topic = libraries[0] / "topics" / "our-clinic.md"
    topic.write_text(topic.read_text().replace("blue lot", "green lot"))
    report, out = batch(tmp_path, specs, sites, libraries)
    built = sorted(r.output for r in report.results if r.status == "built")
    assert built == ["carlsbad/clinic.pdf", "mesa/clinic.pdf"]
    assert "green lot" in pdf_text(out / "mesa" / "clinic.pdf")


def test_a_library_dropped_from_the_command_line_rebuilds_what_drew_on_it(workspace, tmp_path):
    """--library X, then the same batch without it: the intro (which X overrides) is built
    again from the bundled text, never left "unchanged" with X's words."""
    _, specs, sites, libraries = workspace
    override = tmp_path / "override" / "topics"
    override.mkdir(parents=True)
    (override / "ketamine-basics.md").write_text(
        "---\nid: ketamine-basics\noverrides: true\ntitle: Our own basics\n"
        "reviewed: 2026-11-01\n---\n"
        "::: patient\nWords from the clinic library.\n:::\n::: clinician\nSame.\n:::\n")
    intro = [s for s in specs if s.stem == "intro"]
    first, out = batch(tmp_path, intro, sites[:1], (tmp_path / "override",))
    assert first.summary() == "1 built, 0 unchanged, 0 failed", first.failed
    assert "Words from the clinic library" in pdf_text(out / "carlsbad" / "intro.pdf")
    again, _ = batch(tmp_path, intro, sites[:1], ())
    assert again.summary() == "1 built, 0 unchanged, 0 failed"
    assert "Words from the clinic library" not in pdf_text(out / "carlsbad" / "intro.pdf")
    third, _ = batch(tmp_path, intro, sites[:1], ())
    assert third.summary() == "0 built, 1 unchanged, 0 failed"


def test_a_deleted_or_edited_output_is_rebuilt(workspace):
    tmp_path, specs, sites, libraries = workspace
    _, out = batch(tmp_path, specs, sites, libraries)
    (out / "mesa" / "intro.pdf").unlink()
    (out / "carlsbad" / "intro.pdf").write_bytes(b"%PDF-1.4 tampered")
    report, _ = batch(tmp_path, specs, sites, libraries)
    assert sorted(r.output for r in report.results if r.status == "built") == [
        "carlsbad/intro.pdf", "mesa/intro.pdf"]


def test_one_broken_spec_and_one_broken_site_do_not_stop_the_rest(workspace):
    tmp_path, specs, sites, libraries = workspace
    broken = specs[0].parent / "broken.yaml"
    broken.write_text("title: Broken\ntopics: [side-effect]\n")
    bad_site = tmp_path / "bad.yaml"
    bad_site.write_text("name: Bad\ncolors:\n  primary: blue\n")
    report, out = batch(tmp_path, [*specs, broken], [*sites, bad_site], libraries)
    assert report.count("built") == 6
    failed = {r.output: r.problems for r in report.failed}
    assert set(failed) == {"bad/broken.pdf", "bad/clinic.pdf", "bad/intro.pdf",
                           "bad/tailored.pdf", "carlsbad/broken.pdf", "mesa/broken.pdf"}
    assert any("topics entry 1: unknown topic 'side-effect'" in p
               for p in failed["carlsbad/broken.pdf"])
    assert any(f"{bad_site}:3: colors.primary:" in p for p in failed["bad/intro.pdf"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["failures"]) == 6 and len(manifest["outputs"]) == 6


def test_shards_together_equal_the_whole(workspace):
    tmp_path, specs, sites, libraries = workspace
    whole = plan(specs, sites)
    shards = [plan(specs, sites, (i, 3)) for i in (1, 2, 3)]
    assert sorted(j for s in shards for j in s) == sorted(whole)
    assert not set(shards[0]) & set(shards[1])
    manifests = []
    for i in (1, 2, 3):
        out = tmp_path / f"machine-{i}"
        report = run(plan(specs, sites, (i, 3)), Settings(out, libraries=libraries))
        path = out / f"manifest.shard-{i}-of-3.json"
        write_manifest(path, report.results, (i, 3))
        manifests.append(path)
    merged = merge_manifests(manifests)
    assert [o["output"] for o in merged["outputs"]] == sorted(j.output for j in whole)
    with pytest.raises(SpecError, match="shard 1 is given twice"):
        merge_manifests([manifests[0], manifests[0]])
    with pytest.raises(SpecError, match="shards 2, 3 are missing"):
        merge_manifests(manifests[:1])
    assert len(merge_manifests(manifests[:1], partial=True)["outputs"]) == len(shards[0])
    write_manifest(tmp_path / "whole.json", [])
    with pytest.raises(SpecError, match="not the manifest of a shard"):
        merge_manifests([tmp_path / "whole.json"])


@pytest.mark.parametrize("text", ["0/3", "4/3", "a/b", "2"])
def test_bad_shard(text):
    with pytest.raises(UsageError):
        parse_shard(text)


def test_cli_batch_over_the_example_folders(tmp_path):
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs, ignore=shutil.ignore_patterns("everything-*"))
    tailored = specs / "tailored-leaflet.yaml"
    tailored.write_text(tailored.read_text() + "    - Xyzzy 10 mg\n")
    runner = CliRunner()
    result = runner.invoke(main, ["batch", str(specs), "--sites", str(specs / "sites"),
                                  "-o", str(tmp_path / "out"), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "24 built, 0 unchanged, 0 failed" in result.output
    for pdf in (tmp_path / "out").rglob("*.pdf"):
        assert structural_problems(pdf) == [], pdf
    assert "patient.medications entry 4: medicine not recognised" in result.output
    assert "Xyzzy" not in result.output
    again = runner.invoke(main, ["batch", str(specs), "--sites", str(specs / "sites"),
                                 "-o", str(tmp_path / "out"), "--jobs", "2"])
    assert "0 built, 24 unchanged, 0 failed" in again.output
    shard = runner.invoke(main, ["batch", str(specs), "--sites", str(specs / "sites"),
                                 "-o", str(tmp_path / "s"), "--shard", "1/2", "-j", "1"])
    assert "12 built" in shard.output
    assert (tmp_path / "s" / "manifest.shard-1-of-2.json").is_file()
    merge = ["merge-manifests", str(tmp_path / "s" / "manifest.shard-1-of-2.json"),
             "-o", str(tmp_path / "m.json")]
    merged = runner.invoke(main, merge)
    assert merged.exit_code == 1 and "shard 2 is missing" in merged.output
    partial = runner.invoke(main, [*merge, "--partial"])
    assert partial.exit_code == 0 and "12 outputs, 0 failures" in partial.output


def test_cli_batch_exit_status_is_1_when_anything_failed(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("title: T\n")
    result = CliRunner().invoke(main, ["batch", str(spec), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "0 built, 0 unchanged, 1 failed" in result.output


def test_file_name_never_carries_the_patient_name(tmp_path):
    spec = tmp_path / "rosa-delgado.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\npatient:\n  name: Rosa Delgado\n")
    result = CliRunner().invoke(main, ["build", str(spec), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "would contain the patient's name" in result.output
    ok = CliRunner().invoke(main, ["build", str(spec), "-o", str(tmp_path / "o"),
                                   "--out-name", "leaflet-0042"])
    assert ok.exit_code == 0
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["leaflet-0042.pdf"]
    assert Path(tmp_path / "o" / "leaflet-0042.pdf").stat().st_size > 0
