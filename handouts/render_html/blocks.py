"""Blocks and inline runs -> HTML: one small function per block type, found through a dict.
Every text leaf is escaped here, so nothing a spec, a site or a content file says becomes
markup; link targets are only http(s) and mailto."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from html import escape

from handouts.document import (
    Block,
    Callout,
    CiteRef,
    Heading,
    Inlines,
    Link,
    ListBlock,
    PageRef,
    Paragraph,
    Table,
    Text,
    checked_link,
    has_row_headers,
)
from handouts.library.citations import compress
from handouts.locale.messages import messages
from handouts.render.wording import SPEAKING, callout_title, said_reference, spoken


def text(value: str) -> str:
    """Text as HTML: escaped, in composed form (NFC) as the PDF prints it."""
    return escape(unicodedata.normalize("NFC", value), quote=False)


def said(value: str) -> str:
    """`text`, with each number to call and each "IV" printed as it is and, for screen
    readers only, said as it should be ("9 8 8", "I V" in an <abbr> naming intravenous):
    see `spoken_parts`, which the PDF's /Alt follows too."""
    out = []
    for part in spoken(value):
        shown = text(part.text)
        if part.said:
            shown = (f'<span aria-hidden="true">{shown}</span>'
                     f'<span class="said">{text(part.said)}</span>')
            if part.expansion:
                shown = f'<abbr title="{attr(part.expansion)}">{shown}</abbr>'
        out.append(shown)
    return "".join(out)


def attr(value: str) -> str:
    return escape(unicodedata.normalize("NFC", value), quote=True)


def href(url: str) -> str:
    return attr(checked_link(url))


def section_anchor(section_id: str) -> str:
    return "section-" + re.sub(r"[^A-Za-z0-9_-]", "-", section_id)


def inlines(runs: Inlines) -> str:
    """Bold, italic, links, and citations as superscript links into the reference list
    (after a following full stop or comma, as AMA style asks)."""
    parts: list[str] = []
    pending: list[str] = []
    for run in runs:
        if isinstance(run, CiteRef):
            if run.numbers:
                pending.append(compress(run.numbers))
            continue
        if pending and isinstance(run, Text):
            lead = len(run.text) - len(run.text.lstrip(".,;:"))
            if lead:
                parts.append(text(run.text[:lead]))
                run = Text(run.text[lead:], run.bold, run.italic)
        if pending:
            parts.append(_citation(",".join(pending)))
            pending = []
        parts.append(_run(run))
    if pending:
        parts.append(_citation(",".join(pending)))
    return "".join(parts)


def _citation(numbers: str) -> str:
    """'2,3-5' with each number a link to its reference."""
    linked = re.sub(r"\d+", lambda m: f'<a href="#ref-{m.group()}" aria-label="'
                                      f'{attr(said_reference(m.group()))}">{m.group()}</a>',
                    numbers)
    return f'<sup class="cite">{linked}</sup>'


def _run(run) -> str:
    if isinstance(run, Link):
        inner = f"<strong>{text(run.text)}</strong>" if run.bold else text(run.text)
        return f'<a href="{href(run.url)}">{inner}</a>'
    if isinstance(run, PageRef):
        see = messages(SPEAKING.get()).say("medicines.see_section")
        return f'<a href="#{section_anchor(run.section_id)}">{text(see)}</a>'
    out = said(run.text)
    if run.bold:
        out = f"<strong>{out}</strong>"
    if run.italic:
        out = f"<em>{out}</em>"
    return out


class Headings:
    """Hands out heading ids, unique within one document."""

    def __init__(self) -> None:
        self.count = 0

    def new_id(self) -> str:
        self.count += 1
        return f"h{self.count}"


def blocks(items: tuple[Block, ...], ids: Headings) -> str:
    return "\n".join(BUILDERS[type(block)](block, ids) for block in items)


def _paragraph(block: Paragraph, ids: Headings) -> str:
    return f"<p>{inlines(block.inlines)}</p>"


def _heading(block: Heading, ids: Headings) -> str:
    level = 3 if block.level >= 3 else 2
    return f"<h{level}>{inlines(block.inlines)}</h{level}>"


def _list(block: ListBlock, ids: Headings) -> str:
    tag = "ol" if block.ordered else "ul"
    items = []
    for item in block.items:
        if len(item) == 1 and isinstance(item[0], Paragraph):
            items.append(f"<li>{inlines(item[0].inlines)}</li>")
        else:
            items.append(f"<li>{blocks(item, ids)}</li>")
    return f"<{tag}>\n" + "\n".join(items) + f"\n</{tag}>"


def _table(block: Table, ids: Headings) -> str:
    head = ""
    if block.header:
        cells = "".join(f'<th scope="col">{inlines(c)}</th>' if _has_text(c) else "<td></td>"
                        for c in block.header)  # a corner cell heads nothing
        head = f"<thead><tr>{cells}</tr></thead>"
    row_headers = has_row_headers(block)
    rows = "".join("<tr>" + "".join(
        f'<th scope="row">{inlines(c)}</th>' if row_headers and i == 0 and _has_text(c)
        else f"<td>{inlines(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in block.rows)
    return f'<table>{head}<tbody>{rows}</tbody></table>'


def _has_text(runs: Inlines) -> bool:
    return any(getattr(run, "text", "").strip() for run in runs)


def callout(block: Callout, ids: Headings, level: int = 3) -> str:
    """A box with a heading: the safety box is an aside (level 2, among the sections);
    other boxes are notes inside their section."""
    heading = ids.new_id()
    title = text(block.title or callout_title(block.kind, SPEAKING.get()))
    tag, role = ("aside", "") if block.kind == "safety" else ("div", ' role="note"')
    return (f'<{tag} class="callout {block.kind}"{role} aria-labelledby="{heading}">'
            f'<h{level} id="{heading}">{title}</h{level}>\n{blocks(block.blocks, ids)}'
            f"</{tag}>")


BUILDERS: dict[type, Callable[[Block, Headings], str]] = {
    Paragraph: _paragraph,
    Heading: _heading,
    ListBlock: _list,
    Table: _table,
    Callout: callout,
}
