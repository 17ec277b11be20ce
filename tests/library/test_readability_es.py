"""Our Spanish readability: syllables counted by hand, the two formulas' arithmetic, and the
INFLESZ bands."""

from __future__ import annotations

import pytest

from handouts.library.readability_es import measure, syllables

# Each word split by hand, following the RAE's rules: diphthongs (tie-ne, ciu-dad), hiatus
# with two strong vowels or an accented weak one (le-er, dí-a, re-ír), silent u in
# que/gui, ü sounded (pin-güi-no), y as a vowel only at a word's end (hoy, muy).
HAND_COUNTED = """
    ke-ta-mi-na es-ke-ta-mi-na pre-sión ar-te-rial o-xí-me-tro pul-so mé-di-co dí-a
    pa-ís re-ú-ne ciu-dad buey U-ru-guay que gue-rra pin-güi-no a-é-re-o le-er po-e-ta
    hoy muy y re-ír tie-ne cui-da-do bien e-fec-tos se-cun-da-rios us-ted san-gre
    me-di-ca-men-to lla-me a-yu-da ma-yo a-ho-ra bú-ho prohi-bir guí-a a-ve-ri-güe quién
    cuán-do an-ti-de-pre-si-vo res-pi-ra-ción frí-o o-í-do rui-do náu-se-as ma-re-o
    sue-ño i-de-as te-o-rí-a hue-vo em-ba-ra-zo som-no-len-cia ma-ne-jar pas-ti-lla
    Spra-va-to ven-ta-na au-to-mó-vil cria-tu-ra a-cei-te des-pués pie-za vie-ron
""".split()


@pytest.mark.parametrize("split", HAND_COUNTED)
def test_syllables_agree_with_hand_counts(split):
    assert syllables(split.replace("-", "")) == split.count("-") + 1


def test_numbers_count_by_digit_group():
    assert syllables("988") == 1 and syllables("2,5") == 2


def test_both_formulas_from_their_counts():
    # "Llame al 988." 3 words (lla-me al 988: 4 syllables), one sentence.
    found = measure("Llame al 988.")
    assert (found.words, found.sentences, found.syllables) == (3, 1, 4)
    assert found.szigriszt == pytest.approx(206.835 - 62.3 * 4 / 3 - 3 / 1)
    assert found.fernandez_huerta == pytest.approx(206.84 - 60 * 4 / 3 - 1.02 * 3 / 1)


@pytest.mark.parametrize(("text", "band"), [
    ("Su pierna. Su mano. Su ojo. La mesa.", "muy fácil"),
    # 8 words, 17 syllables (si tie-ne e-fec-tos se-cun-da-rios lla-me a su e-qui-po), one
    # sentence: 206.835 - 62.3 * 17 / 8 - 8 = 66.4
    ("Si tiene efectos secundarios, llame a su equipo.", "bastante fácil"),
    ("Si tiene efectos secundarios después de recibir el medicamento, llame a su equipo "
     "de atención médica o pida ayuda a un familiar.", "algo difícil"),
    ("La administración concomitante de depresores del sistema nervioso central puede "
     "incrementar considerablemente la sedación y comprometer la función respiratoria.",
     "muy difícil"),
])
def test_inflesz_bands(text, band):
    assert measure(text).band == band


def test_a_list_item_without_a_stop_ends_a_sentence():
    assert measure("Tome agua\nDescanse bien\nLlame si tiene fiebre").sentences == 3
