"""Readability of Spanish text: the Flesch-Szigriszt index read on the INFLESZ scale, and
Fernández-Huerta's score, with our own tested Spanish syllable counter.

Flesch-Szigriszt (Szigriszt-Pazos 1993), read on the INFLESZ scale (Barrio-Cantalejo 2008):

    index = 206.835 - 62.3 * syllables / words - words / sentences

    below 40 muy difícil, 40-55 algo difícil, 55-65 normal, 65-80 bastante fácil,
    80 and above muy fácil.

Fernández-Huerta (1959), as corrected by Gwillim Law (2011): 206.84 - 60 * syllables /
words - 1.02 * words / sentences (60-70 "normal para adulto").

Flesch-Kincaid grades do not apply to Spanish: Spanish words are longer in syllables for
the same difficulty, which is what these formulas were fitted to.

Spanish syllables follow from the vowels: a, e, o (and í, ú with an accent) are strong;
i, u and ü are weak. Two strong vowels side by side are two syllables (hiatus: "le-er",
"dí-a"); a weak vowel beside another vowel shares its syllable (diphthong: "tie-ne",
"ciu-dad", triphthong "U-ru-guay"). The u of "que", "qui", "gue", "gui" is not sounded,
"y" is a vowel only where no vowel follows it ("hoy", "muy"), and "h" does not part two
vowels ("a-ho-ra" is three syllables because a and o are both strong).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n")
STRONG = set("aeoáéóíú")
WEAK = set("iuüy")
BANDS = ((80, "muy fácil"), (65, "bastante fácil"), (55, "normal"), (40, "algo difícil"),
         (float("-inf"), "muy difícil"))


def syllables(word: str) -> int:
    """Syllables in one Spanish word (a number counts as one per digit group; a word in
    capitals, such as an acronym, by its letters' vowels as written)."""
    word = unicodedata.normalize("NFC", word.lower()).replace("’", "'")
    if not word:
        return 0
    if word[0].isdigit():
        return max(1, len(re.findall(r"\d+", word)))
    if "-" in word:
        return sum(syllables(part) for part in word.split("-") if part)
    word = re.sub(r"(?<=[qg])u(?=[eéií])", "", word)  # "que", "guerra": u not sounded
    word = word.replace("h", "")  # "ahora", "prohibir": h never parts two vowels
    count, previous = 0, ""
    for i, char in enumerate(word):
        vowel = char in STRONG or char in WEAK and not (
            char == "y" and i + 1 < len(word) and word[i + 1] in STRONG | WEAK)
        if not vowel:
            previous = ""
            continue
        if not previous or previous in STRONG and char in STRONG:
            count += 1  # a new nucleus: after a consonant, or two strong vowels (hiatus)
        previous = char
    return max(1, count)


@dataclass(frozen=True)
class Legibility:
    words: int
    sentences: int
    syllables: int
    file: str = ""  # where the text came from, for a report
    line: int | None = None

    @property
    def szigriszt(self) -> float:
        """The Flesch-Szigriszt index (the INFLESZ scale reads it); higher is easier."""
        if not self.words:
            return 100.0
        return 206.835 - 62.3 * self.syllables / self.words - self.words / self.sentences

    @property
    def fernandez_huerta(self) -> float:
        """Fernández-Huerta's reading ease (Law's correction); higher is easier."""
        if not self.words:
            return 100.0
        return 206.84 - 60 * self.syllables / self.words - 1.02 * self.words / self.sentences

    @property
    def band(self) -> str:
        """The INFLESZ band of the Flesch-Szigriszt index."""
        return next(name for floor, name in BANDS if self.szigriszt >= floor)


def measure(text: str) -> Legibility:
    """Words, sentences and syllables of a Spanish passage. Give one block per line: a
    line that ends without a stop still ends a sentence (a list item, a cell, a heading)."""
    words = _WORD.findall(text)
    pieces = [p for p in _SENTENCE_END.split(text) if _WORD.search(p)]
    return Legibility(len(words), max(1, len(pieces)), sum(syllables(w) for w in words))
