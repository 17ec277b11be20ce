"""Previews: a page as PNG, and a labelled contact sheet of a batch."""

from __future__ import annotations

from click.testing import CliRunner
from PIL import Image

from handouts.doors.cli import main
from tests.conftest import SPECS


def test_preview_renders_the_page_asked_for(tmp_path):
    out = tmp_path / "p.png"
    result = CliRunner().invoke(main, ["preview", str(SPECS / "clinician-summary.yaml"),
                                       "--page", "2", "-o", str(out), "--dpi", "72"])
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        assert abs(image.width - 595) <= 1 and image.height == 842  # A4 at 72 dpi
        assert len(image.convert("L").getcolors(256) or ()) > 20  # text, not a blank page
    missing = CliRunner().invoke(main, ["preview", str(SPECS / "clinician-summary.yaml"),
                                        "--page", "40", "-o", str(out)])
    assert missing.exit_code == 1 and "page 40 does not exist" in missing.output


def test_preview_never_names_a_file_after_the_patient(tmp_path):
    spec = tmp_path / "maria-lopez.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\npatient:\n  name: Maria Lopez\n")
    result = CliRunner().invoke(main, ["preview", str(spec), "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 0
    default = CliRunner().invoke(main, ["preview", str(spec)])
    assert default.exit_code == 1 and "patient's name" in default.output


def test_contact_sheet_shows_every_first_page(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("a", "b", "c"):
        (specs / f"{name}.yaml").write_text("title: T\ntopics: [side-effects]\n")
    result = CliRunner().invoke(main, ["batch", str(specs), "--sites",
                                       str(SPECS / "sites" / "carlsbad.yaml"), "--sites",
                                       str(SPECS / "sites" / "mesa.yaml"), "-o",
                                       str(tmp_path / "out"), "--contact-sheet", "-j", "1"])
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "out" / "contact-sheet.png") as sheet:
        assert sheet.width > 5 * 240 and sheet.height > 2 * 300  # 6 pages, 5 per row
