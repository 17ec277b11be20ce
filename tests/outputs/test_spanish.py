"""Every patient handout in Spanish: each example spec, tailored or not, and the example
packet, in standard and large print, on both papers, as a PDF and as its HTML twin, with
nothing of the page's own wording left in English (names, brand names, reference titles and
a clinic's own English note excepted), and every character printable in both bundled
fonts."""

from __future__ import annotations

import re
import unicodedata

import pikepdf
import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from handouts.library.load import BUNDLED, open_library
from handouts.locale.messages import LOCALES
from handouts.outputs.build import BuildOptions, build
from handouts.render.fontfiles import FAMILIES, font_dir
from tests.conftest import SPECS, body_text, build_example, normalise

PATIENT_SPECS = sorted(p.name for p in SPECS.glob("*.yaml")
                       if "audience: clinician" not in p.read_text())


def catalogue(language: str) -> dict[str, str]:
    with (LOCALES / language / "LC_MESSAGES" / "handouts.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def english_wording() -> list[str]:
    """The page's own English: every message of the English catalogue (its markup and
    placeholders taken out) and every English section title."""
    out = []
    for text in catalogue("en").values():
        plain = re.sub(r"\*\*|\[@[^\]]+\]|~", " ", text)
        out += [part.strip() for part in re.split(r"\{\w+\}", plain) if len(part.strip()) > 3]
    library = open_library()
    out += [library.section(i).front.title for i in library.topic_ids + library.comedication_ids]
    return [normalise(piece) for piece in out if " " in piece.strip()]


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("spec", PATIENT_SPECS)
def test_every_patient_spec_builds_in_spanish_with_no_english_wording(tmp_path, spec, paper,
                                                                      large):
    options = BuildOptions(out_dir=tmp_path, paper=paper, large_print=large, language="es",
                           formats=("pdf", "html"))
    built = build_example(SPECS / spec, options)  # first-visit.yaml: its packet
    text = body_text(built.path)
    body = text.split(" Referencias ")[0]  # the references keep their own titles
    assert [w for w in english_wording() if w in body] == []
    assert "Obtenga ayuda ahora" in text and "marque 2 para hablar en español" in text
    with pikepdf.open(built.path) as pdf:
        assert str(pdf.Root.Lang) == "es"
    html = built.path.with_suffix(".html").read_text()
    assert '<html lang="es">' in html and 'lang="en"' in html  # the references: English
    for english in ("Get help now", "Your medicines", "Prepared for", "Content reviewed"):
        assert english not in html


def spanish_characters() -> set[str]:
    chars = set()
    for path in BUNDLED.glob("*/*.es.md"):
        chars |= set(unicodedata.normalize("NFC", path.read_text(encoding="utf-8")))
    for text in catalogue("es").values():
        chars |= set(text)
    return {c for c in chars if c.isprintable() and not c.isspace() or c == "\u00a0"}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_both_bundled_fonts_draw_every_character_of_the_spanish_text(family):
    needed = spanish_characters()
    assert {"¿", "á", "é", "í", "ó", "ú", "ñ"} <= needed  # the text really has them
    for face in dict.fromkeys(FAMILIES[family][:2]):  # regular and bold
        cmap = TTFont(font_dir() / face).getBestCmap()
        missing = sorted(c for c in needed | {"¿", "¡", "Á", "É", "Í", "Ó", "Ú", "Ñ", "Ü"}
                         if ord(c) not in cmap)
        assert missing == [], (face, missing)


@pytest.mark.parametrize("font", ["carlsbad", "lakeside"])
def test_the_medicines_tables_page_heading_is_one_word_in_large_print(tmp_path, font):
    """"Página" is wider than the English "Page": in large print its column grows to hold
    it on one line rather than breaking it as "Págin / a"."""
    from pypdf import PdfReader

    options = BuildOptions(language="es", large_print=True, out_dir=tmp_path,
                           site=str(SPECS / "sites" / f"{font}.yaml"))
    built = build(SPECS / "tailored-leaflet.yaml", options)
    lines = [line.strip() for page in PdfReader(built.path).pages
             for line in page.extract_text().splitlines()]
    assert "Página" in lines and "Págin" not in lines
