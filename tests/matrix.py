"""Every example spec in both audiences, on both papers, in standard and large print, and
for patients in Spanish too: the Documents the accessibility tests render as a tagged PDF
and as HTML. (Not the packet file: its audience is its specs', and tests/outputs/
test_packet.py checks a packet's tagging, reading order and twin.)"""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache

from handouts.assemble.handout import assemble
from handouts.document import Document
from handouts.outputs.build import BuildOptions, prepare
from tests.conftest import EXAMPLE_SPECS

VARIANTS = [(audience, paper, large, language) for (audience, language), paper, large in
            itertools.product((("patient", "en"), ("clinician", "en"), ("patient", "es")),
                              ("letter", "a4"), (False, True))]
TODAY = dt.date(2026, 11, 23)


def variant_name(spec: str, audience: str, paper: str, large: bool, language: str = "en") -> str:
    spoken = "" if language == "en" else f"-{language}"
    return f"{spec}-{audience}{spoken}-{paper}-{'large' if large else 'standard'}"


NAMES = [variant_name(p.stem, *v) for p in EXAMPLE_SPECS for v in VARIANTS]


@cache
def documents() -> dict[str, Document]:
    """name -> Document, for the whole matrix (assembled once per test run)."""
    out = {}
    for path in EXAMPLE_SPECS:
        prepared = prepare(path, BuildOptions())
        for audience, paper, large, language in VARIANTS:
            spec = prepared.spec_file.spec
            titles = spec.translations.get(language)
            spec = spec.model_copy(update={
                "audience": audience, "paper": paper, "large_print": large,
                "language": language,
                **({"title": titles.title, "subtitle": titles.subtitle} if titles else {})})
            out[variant_name(path.stem, audience, paper, large, language)] = assemble(
                spec, prepared.library, prepared.site, TODAY).document
    return out
