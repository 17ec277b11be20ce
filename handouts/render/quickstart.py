"""Import ReportLab's paragraph module without compiling, at every start, a regular
expression a handout almost never uses.

`reportlab.platypus.paragraph` compiles, when imported, a URL pattern (derived from
Django's validator, with character classes over most of Unicode) that takes a third of the
module's import time, about as long as laying out a short page. It is used only to try
hyphenating a word at a line's end as a URL, and it can only match text with "://" in it.
While that module is imported we hand it a stand-in that answers "no match" at once for
any other text and compiles the real pattern the first time it is needed, so results are
the same. Any other pattern, or a ReportLab whose pattern is different, is compiled as
usual.
"""

from __future__ import annotations

import re
import sys

_URI_START = "(^(?:[a-z0-9\\.\\-\\+]*)://)"


class _LazyURIPattern:
    """A compiled pattern's stand-in: compiled on first real use."""

    def __init__(self, pattern: str, flags: int):
        self._pattern, self._flags, self._compiled = pattern, flags, None

    def _real(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = _COMPILE(self._pattern, self._flags)
        return self._compiled

    def match(self, text, *args):
        if isinstance(text, str) and "://" not in text:  # the pattern requires it
            return None
        return self._real().match(text, *args)

    def __getattr__(self, name):
        return getattr(self._real(), name)


_COMPILE = re.compile


def _compile(pattern, flags=0):
    if isinstance(pattern, str) and pattern.startswith(_URI_START):
        return _LazyURIPattern(pattern, flags)
    return _COMPILE(pattern, flags)


def import_reportlab() -> None:
    """Import reportlab.platypus (once), with the URL pattern compiled lazily."""
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    re.compile = _compile
    try:
        import reportlab.platypus  # noqa: F401 - imported for its side effect
    finally:
        re.compile = _COMPILE


import_reportlab()  # on import: the renderer imports this module before any ReportLab
