"""Safe YAML loading that remembers the line of every value, for error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from handouts.errors import Problem

# libyaml's parser when PyYAML was built with it (8x faster); both are safe loaders.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 50_000  # far above any real spec; stops alias bombs before they expand

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Located:
    """A YAML document as plain data plus the line where each value starts."""

    data: Any
    file: str
    lines: dict[Path_, int] = field(default_factory=dict)

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
    """Read a UTF-8 text file with a size limit; problems become YamlProblem."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise YamlProblem(Problem(f"{what} is {size:,} bytes; the limit is {max_bytes:,}",
                                      str(path)))
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise YamlProblem(Problem(f"{what} not found", str(path))) from None
    except IsADirectoryError:
        raise YamlProblem(Problem(f"{what} is a folder, not a file", str(path))) from None
    except PermissionError:
        raise YamlProblem(Problem(f"{what} cannot be read (permission denied)",
                                  str(path))) from None
    except UnicodeDecodeError as exc:
        raise YamlProblem(Problem(f"{what} is not UTF-8 text (byte {exc.start})",
                                  str(path), hint="save it as UTF-8")) from None
    except OSError as exc:
        raise YamlProblem(Problem(f"{what} cannot be read ({exc.strerror})", str(path))) from None


def parse(text: str, file: str, line_offset: int = 0) -> Located:
    """Parse one YAML document safely; syntax errors become YamlProblem with a line."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        raise YamlProblem(Problem(f"not valid YAML: {exc.problem or exc.context}", file,
                                  line)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(f"not valid YAML: {exc}", file)) from None
    builder = _Builder(file, line_offset)
    data = builder.build(node, ()) if node is not None else None
    return Located(data, file, builder.lines)


def load(path: Path, what: str = "file") -> Located:
    """Read and parse a YAML file."""
    return parse(read_text(path, what), str(path))


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class _Builder:
    """Turns a composed node graph into plain data, counting nodes to stop alias bombs."""

    def __init__(self, file: str, line_offset: int):
        self.file = file
        self.offset = line_offset
        self.lines: dict[Path_, int] = {}
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(Problem(
                f"document has more than {MAX_NODES:,} values (YAML aliases expanding?)",
                self.file, hint="remove the anchors and aliases"))
        self.lines.setdefault(path, node.start_mark.line + 1 + self.offset)
        if node.tag not in _PLAIN_TAGS and not isinstance(node, yaml.ScalarNode):
            raise YamlProblem(Problem(f"YAML tag '{node.tag}' is not allowed", self.file,
                                      node.start_mark.line + 1 + self.offset,
                                      hint="write plain values, lists and mappings"))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            reason = getattr(exc, "problem", None) or str(exc)
            raise YamlProblem(Problem(f"bad value: {reason}", self.file,
                                      node.start_mark.line + 1 + self.offset)) from None

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1 + self.offset
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem(Problem("merge keys (<<) are not supported", self.file, line))
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(Problem("a key must be plain text", self.file, line))
            key = str(key_node.value)
            if key in out:
                raise YamlProblem(Problem(f"'{key}' is given twice", self.file, line,
                                          hint="keep one of them"))
            self.lines[path + (key,)] = line
            out[key] = self.build(value_node, path + (key,))
        return out
