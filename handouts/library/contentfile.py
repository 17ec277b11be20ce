"""Parse one content file: YAML front matter, then Markdown into Document blocks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from handouts.document import (
    LINK_SCHEMES,
    Audience,
    Block,
    Callout,
    Cite,
    Heading,
    Inline,
    Link,
    ListBlock,
    Paragraph,
    Table,
    Text,
    inline_groups,
)
from handouts.errors import ContentError, Problem
from handouts.inputs.spec import LanguageCode
from handouts.inputs.validation import validate
from handouts.inputs.yamlio import YamlProblem, parse

if TYPE_CHECKING:
    from markdown_it.token import Token

# `report`: a short structured summary for the clinician co-medication report (report.py);
# like the audience passages it is kept apart, so ordinary handouts never print it.
CONTAINERS = ("patient", "clinician", "report", "warning", "note")
PASSAGES = ("patient", "clinician", "report")
_CITATION = re.compile(r"\s*\[(@[\w:.\-]+(?:\s*;\s*@[\w:.\-]+)*)\]")
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.S)


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    reviewed: dt.date
    review_every_months: int = Field(12, ge=1, le=60)
    drug_classes: list[str] = Field(default_factory=list)
    medicine_class: str | None = Field(None, max_length=60,
                                       description="Short label for the 'Your medicines' table.")
    overrides: bool = False
    language: LanguageCode = Field("en", description="The passage's language; marked in "
                                   "the PDF and HTML where it is not the handout's.")
    translated_from: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")] | None = Field(
        None, description="A translation (<id>.<language>.md): the fingerprint of the English "
        "text it was made from, which `handouts check` compares with the English file today.")

    @property
    def class_label(self) -> str:
        """The medicine class as it reads after a colon ("lorazepam: benzodiazepine or
        sleeping pill"): its first letter lowered, unless it starts an acronym ("SSRI")."""
        label = self.medicine_class or self.title
        return label[:1].lower() + label[1:] if label[1:2].islower() else label


@dataclass(frozen=True)
class ContentFile:
    front: FrontMatter
    blocks: tuple[Block, ...]
    path: str

    @property
    def id(self) -> str:
        return self.front.id


@cache
def _markdown():
    """The Markdown parser, built on first use (most runs read parsed content from the
    cache and never import markdown-it)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.container import container_plugin

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    for name in CONTAINERS:
        md.use(container_plugin, name=name)
    return md


def parse_content(text: str, path: str) -> ContentFile:
    """Parse a content file's text; raise ContentError listing every problem."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # files saved on Windows or old Macs
    match = _FRONT.match(text)
    if not match:
        raise ContentError.one("missing front matter (a '---' block at the top)", path, line=1)
    try:
        doc = parse(match.group(1), path, line_offset=1)
    except YamlProblem as exc:
        raise ContentError(exc.problem) from None
    if not isinstance(doc.data, dict):
        raise ContentError.one("front matter must be a YAML mapping", path, line=2)
    front, problems = validate(FrontMatter, doc)
    body_offset = match.group(0).count("\n")
    reader = _Reader(_markdown().parse(text[match.end():]), path, body_offset)
    blocks = reader.blocks()
    problems += reader.problems
    if front is not None and not path.endswith((f"{front.id}.md",
                                                f"{front.id}.{front.language}.md")):
        problems.append(Problem(f"id '{front.id}' does not match the file name", path,
                                doc.line_of(("id",)), "id", "rename one to match the other"))
    if problems:
        raise ContentError(problems)
    return ContentFile(front, tuple(blocks), path)


SUBHEADING_CHARS = 80


def _is_subheading(runs: tuple[Inline, ...]) -> bool:
    """A paragraph that is one short bold line and nothing else ("**Before you come**",
    "**Practical advice.**") is a subheading: a reader's screen reader should find it as a
    heading, and the page shows it as one."""
    return bool(runs) and all(isinstance(run, Text) and run.bold for run in runs) and \
        0 < len("".join(run.text for run in runs).strip()) <= SUBHEADING_CHARS


class _Reader:
    """Walks markdown-it's flat token stream, one small handler per block token."""

    def __init__(self, tokens: list[Token], path: str, offset: int):
        self.tokens, self.pos, self.path, self.offset = tokens, 0, path, offset
        self.in_list = 0  # inside a list item, a bold line is the item's own text
        self.problems: list[Problem] = []
        self.handlers = {
            "paragraph_open": self._paragraph,
            "heading_open": self._heading,
            "bullet_list_open": self._list,
            "ordered_list_open": self._list,
            "table_open": self._table,
        }

    def line(self, token: Token) -> int | None:
        return token.map[0] + 1 + self.offset if token.map else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def blocks(self, until: str | None = None) -> list[Block]:
        out: list[Block] = []
        while self.pos < len(self.tokens) and self.tokens[self.pos].type != until:
            token = self.tokens[self.pos]
            handler = self.handlers.get(token.type)
            if handler is None and token.type.startswith("container_"):
                handler = self._container
            if handler is None:
                self.problems.append(Problem(
                    f"{token.type.replace('_open', '').replace('_', ' ')} is not supported "
                    "in content files", self.path, self.line(token),
                    hint="use paragraphs, lists, tables and ::: containers"))
                self._skip(token)
                continue
            block = handler()
            if block is not None:
                out.append(block)
        if until is not None:
            self.pos += 1  # the closing token
        return out

    def _skip(self, token: Token) -> None:
        self.pos += 1
        if token.nesting == 1:
            depth = 1
            while self.pos < len(self.tokens) and depth:
                depth += self.tokens[self.pos].nesting
                self.pos += 1

    def _paragraph(self) -> Paragraph | Heading:
        opening = self.take()
        inline = self.take()
        self.take()
        runs = self.inlines(inline)
        if not self.in_list and _is_subheading(runs):
            return Heading(tuple(Text(run.text) for run in runs), 3, self.line(opening))
        return Paragraph(runs, self.line(opening))

    def _heading(self) -> Heading:
        opening = self.take()
        inline = self.take()
        self.take()
        return Heading(self.inlines(inline), max(2, int(opening.tag[1])), self.line(opening))

    def _list(self) -> ListBlock:
        opening = self.take()
        close = opening.type.replace("_open", "_close")
        items = []
        self.in_list += 1
        while self.tokens[self.pos].type != close:
            self.take()  # list_item_open
            items.append(tuple(self.blocks("list_item_close")))
        self.in_list -= 1
        self.take()
        return ListBlock(tuple(items), opening.type.startswith("ordered"), self.line(opening))

    def _table(self) -> Table:
        opening = self.take()
        rows: list[tuple[tuple[Inline, ...], ...]] = []
        header: tuple = ()
        row: list = []
        while (token := self.take()).type != "table_close":
            if token.type == "inline":
                row.append(self.inlines(token))
            elif token.type == "tr_close":
                if header:
                    rows.append(tuple(row))
                else:
                    header = tuple(row)
                row = []
        return Table(header, tuple(rows), self.line(opening))

    def _container(self) -> Block:
        opening = self.take()
        name = opening.type[len("container_"):-len("_open")]
        inner = tuple(self.blocks(f"container_{name}_close"))
        if name in PASSAGES:
            return Audience(name, inner, self.line(opening))
        title = opening.info.strip()[len(name):].strip() or None
        return Callout(name, inner, title, self.line(opening))

    def inlines(self, inline: Token) -> tuple[Inline, ...]:
        """Inline tokens -> runs: bold/italic state, links, and [@key] citations."""
        out: list[Inline] = []
        bold = italic = False
        href: str | None = None
        line = self.line(inline)
        for child in inline.children or []:
            kind = child.type
            if kind in ("strong_open", "strong_close"):
                bold = kind == "strong_open"
            elif kind in ("em_open", "em_close"):
                italic = kind == "em_open"
            elif kind == "link_open":
                href = str(child.attrs.get("href", ""))
                if not href.lower().startswith(LINK_SCHEMES):
                    self.problems.append(Problem(
                        f"link to '{href}' is not allowed", self.path, line,
                        hint="links must start with https://, http:// or mailto:"))
            elif kind == "link_close":
                href = None
            elif kind in ("softbreak", "hardbreak"):
                out.append(Text(" ", bold, italic))
            elif kind in ("text", "code_inline"):
                out.extend(self._text_runs(child.content, bold, italic, href, line))
            elif kind == "image":
                self.problems.append(Problem("images are not supported in content files",
                                             self.path, line))
        return tuple(out)

    def _text_runs(self, text: str, bold: bool, italic: bool, href: str | None,
                   line: int | None) -> list[Inline]:
        runs: list[Inline] = []
        last = 0
        for match in _CITATION.finditer(text):
            runs.append(self._run(text[last:match.start()], bold, italic, href))
            keys = tuple(k.strip().lstrip("@") for k in match.group(1).split(";"))
            runs.append(Cite(keys, line))
            last = match.end()
        runs.append(self._run(text[last:], bold, italic, href))
        return [r for r in runs if not (isinstance(r, Text | Link) and not r.text)]

    @staticmethod
    def _run(text: str, bold: bool, italic: bool, href: str | None) -> Inline:
        return Link(text, href, bold) if href else Text(text, bold, italic)


def for_audience(blocks: Iterable[Block], audience: str) -> tuple[Block, ...]:
    """The shared blocks and the audience's own passages, the other audiences' taken out
    (inside callouts and list items too): what a reader of that audience reads."""
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Audience):
            if block.audience == audience:
                out.extend(for_audience(block.blocks, audience))
        elif isinstance(block, Callout):
            out.append(dataclasses.replace(block, blocks=for_audience(block.blocks, audience)))
        elif isinstance(block, ListBlock):
            items = tuple(for_audience(item, audience) for item in block.items)
            out.append(dataclasses.replace(block, items=items))
        else:
            out.append(block)
    return tuple(out)


def lines_of(blocks: Iterable[Block]) -> Iterable[str]:
    """What a reader reads, one block (paragraph, item, cell, heading) per line."""
    for group in inline_groups(blocks):
        yield "".join(getattr(run, "text", "") for run in group)


def patient_passages(content: ContentFile) -> Iterable[tuple[int | None, list[str]]]:
    """Each patient container, and the shared text, as (line, lines of text): what the
    readability checks measure."""
    shared = [b for b in content.blocks if not isinstance(b, Audience)]
    if shared:
        yield shared[0].line, list(lines_of(shared))
    for block in content.blocks:
        if isinstance(block, Audience) and block.audience == "patient":
            yield block.line, list(lines_of(block.blocks))
