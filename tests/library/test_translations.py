"""Translations kept in step: the English text's fingerprint, and a twin that drops or adds
nothing a patient is told."""

from __future__ import annotations

from handouts.library.contentfile import parse_content
from handouts.library.translations import fingerprint, twin_problems

ENGLISH = """---
id: side-effects
title: Side effects
reviewed: 2026-11-01
---
::: patient
Most side effects fade within 2 hours [@popova2019].

- Feeling sleepy [@label].
- Blood pressure goes up by 40 points [@label].
:::

::: clinician
Dissociation peaks at 40 minutes [@label].
:::
"""

SPANISH = """---
id: side-effects
language: es
title: Efectos secundarios
reviewed: 2026-12-03
translated_from: {fingerprint}
---
::: patient
La mayoría de los efectos secundarios pasan en 2 horas [@popova2019].

- Sentir sueño [@label].
- La presión arterial sube 40 puntos [@label].
:::
"""


def english(text: str = ENGLISH):
    return parse_content(text, "topics/side-effects.md")


def spanish(text: str = SPANISH, **changes):
    made = text.format(fingerprint=changes.pop("fingerprint", fingerprint(english())))
    for old, new in changes.items():
        made = made.replace(old, new)
    return parse_content(made, "topics/side-effects.es.md")


def test_a_faithful_current_twin_has_no_problems():
    assert twin_problems(english(), spanish()) == []


def test_the_fingerprint_follows_the_patient_text_only():
    before = fingerprint(english())
    assert fingerprint(english(ENGLISH.replace("40 minutes", "45 minutes"))) == before
    assert fingerprint(english(ENGLISH.replace("\n::: patient", "\n\n\n::: patient"))) == before
    assert fingerprint(english(ENGLISH.replace("fade within", "go within"))) != before
    assert fingerprint(english(ENGLISH.replace("[@popova2019]", "[@other]"))) != before
    assert fingerprint(english(ENGLISH.replace("title: Side effects", "title: Effects"))) \
        != before


def test_an_english_fix_makes_the_translation_stale():
    fixed = english(ENGLISH.replace("2 hours", "2 hours or so"))
    [problem] = twin_problems(fixed, spanish())
    assert problem.field == "translated_from" and "has changed" in problem.message
    assert fingerprint(fixed) in problem.hint


def test_a_dropped_citation_or_number_is_named():
    messages = [p.message for p in twin_problems(english(), spanish(
        **{" [@popova2019]": "", "40 puntos": "mucho"}))]
    assert "citations of the English text missing here: popova2019" in messages
    assert "numbers of the English text missing here: 40" in messages


def test_a_changed_shape_is_placed():
    [problem] = twin_problems(english(), spanish(**{
        "- La presión arterial sube 40 puntos [@label].":
            "\nLa presión arterial sube 40 puntos [@label]."}))
    assert "differs from the English text's shape" in problem.message
    assert problem.line is not None


def test_numbers_are_compared_as_values():
    text = ENGLISH.replace("40 points", "1,000 points or 26.7%")
    twin = SPANISH.replace("40 puntos", "1 000 puntos o 26,7 %")
    assert twin_problems(english(text), spanish(twin, fingerprint=fingerprint(english(text)))) \
        == []
