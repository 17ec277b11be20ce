"""Safe YAML loading that remembers the line of every value, for error messages.

Documents are built straight from the parser's event stream, never through PyYAML's
composer: that keeps nesting, aliases and expanded size under our own limits (a deep
document cannot exhaust the stack, an alias cannot multiply a string into gigabytes), and
lets every explicit tag be refused in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from handouts.errors import Problem, shorten
from handouts.files import Unreadable, read_regular

# libyaml's parser when PyYAML was built with it (8x faster); both are safe parsers.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FILE_BYTES = 1_000_000
MAX_VALUES = 50_000  # far above any real spec; counted with aliases expanded
MAX_CHARS = 2_000_000  # text with aliases expanded: twice the largest file we read
MAX_DEPTH = 32  # specs nest three levels, the reference list five
PRIVATE_KEY = "patient"  # nothing under it is ever quoted in a message

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Located:
    """A YAML document as plain data plus the line where each value starts."""

    data: Any
    file: str
    lines: dict[Path_, int] = field(default_factory=dict)
    # plain values followed by " #" (one space): text the writer meant, cut off as a comment
    cut: tuple[Path_, ...] = ()
    # plain values YAML read as a number, a truth value or a date: their text as written
    # (988, 0117, yes), for fields that want text
    written: dict[Path_, str] = field(default_factory=dict)
    # keys a ',' split off the value before them inside { }: key -> (that value's path,
    # the text from that value's start to this key's end, as written)
    split: dict[Path_, tuple[Path_, str]] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest parent that has one."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


class YamlProblem(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def read_text(path: Path, what: str = "file", max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 text file (a regular file, within the size limit); problems become
    YamlProblem."""
    try:
        data = read_regular(path, max_bytes)
    except Unreadable as exc:
        raise YamlProblem(Problem(f"{what} {exc}", str(path))) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlProblem(Problem(f"{what} is not UTF-8 text (byte {exc.start})",
                                  str(path), hint="save it as UTF-8")) from None


def load(path: Path, what: str = "file") -> Located:
    """Read and parse a YAML file."""
    return parse(read_text(path, what), str(path))


def parse(text: str, file: str, line_offset: int = 0) -> Located:
    """Parse one YAML document safely; every problem becomes a YamlProblem with a line."""
    builder = _Builder(file, line_offset, text)
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "syntax error"
        hint = _syntax_hint(reason)
        if "did not find expected ','" in reason and exc.context_mark is not None:
            mark = exc.context_mark  # where the unclosed '[' or '{' began
            hint = _unclosed_hint(text.splitlines()[mark.line] if text else "")
        line = mark.line + 1 + line_offset if mark else None
        if builder.private:
            reason = "a syntax error in the patient block"
        raise YamlProblem(Problem(f"not valid YAML: {reason}", file, line,
                                  hint=hint)) from None
    except yaml.YAMLError:
        raise YamlProblem(Problem("not valid YAML", file)) from None
    return Located(builder.result, file, builder.lines, tuple(builder.cut), builder.written,
                   builder.split)


def _unclosed_hint(line: str) -> str:
    """A '[' or '{' list not closed on its line: most often a '#' inside it."""
    if re.search(r"[\[{,:]\s*#", line):
        return ("in YAML a '#' starts a comment, which cuts this line's '[' or '{' short: "
                "put the value in quotes, e.g. \"#1F4E79\"")
    return "a '[' or '{' on this line is not closed: check its ']' or '}' and the commas"


def _syntax_hint(reason: str) -> str | None:
    """The usual cause of the messages libyaml gives."""
    if any(m in reason for m in ("mapping values are not allowed", "expected <block end>",
                                 "did not find expected key", "expected '-' indicator")):
        return ("usually a line indented differently from the lines around it, or a "
                "value with ': ' in it that needs quotes")
    if "could not find expected ':'" in reason:
        return "a 'key: value' line is missing its ':' or is indented wrongly"
    if "found character" in reason and "cannot start any token" in reason:
        return "a tab character, or a '@' or '`' at the start of a value; use spaces " \
               "and quote the value"
    return None


