"""The web form's language: the clinic's usual (its site's language, else English), English
or Spanish, for the patient's handout; the prescriber's report stays in English."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts.doors.serve.form import DEFAULT_TITLE, Order
from handouts.doors.serve.jobs import handout, report, twin

SITES = Path(__file__).resolve().parents[2] / "specs" / "sites"


def _text(pdf: bytes) -> str:
    """What a reader sees, with lines joined (a long title wraps)."""
    return " ".join(" ".join(page.extract_text() for page in
                             PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture(scope="module")
def spanish_site(tmp_path_factory) -> Path:
    """An example site whose patients mostly read Spanish."""
    folder = tmp_path_factory.mktemp("site")
    shutil.copy(SITES / "lakeside-logo.png", folder)
    text = (SITES / "lakeside.yaml").read_text(encoding="utf-8")
    (folder / "lakeside.yaml").write_text(text + "language: es\n", encoding="utf-8")
    return folder / "lakeside.yaml"


def _order(site: Path, **fields) -> Order:
    return Order(site="lakeside", site_path=site, medicines_text="Zoloft 50 mg daily",
                 name="Ana Ruiz", **fields)


@pytest.mark.parametrize(("language", "site_language", "expect"), [
    ("es", "en", "es"), ("", "es", "es"), ("en", "es", "en"), ("", "en", "en")])
def test_the_handout_is_in_the_language_chosen_or_the_clinics(
        language, site_language, expect, spanish_site):
    site = spanish_site if site_language == "es" else SITES / "lakeside.yaml"
    outcome = handout(_order(site, language=language))
    assert not outcome.problems, outcome.problems
    text = _text(outcome.pdf)
    spanish = ("Su tratamiento con ketamina y sus medicamentos" in text
               and "Preparado para" in text and "988" in text)
    assert spanish == (expect == "es")
    assert (DEFAULT_TITLE in text) == (expect == "en")
    assert "Ana Ruiz" in text and "sertralin" in text.lower()


def test_a_title_the_clinician_wrote_is_kept_as_written(spanish_site):
    outcome = handout(_order(spanish_site, title="Para Ana: su tratamiento"))
    assert "Para Ana: su tratamiento" in _text(outcome.pdf)


def test_the_twin_says_its_language():
    outcome = twin(_order(SITES / "lakeside.yaml", language="es"))
    assert not outcome.problems and b'<html lang="es"' in outcome.html


def test_the_prescribers_report_stays_in_english(spanish_site):
    outcome = report(_order(spanish_site, language="es"))
    assert not outcome.problems, outcome.problems
    text = _text(outcome.pdf)
    assert "sertraline" in text.lower() and "Preparado" not in text
