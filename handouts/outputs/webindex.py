"""The index of a site's web copies: after `batch --format html`, each site's folder gets an
index.html listing the HTML twins published there (title, language, review date, link).

Only a web copy is listed: an HTML twin that carries the link to its own web copy, which
only an untailored patient handout of a site with `web_copy` has (see build.web_copy).
So a tailored handout, a clinician handout or a site that publishes nothing is never
listed. The index is read from the files in the folder, so a rerun that built nothing, or
one shard of a batch, still lists everything the folder serves."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from handouts.errors import Problem, SpecError
from handouts.files import write_atomic
from handouts.locale.messages import message_id, messages
from handouts.render_html.blocks import attr, text

INDEX = "index.html"
GENERATOR = "handouts web-copy index"
_MARK = re.compile(r'<p class="web-copy" data-reviewed="(\d{4}-\d{2}-\d{2})">')
_LANG = re.compile(r'<html lang="([^"]+)">')
_H1 = re.compile(r"<h1>(.*?)</h1>", re.S)
_CLINIC = re.compile(r"<footer><p><strong>(.*?)</strong>", re.S)


@dataclass(frozen=True)
class Entry:
    file: str
    title: str
    language: str
    reviewed: dt.date
    clinic: str


def check_names(outputs: Iterable[str]) -> None:
    """No handout may be written where the index goes (a spec named index.yaml)."""
    clashes = sorted(o for o in outputs if Path(o).stem.casefold() == "index")
    if clashes:
        raise SpecError(Problem(f"{clashes[0]} would be overwritten by the folder's index of "
                                "web copies (index.html)", field="--format",
                                hint="rename the spec (index.yaml), or build PDFs only"))


def entry(path: Path) -> Entry | None:
    """What the index says of one HTML twin, or None if it is not a web copy."""
    page = path.read_text(encoding="utf-8", errors="replace")
    mark, lang, h1, clinic = (p.search(page) for p in (_MARK, _LANG, _H1, _CLINIC))
    if not (mark and lang and h1):
        return None
    return Entry(path.name, html.unescape(h1.group(1)), html.unescape(lang.group(1)),
                 dt.date.fromisoformat(mark.group(1)),
                 html.unescape(clinic.group(1)) if clinic else "")


def entries(folder: Path) -> list[Entry]:
    found = (entry(p) for p in sorted(folder.glob("*.html")) if p.name != INDEX and p.is_file())
    return [e for e in found if e is not None]


def index_html(listed: list[Entry]) -> bytes:
    """The index page's bytes: in the handouts' language when they share one, else English;
    each title marked with its own language."""
    languages = {e.language for e in listed}
    language = languages.pop() if len(languages) == 1 else "en"
    said = messages(language)
    heading = said.say("webindex.heading")
    clinic = next((e.clinic for e in listed if e.clinic), "")
    title = f"{heading} · {clinic}" if clinic else heading
    rows = []
    for e in listed:
        lang = f' lang="{attr(e.language)}"' if e.language != language else ""
        rows.append(f'<tr><th scope="row"{lang}><a href="{attr(e.file)}">{text(e.title)}</a>'
                    f"</th><td>{text(_language_name(e.language, language))}</td>"
                    f"<td>{text(said.month(e.reviewed))}</td></tr>")
    head = "".join(f'<th scope="col">{text(said.say(key))}</th>' for key in
                   (message_id("webindex.column_title"), message_id("webindex.column_language"),
                    message_id("webindex.column_reviewed")))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{attr(language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="{GENERATOR}">',
        f"<title>{text(title)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{text(heading)}</h1>",
        *([f'<p class="clinic">{text(clinic)}</p>'] if clinic else []),
        "<table>",
        f"<thead><tr>{head}</tr></thead>",
        "<tbody>", *rows, "</tbody>",
        "</table>",
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts).encode("utf-8")


STYLE = """body { font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem; line-height: 1.5; }
h1 { font-size: 1.6rem; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem 0.3rem;
  border-bottom: 1px solid #b8b8b8; overflow-wrap: anywhere; hyphens: auto; }
thead th:first-child { width: 55%; }
@media (max-width: 30rem) { main { padding: 0.5rem; } table { font-size: 0.9rem; } }
thead th { border-bottom: 2px solid #1a1a1a; }
a { color: #1f4e79; }"""


def _language_name(code: str, language: str) -> str:
    """"Spanish", "español": a language's name in the index's language."""
    from babel import Locale

    try:
        name = Locale.parse(code).get_display_name(language) or code
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:]


def write_indexes(out_dir: Path, folders: Iterable[str]) -> list[Path]:
    """Write (atomically) the index of each folder that holds web copies; remove an index
    this module wrote where none are left. Returns the indexes written."""
    written = []
    for name in sorted(set(folders)):
        folder = out_dir / name
        if not folder.is_dir():
            continue
        listed = entries(folder)
        index = folder / INDEX
        if listed:
            write_atomic(index, index_html(listed))
            written.append(index)
        elif index.is_file() and GENERATOR in index.read_text(errors="replace")[:2000]:
            index.unlink()
    return written
