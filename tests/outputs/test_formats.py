"""--format pdf,html: the HTML twin beside the PDF, from build and batch, in the manifest."""

from __future__ import annotations

import json

from click.testing import CliRunner

from handouts.doors.cli import main
from tests.conftest import SPECS


def test_build_writes_the_pdf_and_its_html_twin(tmp_path):
    result = CliRunner().invoke(main, ["build", str(SPECS / "tailored-leaflet.yaml"),
                                       "-o", str(tmp_path), "--format", "pdf,html",
                                       "--out-name", "leaflet-7"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leaflet-7.html", "leaflet-7.pdf"]
    html = (tmp_path / "leaflet-7.html").read_text(encoding="utf-8")
    assert "<h1>Your ketamine treatment and your medicines</h1>" in html
    assert "Jane Doe" in html  # on the page, as in the PDF
    assert f"wrote {tmp_path / 'leaflet-7.html'}" in result.output


def test_build_html_alone_and_a_format_we_do_not_make(tmp_path):
    runner = CliRunner()
    spec = str(SPECS / "large-print.yaml")
    assert runner.invoke(main, ["build", spec, "-o", str(tmp_path), "--format", "html"]
                         ).exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["large-print.html"]
    wrong = runner.invoke(main, ["build", spec, "-o", str(tmp_path), "--format", "pdf,docx"])
    assert wrong.exit_code == 2  # a command line that cannot be right
    assert "--format: unknown format 'docx'; give pdf, html or pdf,html" in wrong.output


def test_batch_lists_the_html_twins_in_its_manifest_and_rebuilds_what_lacks_one(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "intro.yaml").write_text("title: Starting treatment\ntopics: [what-to-expect]\n"
                                      "references: false\n")
    out, runner = tmp_path / "out", CliRunner()
    args = ["batch", str(specs), "--sites", str(SPECS / "sites" / "mesa.yaml"), "-o", str(out)]
    assert runner.invoke(main, args).exit_code == 0
    assert not (out / "mesa" / "intro.html").exists()
    both = runner.invoke(main, [*args, "--format", "pdf,html"])
    assert "1 built, 0 unchanged" in both.output  # the twin was missing: built again
    record = json.loads((out / "manifest.json").read_text())["outputs"][0]
    assert record["formats"] == ["pdf", "html"]
    [(name, size, digest)] = record["others"]
    assert name == "mesa/intro.html" and size == (out / name).stat().st_size
    again = runner.invoke(main, [*args, "--format", "pdf,html"])
    assert "0 built, 1 unchanged" in again.output
    (out / name).write_text("tampered")
    assert "1 built, 0 unchanged" in runner.invoke(main, [*args, "--format", "pdf,html"]).output
    html_only = runner.invoke(main, [*args, "--format", "html"])
    assert html_only.exit_code == 2 and "a batch always builds the PDFs" in html_only.output
