"""Every example spec in both audiences, on both papers, in standard and large print: the
Documents the accessibility tests render as a tagged PDF and as HTML."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache

from handouts.assemble.handout import assemble
from handouts.document import Document
from handouts.outputs.build import BuildOptions, prepare
from tests.conftest import SPECS

VARIANTS = list(itertools.product(("patient", "clinician"), ("letter", "a4"), (False, True)))
TODAY = dt.date(2026, 11, 23)


def variant_name(spec: str, audience: str, paper: str, large: bool) -> str:
    return f"{spec}-{audience}-{paper}-{'large' if large else 'standard'}"


NAMES = [variant_name(p.stem, *v) for p in sorted(SPECS.glob("*.yaml")) for v in VARIANTS]


@cache
def documents() -> dict[str, Document]:
    """name -> Document, for the whole matrix (assembled once per test run)."""
    out = {}
    for path in sorted(SPECS.glob("*.yaml")):
        prepared = prepare(path, BuildOptions())
        for audience, paper, large in VARIANTS:
            spec = prepared.spec_file.spec.model_copy(
                update={"audience": audience, "paper": paper, "large_print": large})
            out[variant_name(path.stem, audience, paper, large)] = assemble(
                spec, prepared.library, prepared.site, TODAY).document
    return out
