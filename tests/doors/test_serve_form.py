"""The web form without a server: a pasted list read as the chart prints it, and every
problem put under the field a clinician should change."""

from __future__ import annotations

import io

import pytest

from handouts.doors.serve.form import Order, errors_from, form_field_of, split_pasted
from handouts.errors import Problem


@pytest.mark.parametrize(("pasted", "entries"), [
    ("sertraline 50 MG Oral Tablet\r\n\r\nLORazepam 0.5 MG\n", ("sertraline 50 MG Oral Tablet",
                                                               "LORazepam 0.5 MG")),
    ("1. Zoloft 50mg qd\n2) Ativan prn\n• lithium\n- Abilify 5 mg\n* trazodone",
     ("Zoloft 50mg qd", "Ativan prn", "lithium", "Abilify 5 mg", "trazodone")),
    ("Zoloft 50mg, Ativan 0.5 prn", ("Zoloft 50mg", "Ativan 0.5 prn")),
    ("oxyCODONE-acetaminophen 5-325 MG\n24 HR venlafaxine 75 MG, take with food",
     ("oxyCODONE-acetaminophen 5-325 MG", "24 HR venlafaxine 75 MG, take with food")),
    ("  \n\n", ()),
    ("Current Outpatient Medications:\nsertraline 100 MG Oral Tablet\nPRN medications :\n"
     "- Ativan 0.5 mg", ("sertraline 100 MG Oral Tablet", "Ativan 0.5 mg")),
])
def test_a_pasted_list_is_one_medicine_a_line(pasted, entries):
    assert split_pasted(pasted) == entries


@pytest.mark.parametrize(("spec_field", "form_field"), [
    ("patient.medications entry 3", ("medicines", "entry 3")),
    ("medicines entry 1", ("medicines", "entry 1")),
    ("fhir entry 2", ("fhir", "entry 2")), ("fhir", ("fhir", "")),
    ("topics entry 2", ("topics", "entry 2")), ("patient.name", ("name", "")),
    ("patient.prepared_by", ("prepared_by", "")), ("subtitle", ("title", "")),
    (None, ("title", "")), ("something.else", ("title", "")),
])
def test_problems_go_to_the_field_that_sets_them(spec_field, form_field):
    assert form_field_of(spec_field) == form_field


def test_problems_are_listed_in_form_order_with_their_hints():
    errors = errors_from((
        Problem("medicine not recognised", field="patient.medications entry 2",
                hint="check the spelling"),
        Problem("unknown topic 'x'", "form", 3, "topics entry 1"),
        Problem("colour too light", "specs/sites/a.yaml", 4, "colors.primary")))
    assert [(e.field, e.text) for e in errors.items] == [
        ("site", "Clinic: Colour too light"),
        ("topics", "Topics, entry 1: Unknown topic 'x'"),
        ("medicines", "Medicines, entry 2: Medicine not recognised; check the spelling")]
    assert errors.of("topics") == ["Topics, entry 1: Unknown topic 'x'"]


def test_an_order_is_the_spec_a_file_would_hold():
    order = Order(title="T", paper="a4", name=" ", prepared_by="Dr. R",
                  comedications=("lithium",))
    assert order.spec_data(("sertraline",)) == {
        "title": "T", "audience": "patient", "large_print": False,
        "topics": ["what-to-expect", "side-effects"], "comedications": ["lithium"],
        "paper": "a4", "patient": {"prepared_by": "Dr. R", "medications": ["sertraline"]}}


def test_the_checks_counts_are_of_entries_as_the_command_line_says_them():
    """Found in a clinician's trial: a combination counted once per ingredient, so the
    counts did not add up to the entries ("5 entries: 3 covered, 3 known ...")."""
    from handouts.doors.serve.jobs import check

    outcome = check(Order(medicines_text="Norco 5-325 mg q6h prn\nAuvelity 45-105 mg daily\n"
                                         "lisinopril-hydrochlorothiazide 20-12.5 mg"))
    assert not outcome.problems, outcome.problems
    assert len(outcome.rows) == 6  # each ingredient its own row
    assert outcome.counts == "3 entries: 2 covered, 1 known but not covered"


def test_the_report_is_not_in_large_print_when_the_patients_handout_is():
    from pypdf import PdfReader

    from handouts.doors.serve.jobs import report

    medicines = "sertraline 100 mg\nlorazepam 0.5 mg\nlithium 300 mg"
    pages = [len(PdfReader(io.BytesIO(report(Order(medicines_text=medicines,
                                                   large_print=large)).pdf)).pages)
             for large in (False, True)]
    assert pages[0] == pages[1]