@dataclass
class _Frame:
    """An open sequence or mapping while its events arrive."""

    value: list | dict
    path: Path_
    anchor: str | None
    values_at_start: int
    chars_at_start: int
    key: str | None = None  # a mapping's key waiting for its value
    expecting_key: bool = True
    flow: bool = False  # a { } mapping, where a ',' ends a plain value
    key_end: int = 0  # where the waiting key ends in the text
    last_value: tuple[Path_, int] | None = None  # a { } mapping's last value and its start


_IMPLICIT = yaml.resolver.Resolver()
_CUT = re.compile(r" #")  # "Suite #200", "Test # 1"; a comment meant as one has 2 spaces


class _Builder:
    """Plain data from parser events, counting values, text and depth as it goes."""

    def __init__(self, file: str, line_offset: int, text: str = ""):
        self.file, self.offset, self.text = file, line_offset, text
        self.cut: list[Path_] = []
        self.written: dict[Path_, str] = {}
        self.split: dict[Path_, tuple[Path_, str]] = {}
        self.lines: dict[Path_, int] = {}
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.values = self.chars = self.documents = 0
        self.result: Any = None
        self.constructor = yaml.SafeLoader("")

    @property
    def private(self) -> bool:
        path = self._next_path() if self.stack else ()
        return bool(path) and path[0] == PRIVATE_KEY

    def fail(self, message: str, event, hint: str | None = None) -> None:
        line = event.start_mark.line + 1 + self.offset if event.start_mark else None
        raise YamlProblem(Problem(message, self.file, line, hint=hint))

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.fail("a file may hold only one YAML document (a second '---' starts "
                          "another)", event, "remove the second '---' line")
        elif isinstance(event, yaml.ScalarEvent):
            self._scalar(event)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            self._open(event)
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            self._close()
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)

    # ---- values ---------------------------------------------------------------------------

    def _refuse_tag(self, event) -> None:
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            written = tag.replace("tag:yaml.org,2002:", "!!")
            shown = "a YAML tag" if self.private else f"YAML tag {shorten(written, 40)}"
            self.fail(f"{shown} is not allowed", event,
                      "write plain values, lists and mappings, with no '!' tags")

    def _refuse_private_anchor(self, event, mark: str) -> None:
        """Under `patient`, '*' or '&' at the start of a value is an EHR's marker or a
        slip ("- *Ativan 0.5 mg (new)", "- &Zoloft 50 mg"), which YAML would take as an
        alias or an anchor and drop or misread: refused, quoting nothing of it."""
        if self.private:
            self.fail(f"{self._private_place()} starts with '{mark}', which YAML reads as "
                      f"{'an alias' if mark == '*' else 'an anchor'}, not as text", event,
                      f"put the whole value in quotes, as in - \"{mark}medicine 10 mg\"")

    def _private_place(self) -> str:
        path = self._next_path()
        names = ".".join(str(p) for p in path if not isinstance(p, int))
        entry = next((p for p in reversed(path) if isinstance(p, int)), None)
        return f"{names} entry {entry + 1}" if entry is not None else names

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        self._refuse_tag(event)
        if event.anchor:
            self._refuse_private_anchor(event, "&")
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.value, dict) and top.expecting_key:
            self._key(event, top)
            return
        tag = _IMPLICIT.resolve(yaml.ScalarNode, event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            construct = self.constructor.yaml_constructors.get(tag) or \
                yaml.SafeLoader.construct_yaml_str  # "=" (YAML 1.1's value key) is text
            value = construct(self.constructor, node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            self.fail(self._bad_value(tag, exc), event, self._bad_value_hint(tag))
        self._count(1, len(event.value), event)
        if not event.style and isinstance(value, str) and self.stack and \
                _CUT.match(self.text, event.end_mark.index):
            self.cut.append(self._next_path())
        if self.stack:
            self._note_written(value, event)
        self._place(value, event)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1, len(event.value))

    def _note_written(self, value: Any, event: yaml.ScalarEvent) -> None:
        """Remember how a plain value that is not text was written, and which keys of a
        { } mapping a ',' split off the value before them (they arrive with no value)."""
        path, top = self._next_path(), self.stack[-1]
        if not event.style and value is not None and not isinstance(value, str):
            self.written[path] = event.value
        if not top.flow or not isinstance(top.value, dict):
            return
        if event.value == "" and not event.style and top.last_value and \
                event.start_mark.index == event.end_mark.index == top.key_end:  # no ':'
            start = top.last_value[1]
            self.split[path] = (top.last_value[0], self.text[start:top.key_end])
        else:
            top.last_value = (path, event.start_mark.index)

    def _bad_value(self, tag: str, exc: Exception) -> str:
        if tag.endswith(":timestamp"):
            return "not a real date" + ("" if self.private else f" ({exc})")
        reason = getattr(exc, "problem", None) or str(exc)
        return "bad value" if self.private else f"bad value: {shorten(reason, 80)}"

    @staticmethod
    def _bad_value_hint(tag: str) -> str | None:
        return "write dates as YYYY-MM-DD, e.g. 2026-11-20" if tag.endswith(":timestamp") \
            else None

    def _key(self, event: yaml.ScalarEvent, frame: _Frame) -> None:
        line = event.start_mark.line + 1 + self.offset
        private = bool(frame.path) and frame.path[0] == PRIVATE_KEY
        if event.value == "<<" and event.style is None:
            self.fail("merge keys (<<) are not supported", event, "write the values out")
        key = event.value
        if key in frame.value:
            shown = "a key" if private else shorten(key)
            self.fail(f"{shown} is given twice", event, "keep one of them")
        self._count(1, len(key), event)
        frame.key, frame.expecting_key, frame.key_end = key, False, event.end_mark.index
        self.lines[frame.path + (key,)] = line

    def _next_path(self) -> Path_:
        top = self.stack[-1]
        if isinstance(top.value, list):
            return top.path + (len(top.value),)
        return top.path + ((top.key,) if not top.expecting_key else ())

    def _place(self, value: Any, event) -> None:
        if not self.stack:
            self.result = value
            self.lines.setdefault((), event.start_mark.line + 1 + self.offset)
            return
        top = self.stack[-1]
        path = self._next_path()
        self.lines.setdefault(path, event.start_mark.line + 1 + self.offset)
        if isinstance(top.value, list):
            top.value.append(value)
        else:
            top.value[top.key] = value
            top.key, top.expecting_key = None, True

    def _open(self, event) -> None:
        self._refuse_tag(event)
        if event.anchor:
            self._refuse_private_anchor(event, "&")
        if self.stack and isinstance(self.stack[-1].value, dict) and self.stack[-1].expecting_key:
            self.fail("a key must be plain text", event)
        if len(self.stack) >= MAX_DEPTH:
            self.fail(f"nested more than {MAX_DEPTH} levels deep", event,
                      "a handout file needs only a few levels")
        self._count(1, 0, event)
        path = self._next_path() if self.stack else ()
        self.lines.setdefault(path, event.start_mark.line + 1 + self.offset)
        value: list | dict = {} if isinstance(event, yaml.MappingStartEvent) else []
        self.stack.append(_Frame(value, path, event.anchor, self.values, self.chars,
                                 flow=bool(event.flow_style)))

    def _close(self) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.value, self.values - frame.values_at_start,
                                          self.chars - frame.chars_at_start)
        if not self.stack:
            self.result = frame.value
            return
        top = self.stack[-1]
        if isinstance(top.value, list):
            top.value.append(frame.value)
        else:
            top.value[top.key] = frame.value
            top.key, top.expecting_key, top.last_value = None, True, None

    def _alias(self, event: yaml.AliasEvent) -> None:
        if self.stack and isinstance(self.stack[-1].value, dict) and self.stack[-1].expecting_key:
            self.fail("a key must be plain text", event)
        self._refuse_private_anchor(event, "*")
        if event.anchor not in self.anchors:
            self.fail(f"alias *{shorten(event.anchor, 40)[1:-1]} refers to no earlier anchor "
                      "(or to the value it is inside)", event)
        value, values, chars = self.anchors[event.anchor]
        self._count(values, chars, event)
        self._place(value, event)

    def _count(self, values: int, chars: int, event) -> None:
        """Stop an alias bomb before it expands: values and text counted as if every alias
        were written out."""
        self.values += values
        self.chars += chars
        if self.values > MAX_VALUES:
            self.fail(f"document has more than {MAX_VALUES:,} values (YAML aliases "
                      "expanding?)", event, "remove the anchors and aliases")
        if self.chars > MAX_CHARS:
            self.fail(f"document expands to more than {MAX_CHARS:,} characters (YAML "
                      "aliases repeating long text?)", event, "remove the anchors and aliases")
