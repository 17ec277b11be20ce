"""Every fixed string of a page, in the Document's language: gettext catalogues keyed by
message id (handouts/locale/<language>/LC_MESSAGES/handouts.po, compiled to .mo), dates
from Babel.

A message is looked up by its id ("crisis.title"), never by its English text: the English
lives in the English catalogue like any other language, so a third language is a new
catalogue and new content, not code. `tools/catalogues.py` extracts the ids from the code
into handouts.pot, adds new ones to each .po (the English beside them for translators) and
compiles the .mo files; a test keeps the three in step.

A message may hold a little inline markup, read by `say_runs`: **bold**, a citation
[@key; @key] (resolved and numbered like any citation of the library), "~" for a space no
line may break at ("call~or~text~**988**"), and {name} placeholders, filled with text that
is never read as markup (a clinic's phone number).
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
from functools import cache
from pathlib import Path

from handouts.document import Cite, Inline, Text

LOCALES = Path(__file__).parent
DOMAIN = "handouts"
# The locale Babel formats dates and numbers in, for each content language.
BABEL_LOCALES = {"en": "en_US", "es": "es_US"}
NBSP = "\u00a0"
_MARKUP = re.compile(r"\*\*|\[@([^\]]+)\]|\{(\w+)\}")


class MissingMessage(KeyError):
    """A message id no catalogue of the language has (a bug, caught by the tests)."""


class Messages:
    """The fixed strings of one language."""

    def __init__(self, language: str):
        self.language = language
        self.catalogue = _catalogue(language)

    def say(self, key: str, **values: object) -> str:
        """The message `key`, its {placeholders} filled (and no markup read)."""
        return self._message(key).format(**values)

    def say_runs(self, key: str, bold: bool = False, **values: str) -> tuple[Inline, ...]:
        """The message `key` as inline runs: **bold**, [@key] citations, and placeholders
        filled with text runs (a value is never read as markup)."""
        runs: list[Inline] = []
        at = 0
        template = self._message(key).replace("~", NBSP)
        for match in _MARKUP.finditer(template):
            runs.append(Text(template[at:match.start()], bold))
            at = match.end()
            if match.group(0) == "**":
                bold = not bold
            elif match.group(1):
                runs.append(Cite(tuple(k.strip().lstrip("@") for k in match.group(1)
                                       .split(";"))))
            else:
                runs.append(Text(values[match.group(2)], bold))
        runs.append(Text(template[at:], bold))
        return tuple(run for run in runs if not isinstance(run, Text) or run.text)

    def date(self, when: dt.date) -> str:
        """A full date as this language writes it: "November 20, 2026", "20 de noviembre
        de 2026"."""
        from babel.dates import format_date  # start-up: Babel loads on a handout's first date

        return format_date(when, "long", locale=BABEL_LOCALES[self.language])

    def month(self, when: dt.date) -> str:
        """A month and year: "December 2026", "diciembre de 2026"."""
        from babel.dates import format_skeleton  # start-up: as in date()

        return format_skeleton("yMMMM", when, locale=BABEL_LOCALES[self.language])

    def _message(self, key: str) -> str:
        found = self.catalogue.gettext(key)
        if found == key:
            raise MissingMessage(f"no message '{key}' in the {self.language} catalogue")
        return found


def message_id(key: str) -> str:
    """Marks a message id kept in a variable, so tools/catalogues.py extracts it."""
    return key


@cache
def catalogue_languages() -> tuple[str, ...]:
    """The languages with a message catalogue, in order ("en", "es")."""
    return tuple(sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir()))


@cache
def messages(language: str) -> Messages:
    """The fixed strings of `language` (loaded once per process)."""
    return Messages(language)


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    try:
        return gettext.translation(DOMAIN, LOCALES, languages=[language])
    except FileNotFoundError:
        raise MissingMessage(f"no message catalogue for language '{language}'") from None


def cited(language: str) -> dict[str, tuple[str, ...]]:
    """Message id -> the citation keys its text in `language` cites (for `handouts check`:
    a fixed string's facts are cited like any other)."""
    catalogue = _catalogue(language)
    ids = catalogue._catalog if hasattr(catalogue, "_catalog") else {}  # noqa: SLF001
    return {key: tuple(k.strip().lstrip("@") for found in re.findall(r"\[@([^\]]+)\]", text)
                       for k in found.split(";"))
            for key, text in ids.items() if isinstance(key, str) and key and "[@" in text}


def catalogue_file(language: str) -> Path:
    """The compiled catalogue of `language` (a build's input, for incremental rebuilds)."""
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def languages() -> list[str]:
    """Every language with a compiled catalogue."""
    return sorted(p.parent.parent.name for p in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
