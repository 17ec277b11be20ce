"""Assembly is pure: spec + library -> Document, checked without ReportLab."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from handouts.assemble.handout import assemble
from handouts.document import Audience, CiteRef, Document, Text
from handouts.errors import ContentError
from handouts.inputs.medicines import MedicineTable
from handouts.inputs.spec import Spec
from handouts.inputs.vocabulary import Vocabulary
from handouts.library.contentfile import parse_content
from handouts.library.load import open_library
from tests.conftest import FIXTURES

TODAY = dt.date(2026, 12, 1)
CASES = sorted((FIXTURES / "assemble").glob("*.yaml"))


def runs(document: Document):
    """Every inline run in the document body, in reading order."""
    def walk(node):
        if isinstance(node, tuple):
            for item in node:
                yield from walk(item)
        elif hasattr(node, "__dataclass_fields__"):
            if isinstance(node, Text | CiteRef):
                yield node
            for name in node.__dataclass_fields__:
                yield from walk(getattr(node, name))
    yield from walk((document.safety,) if document.safety else ())  # printed first
    yield from walk(document.sections)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_outline(case: Path):
    data = yaml.safe_load(case.read_text())
    spec = Spec.model_validate(data["spec"])
    document = assemble(spec, open_library(), None, TODAY).document
    expect = data["expect"]
    assert [s.id for s in document.sections] == expect["sections"]
    assert (document.safety is not None) == expect["safety"]
    assert (document.prepared_for is not None) == expect["prepared_for"]
    assert [[m.entry, list(m.section_ids)] for m in document.medicines] == expect["medicines"]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_citations_numbered_by_first_use(case: Path):
    spec = Spec.model_validate(yaml.safe_load(case.read_text())["spec"] | {"references": True})
    document = assemble(spec, open_library(), None, TODAY).document
    first_seen: list[int] = []
    for run in runs(document):
        if isinstance(run, CiteRef):
            for n in sorted(run.numbers):
                if n not in first_seen:
                    first_seen.append(n)
    assert first_seen == list(range(1, len(first_seen) + 1))
    assert [r.number for r in document.references] == first_seen
    assert len({r.key for r in document.references}) == len(document.references)


def test_audience_passages_are_chosen_and_patients_get_bold_not_italics():
    lib = open_library()
    for audience in ("patient", "clinician"):
        spec = Spec(title="T", audience=audience, topics=["side-effects", "how-it-works"])
        document = assemble(spec, lib, None, TODAY).document
        flat = repr(document.sections)
        assert "Audience(" not in flat
        if audience == "patient":
            assert not any(isinstance(r, Text) and r.italic for r in runs(document))


class StubLibrary:
    """Just enough library for assembly, from content given as text."""

    def __init__(self, files: dict[str, str], references: dict):
        self.contents = {ident: parse_content(text, f"topics/{ident}.md")
                         for ident, text in files.items()}
        self.references = references
        self.drugs = MedicineTable(Vocabulary(b""), {})
        self.comedication_ids: list[str] = []

    def section(self, ident, language="en"):
        return self.contents[ident]

    def kind_of(self, ident):
        return "topic"


def test_unknown_citation_key_names_file_and_line():
    text = "---\nid: x\ntitle: X\nreviewed: 2026-01-01\n---\nFine [@known].\n\nBad [@nope].\n"
    lib = StubLibrary({"x": text}, {"known": {"id": "known", "title": "K", "type": "book"},
                                    "lifeline988": {"id": "lifeline988", "title": "L",
                                                    "type": "webpage"}})
    with pytest.raises(ContentError) as info:
        assemble(Spec(title="T", topics=["x"]), lib, None, TODAY)
    assert [str(p) for p in info.value.problems] == [
        "topics/x.md:8: unknown citation key '@nope'; add it to references.yaml or fix the key"]


def test_no_content_file_keeps_an_audience_wrapper():
    for ident in open_library().topic_ids:
        assert any(isinstance(b, Audience) for b in open_library().section(ident).blocks)


def test_assembly_does_not_import_reportlab():
    code = ("import sys, datetime; from handouts.assemble.handout import assemble; "
            "from handouts.library.load import open_library; "
            "from handouts.inputs.spec import Spec; "
            "assemble(Spec(title='T', topics=['side-effects']), open_library(), None, "
            "datetime.date(2026, 1, 1)); print('reportlab' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def reading(document: Document) -> str:
    """The body and the disclaimer as plain text, for counting what a reader is told."""
    body = " ".join(r.text for r in runs(document) if isinstance(r, Text))
    return body + " " + " ".join(r.text for b in document.disclaimer for r in b.inlines)


ALL_TOPICS = open_library().topic_ids
SIX_MEDICINES = ["Zoloft 50 mg", "bupropion XL 150 mg", "lithium 300 mg bid",
                 "Ativan 0.5 mg prn", "quetiapine 50 mg qhs", "oxycodone 5 mg"]


def test_a_tailored_leaflet_says_never_stop_a_medicine_once():
    spec = Spec(title="T", topics=ALL_TOPICS, patient={"medications": SIX_MEDICINES})
    document = assemble(spec, open_library(), None, TODAY).document
    ids = [s.id for s in document.sections]
    first = next(i for i, s in enumerate(document.sections) if s.kind == "comedication")
    assert ids[first - 1] == "your-other-medicines" and ids.count("your-other-medicines") == 1
    assert len([s for s in document.sections if s.kind == "comedication"]) >= 6
    text = reading(document)
    assert text.count("on your own") == 1
    assert "without talking to the person who prescribes it" not in text


def test_without_co_medication_sections_the_disclaimer_says_it():
    document = assemble(Spec(title="T", topics=ALL_TOPICS), open_library(), None, TODAY).document
    assert "your-other-medicines" not in [s.id for s in document.sections]
    text = reading(document)
    assert "on your own" not in text
    assert text.count("Do not start, stop or change any medicine without talking to the "
                      "person who prescribes it.") == 1


def test_clinicians_get_no_patient_advice_block():
    spec = Spec(title="T", audience="clinician", topics=["how-it-works"],
                comedications=["opioids", "lithium"])
    document = assemble(spec, open_library(), None, TODAY).document
    assert [s.id for s in document.sections] == ["how-it-works", "lithium", "opioids"]
