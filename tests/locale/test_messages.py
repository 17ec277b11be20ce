"""The message catalogues: in step with the code, every id in every language, citations
that resolve, placeholders that are never markup, and dates as each language writes them."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from handouts.document import Cite, Text
from handouts.library.load import open_library
from handouts.locale.messages import MissingMessage, cited, languages, messages
from tests.conftest import ROOT


def test_catalogues_are_in_step_with_the_code_and_complete():
    result = subprocess.run([sys.executable, "tools/catalogues.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert languages() == ["en", "es"]


def test_every_cited_fact_of_a_message_is_a_reference_we_hold():
    references = open_library().references
    for language in languages():
        assert {k for keys in cited(language).values() for k in keys} <= set(references)
    assert "lifeline988_expect" in {k for keys in cited("es").values() for k in keys}


def test_a_placeholder_is_filled_with_text_never_markup():
    runs = messages("en").say_runs("crisis.after_hours", after_hours="**1** [@x] {y}")
    assert Text("**1** [@x] {y}", bold=True) in runs
    assert not any(isinstance(run, Cite) for run in runs)


def test_the_spanish_crisis_box_says_what_988_says_of_its_spanish_service():
    runs = messages("es").say_runs("crisis.call_988")
    text = "".join(getattr(run, "text", "") for run in runs).replace("\u00a0", " ")
    assert "llame al 988 y marque 2 para hablar en español" in text
    assert "enviar la palabra AYUDA por mensaje de texto al 988" in text
    assert Text("AYUDA", bold=True) in runs
    assert Cite(("lifeline988", "lifeline988_expect")) in runs


@pytest.mark.parametrize(("language", "date", "month"), [
    ("en", "December 3, 2026", "December 2026"),
    ("es", "3 de diciembre de 2026", "diciembre de 2026"),
])
def test_dates_as_each_language_writes_them(language, date, month):
    day = dt.date(2026, 12, 3)
    assert messages(language).date(day) == date and messages(language).month(day) == month


def test_an_unknown_id_is_a_bug_not_a_blank():
    with pytest.raises(MissingMessage):
        messages("es").say("no.such.message")
