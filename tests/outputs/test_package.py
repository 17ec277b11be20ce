"""A plain (non-editable) install ships the fonts and the content library."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, capture_output=True,
                   timeout=300)
    [path] = out.glob("handouts-*.whl")
    return path


def test_wheel_contains_fonts_content_and_licences(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("handouts/fonts/AtkinsonHyperlegible-Regular.ttf",
                     "handouts/fonts/AtkinsonHyperlegible-Bold.ttf",
                     "handouts/fonts/DejaVuSans.ttf", "handouts/fonts/AtkinsonHyperlegible-OFL.txt",
                     "handouts/fonts/DejaVu-LICENSE.txt", "handouts/content/catalogue.yaml",
                     "handouts/content/references.yaml", "handouts/content/drugs.yaml",
                     "handouts/content/topics/side-effects.md",
                     "handouts/content/comedications/ssri-snri.md", "handouts/render/fonts.py"):
        assert required in names


def test_installed_package_builds_a_handout_from_anywhere(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    spec = tmp_path / "s.yaml"
    spec.write_text("title: From the wheel\ntopics: [side-effects]\n")
    code = ("import sys; from handouts.render.fontfiles import font_dir; print(font_dir()); "
            "from handouts.doors.cli import main; "
            "sys.argv=['handouts','build','s.yaml','-o','out']; "
            "main()")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == str(site / "handouts" / "fonts")
    assert (tmp_path / "out" / "s.pdf").stat().st_size > 10_000
