"""Whole EHR lines, as charts print them, read with no false row: the corpus in
tests/fixtures/medicines/corpus/ (665 lines and 19 pasted lists from public sources and
documented EHR patterns, written from clinical knowledge, not from this code; see its
SOURCES.md). Each line must give exactly its ingredients and sections, and nothing "not
recognised" that the line does not really name."""

from __future__ import annotations

from functools import cache

import pytest
import yaml

from handouts.inputs.chartlines import split_list
from handouts.inputs.medicines import Recognised
from handouts.library.load import open_library
from tests.conftest import FIXTURES

CORPUS = FIXTURES / "medicines" / "corpus"
LINES = yaml.safe_load((CORPUS / "ehr-lines.yaml").read_text())
PASTES = yaml.safe_load((CORPUS / "pastes.yaml").read_text())


@cache
def same_substance() -> dict[str, str]:
    """Vocabulary names of one substance (equivalents.yaml) -> the group's first name."""
    groups = yaml.safe_load((CORPUS / "equivalents.yaml").read_text())
    return {name: group[0] for group in groups for name in group}


def read(entry: str) -> Recognised:
    return open_library().drugs.recognise(entry)


def outcome(found: Recognised) -> dict:
    """What a reader of the page gets from one entry, in the corpus's terms."""
    names = same_substance()
    return {"ingredients": sorted({names.get(i.name, i.name) for i in found.ingredients}),
            "sections": sorted(found.sections),
            "treatment": any(i.outcome == "treatment" for i in found.ingredients),
            "unrecognised": len(found.unrecognised)}


def expected(item: dict) -> dict:
    names = same_substance()
    return {"ingredients": sorted({names.get(i, i) for i in item["ingredients"]}),
            "sections": sorted(item["sections"]),
            "treatment": bool(item.get("treatment")),
            "unrecognised": len(item.get("unrecognised", []))}


@pytest.mark.parametrize("item", LINES, ids=lambda item: item["line"][:60])
def test_every_chart_line_gives_its_medicine_and_no_false_row(item):
    assert outcome(read(item["line"])) == expected(item)


def test_chart_text_that_names_no_medicine_gets_no_row():
    noise = [item["line"] for item in LINES if not item["ingredients"]
             and not item.get("unrecognised")]
    assert len(noise) >= 30
    assert [line for line in noise if not read(line).set_aside] == []


@pytest.mark.parametrize("paste", PASTES, ids=lambda paste: paste["source"])
def test_a_pasted_list_gives_each_medicine_once_in_order(paste):
    rows = [outcome(found) for found in map(read, split_list(paste["text"]))
            if not found.set_aside]
    assert rows == [expected({"sections": [], **m}) for m in paste["medicines"]]


def test_the_corpus_is_as_large_and_as_wide_as_its_readme_says():
    sources = {item["source"] for item in LINES} | {paste["source"] for paste in PASTES}
    described = (CORPUS / "SOURCES.md").read_text()
    assert len(LINES) >= 300 and len(PASTES) >= 15
    assert all(f"`{source}`" in described for source in sources)
    sections = {s for item in LINES for s in item["sections"]}
    assert sections >= set(open_library().comedication_ids)
