"""Medicine recognition: doses, forms, salts and brands; no look-alike matches."""

from __future__ import annotations

import pytest

from handouts.library import open_library

CASES = [
    ("sertraline", "ssri-snri"),
    ("Zoloft 50mg qd", "ssri-snri"),
    ("ZOLOFT 100 MG TABLET", "ssri-snri"),
    ("Ativan 0.5 prn", "benzodiazepines"),
    ("24 HR venlafaxine 75 MG Extended Release Oral Capsule", "ssri-snri"),
    ("sertraline hydrochloride 50 MG Oral Tablet", "ssri-snri"),
    ("lorazepam 1 mg tab bid", "benzodiazepines"),
    ("Xanax XR 1mg", "benzodiazepines"),
]


@pytest.mark.parametrize(("entry", "section"), CASES)
def test_recognised(entry, section):
    assert open_library().drugs.recognise(entry).sections == (section,)


def test_combination_maps_each_ingredient():
    found = open_library().drugs.recognise("olanzapine / fluoxetine")
    assert set(found.sections) == {"antipsychotics", "ssri-snri"}


@pytest.mark.parametrize("entry", ["lisinopril 10 mg", "methyldopa 250 mg", "metformin",
                                   "sertaline 50mg", "lithiumx"])
def test_look_alikes_are_not_matched(entry):
    assert not open_library().drugs.recognise(entry).known


def test_typo_gets_a_suggestion_not_a_match():
    found = open_library().drugs.recognise("sertaline 50mg")
    assert not found.known
    assert "sertraline" in found.suggestions


def test_partly_known_combination_reports_the_unknown_part():
    found = open_library().drugs.recognise("amlodipine / sertraline")
    assert found.sections == ("ssri-snri",)
    assert found.unmatched == ("amlodipine",)
