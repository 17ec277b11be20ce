"""Citation numbering by first use, and reference formatting in AMA style."""

from __future__ import annotations

from collections.abc import Mapping

from handouts.document import Inline, Link, Text

MAX_AUTHORS = 6  # AMA: list up to six authors; with more, the first three and "et al"


class Numbering:
    """Gives each citation key a number the first time it is used."""

    def __init__(self) -> None:
        self.order: dict[str, int] = {}

    def number(self, key: str) -> int:
        return self.order.setdefault(key, len(self.order) + 1)


def compress(numbers: tuple[int, ...]) -> str:
    """(3, 1, 2, 5) -> '1-3,5', as AMA prints superscript citation numbers."""
    ordered = sorted(set(numbers))
    parts, start = [], None
    for i, n in enumerate(ordered):
        start = n if start is None else start
        if i + 1 == len(ordered) or ordered[i + 1] != n + 1:
            parts.append(str(n) if n == start else
                         f"{start},{n}" if n == start + 1 else f"{start}-{n}")
            start = None
    return ",".join(parts)


def format_reference(entry: Mapping, italics: bool = True) -> tuple[Inline, ...]:
    """One CSL-JSON entry as AMA-style inline runs (journal in italics, DOI linked)."""
    runs: list[Inline] = []
    authors = _authors(entry)
    container = str(entry.get("container-title") or "")
    if authors:
        runs.append(Text(_end(authors) + " "))
    runs.append(Text(_end(str(entry["title"])) + " "))
    if entry.get("type") == "article-journal":
        runs.append(Text(container + ".", italic=italics))
        runs.append(Text(" " + _journal_details(entry)))
    else:
        details = [c for c in (container if container != authors else "",
                               str(entry.get("number") or ""), _year(entry)) if c]
        if details:
            runs.append(Text("; ".join(details) + "."))
    if entry.get("DOI"):
        doi = str(entry["DOI"])
        runs += [Text(" "), Link(f"doi:{doi}", f"https://doi.org/{doi}")]
    elif entry.get("URL"):
        runs += [Text(" "), Link(str(entry["URL"]), str(entry["URL"]))]
    if entry.get("PMID") and not entry.get("DOI"):  # AMA cites the DOI when there is one
        runs.append(Text(f" PMID: {entry['PMID']}"))
    return tuple(runs)


def _authors(entry: Mapping) -> str:
    names = [_name(a) for a in entry.get("author") or ()]
    if not names:
        return ""
    truncated = bool(entry.get("et-al")) or len(names) > MAX_AUTHORS
    if len(names) > MAX_AUTHORS:
        names = names[:3]
    return ", ".join(names) + (", et al" if truncated else "")


def _name(author: Mapping) -> str:
    if "literal" in author:
        return str(author["literal"])
    suffix = f" {author['suffix']}" if author.get("suffix") else ""
    return f"{author.get('family', '')} {author.get('given', '')}".strip() + suffix


def _year(entry: Mapping) -> str:
    parts = (entry.get("issued") or {}).get("date-parts") or [[]]
    return str(parts[0][0]) if parts and parts[0] else ""


def _journal_details(entry: Mapping) -> str:
    """2000;47(4):351-354. — whatever of year, volume, issue and pages is known."""
    out = _year(entry)
    if entry.get("volume"):
        out += f";{entry['volume']}"
        if entry.get("issue"):
            out += f"({entry['issue']})"
        if entry.get("page"):
            out += f":{entry['page']}"
    return out + "."


def _end(text: str) -> str:
    """Add a full stop unless the text already ends a sentence."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."
