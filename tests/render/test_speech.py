"""Listen to it: the tagged text of the crisis box and of the tailored leaflet's first page, as
a screen reader takes it from the structure tree (/Alt and /ActualText in place of what they
describe), spoken by espeak-ng (Debian's `espeak-ng`, which .ci/run installs). We compare
its phonemes, not audio: the same text gives the same phonemes on every run.

Without the renderer's help espeak says "nine hundred eighty-eight" for 988, "Roman four"
for IV, "seven hundred sixty" for an area code and "private dot one" for a citation; the
last test shows the same text read from the page alone still does."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from handouts.render.pdf import render
from tests.matrix import documents
from tests.tagcheck import spoken_text

ESPEAK = "espeak-ng"
VOICE = "en-us"


def phonemes(text: str) -> str:
    """espeak-ng's phonemes for `text` (its ASCII mnemonics), stress and pauses left out,
    so "9 8 8" is "naIn eIt eIt"."""
    if shutil.which(ESPEAK) is None:  # never a silent skip: .ci/run installs it
        pytest.fail("espeak-ng is missing: apt-get install -y espeak-ng")
    out = subprocess.run([ESPEAK, "-q", "-v", VOICE, "-x", "--stdin"], input=text,
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return re.sub(r"\s+", " ", re.sub(r"_[:!]*", " ", re.sub(r"[',]", "", out))).strip()


DIGITS = {"0": "zi@roU", "1": "wVn", "2": "tu:", "3": "Tri:", "4": "fo@", "5": "faIv",
          "6": "sIks", "7": "sEv@n", "8": "eIt", "9": "naIn"}


def digit_by_digit(number: str) -> str:
    return " ".join(DIGITS[d] for d in number if d.isdigit())


HUNDRED = "hVndrI2d"
DOT = re.compile(r"d0t ?(wVn|tu:|Tri:|fo@|faIv|sIks|sEv@n|eIt|naIn)")  # "dot one"


@pytest.fixture(scope="module")
def leaflet(tmp_path_factory):
    document = documents()["tailored-leaflet-patient-letter-standard"]
    path = tmp_path_factory.mktemp("speech") / "leaflet.pdf"
    path.write_bytes(render(document))
    return path, document


def test_the_crisis_box_says_each_number_digit_by_digit(leaflet):
    path, document = leaflet
    said = phonemes(spoken_text(path, start="Get help now"))
    assert digit_by_digit("988") in said  # "nine eight eight"
    assert digit_by_digit("911") in said
    assert digit_by_digit(document.brand.contact.after_hours) in said  # (760) 555-0199
    assert HUNDRED not in said  # no number said as hundreds
    assert "rEfr@ns wVn" in said and not DOT.search(said)  # "reference 1", never "dot one"


def test_the_first_page_says_the_clinics_phone_iv_and_citations(leaflet):
    path, document = leaflet
    said = phonemes(spoken_text(path, page=0))
    assert digit_by_digit(document.brand.contact.phone) in said  # the footer: (760) 555-0142
    assert "aI vi: kEt#a#m" in said  # "I V ketamine", not "Roman four ketamine"
    assert "roUm@n" not in said
    assert "rEfr@ns tu:" in said and not DOT.search(said)


def test_read_from_the_page_alone_the_same_text_is_misread(leaflet):
    """The words without the tree's /Alt: what a reader of the bare page would hear. If
    this ever passes the checks above, they no longer show anything."""
    path, _ = leaflet
    bare = re.sub(r"\s+", " ", " ".join(_page_text(path)))
    said = phonemes(bare)
    assert HUNDRED in said and "roUm@n fo@" in said
    assert DOT.search(phonemes("It is free and private.1"))


def _page_text(path) -> list[str]:
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(str(path))[0]
    return [page.get_textpage().get_text_range()]
