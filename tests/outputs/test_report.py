"""The clinician co-medication report: what a prescriber reads, and the summaries it is built
from (`::: report` in every co-medication section, never in an ordinary handout)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from handouts.assemble.report import report_blocks, report_document
from handouts.document import Audience, Cite, Table
from handouts.doors.cli import main
from handouts.errors import ContentError, SpecError
from handouts.inputs.spec import Spec
from handouts.library.load import open_library
from handouts.outputs.build import BuildOptions, build
from tests.conftest import SPECS, pdf_text

ASPECTS = {"Sedation", "Blood pressure", "Response", "Monitor"}


def _summary(ident: str) -> Table:
    content = open_library().section(ident)
    (table,) = report_blocks(content.blocks, content.path)
    return table


@pytest.mark.parametrize("ident", open_library().comedication_ids)
def test_every_section_has_a_cited_summary_of_sedation_pressure_response_and_monitoring(ident):
    table = _summary(ident)
    assert ["".join(r.text for r in cell) for cell in table.header] == \
        ["Aspect", "What the evidence says", "Strength of evidence"]
    aspects = {"".join(r.text for r in row[0]).split(" and ")[0].split(":")[0]
               for row in table.rows}
    assert aspects >= ASPECTS, ident
    for row in table.rows:
        evidence, strength = row[1], row[2]
        assert any(isinstance(r, Cite) for r in evidence), (ident, row[0])
        text = "".join(getattr(r, "text", "") for r in strength)
        assert any(isinstance(r, Cite) for r in strength) or text == "No data", (ident, row[0])


def test_a_section_without_a_summary_is_a_content_error():
    with pytest.raises(ContentError, match="no '::: report' summary"):
        report_blocks((), "handouts/content/comedications/x.md")


@pytest.mark.parametrize("spec", ["everything-clinician.yaml", "everything-patient.yaml"])
def test_ordinary_handouts_never_print_the_report_summaries(tmp_path, spec):
    text = pdf_text(build(SPECS / spec, BuildOptions(out_dir=tmp_path)).path)
    assert "What the evidence says" not in text  # the summaries' column heading
    assert "Label requirement for esketamine" not in text


def test_the_report_says_class_evidence_and_what_to_monitor_for_each_medicine(tmp_path):
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, ["report", "--meds", "Zoloft 50mg qd, LORazepam 0.5 MG "
                                       "Oral Tablet, metoprolol 25 mg, sertaline", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "--meds entry 4: medicine not recognised; the report lists it for manual review" \
        in result.output
    text = pdf_text(out)
    assert "Co-medication report for the prescriber" in text
    assert "SSRI or SNRI antidepressant: sertraline (50 mg)" in text
    assert "Benzodiazepine or sleeping pill: lorazepam (0.5 mg)" in text
    for words in ("Sedation and breathing", "Blood pressure", "Response", "Monitor",
                  "Strength of evidence", "pooled ASPIRE trials", "IV ketamine: low"):
        assert words in text
    assert "For manual review" in text
    assert "metoprolol 25 mg: known, but no section covers it" in text
    assert "sertaline: not recognised; check the spelling against the chart" in text
    assert "References" in text and "Diekamp B" in text
    assert "Ketamine with lithium" not in text  # only the patient's classes
    assert len(PdfReader(out).pages) <= 2


def test_a_report_from_a_spec_names_the_patient_on_the_page_only(tmp_path):
    out = tmp_path / "r.pdf"
    result = CliRunner().invoke(main, ["report", str(SPECS / "tailored-leaflet.yaml"), "-o",
                                       str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "Prepared for Jane Doe" in text and "Prepared by Dr. A. Rivera" in text
    assert "Carlsbad" in text  # the spec's site
    metadata = " ".join(str(v) for v in PdfReader(out).metadata.values())
    assert "Jane" not in metadata and "Zoloft" not in metadata
    assert "Clinician summary" in metadata


def test_a_report_needs_medicines():
    result = CliRunner().invoke(main, ["report"])
    assert result.exit_code == 2 and "give a SPEC" in result.output
    with pytest.raises(SpecError, match="needs the patient's medicines"):
        report_document(Spec(title="x", topics=["side-effects"]), open_library(), None,
                        dt.date(2026, 12, 1))


def test_a_report_file_name_never_carries_the_patient(tmp_path):
    result = CliRunner().invoke(main, ["report", "--meds", "Zoloft", "-o",
                                       str(tmp_path / "zoloft-report.pdf")])
    assert result.exit_code == 1 and "would contain the patient's name or one of their " \
        "medicines" in result.output


def test_audience_passages_and_report_are_kept_apart():
    content = open_library().section("maoi")
    kinds = [b.audience for b in content.blocks if isinstance(b, Audience)]
    assert kinds == ["patient", "clinician", "report"]
