"""Shared helpers: build a handout from inline YAML and read what a reader would see."""

from __future__ import annotations

import os
import re
import tempfile
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts.inputs.packetfile import packet_at
from handouts.outputs.build import BuildOptions, Built, build

# The parsed-content cache lives in a folder of the test run's own, not the user's.
os.environ["HANDOUTS_CACHE_DIR"] = tempfile.mkdtemp(prefix="handouts-cache-")

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
FIXTURES = Path(__file__).parent / "fixtures"
# The example specs (handouts), without the packet files beside them (first-visit.yaml)
EXAMPLE_SPECS = sorted(p for p in SPECS.glob("*.yaml") if packet_at(p) is None)


def build_example(path: Path, options: BuildOptions) -> Built:
    """An example file built as `handouts build` builds it: a spec into its handout, a
    packet file into its packet."""
    from handouts.outputs.packet import build_packet_file

    packet = packet_at(path)
    return build_packet_file(packet, options) if packet else build(path, options)


def normalise(text: str) -> str:
    """What a reader sees, for comparisons: hyphen line-breaks (soft hyphens, and hyphens
    at a line's end) joined, whitespace folded."""
    text = re.sub(r"\u00ad\s*", "", text)
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


def raw_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def pdf_text(path: Path) -> str:
    return normalise(raw_text(path))


def body_text(path: Path) -> str:
    """What a reader reads of the body: each page's text between the header band and the
    footer, so a sentence that runs over a page break reads whole."""
    return normalise("\n".join(_page_body(page) for page in PdfReader(path).pages))


def page_bodies(path: Path) -> list[str]:
    """Each page's text between the header band and the footer."""
    return [normalise(_page_body(page)) for page in PdfReader(path).pages]


def _page_body(page) -> str:
    height = float(page.mediabox.height)
    kept: list[str] = []

    def keep(text, cm, tm, *_):
        if 0.1 * height < cm[3] * tm[5] + cm[5] < 0.88 * height:
            kept.append(text)
    page.extract_text(visitor_text=keep)
    return "".join(kept)


def compact(text: str) -> str:
    """Text with all whitespace removed: for strings that may wrap anywhere (URLs)."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def write_spec(tmp_path):
    """Write a spec from YAML text (dedented) and return its path."""
    def write(text: str, name: str = "handout.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return write


@pytest.fixture
def build_spec(tmp_path, write_spec):
    """Build a spec given as YAML text; return the PDF path."""
    def run(text: str, **options) -> Path:
        spec = write_spec(text)
        options.setdefault("out_dir", tmp_path / "out")
        return build(spec, BuildOptions(**options)).path
    return run


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01
