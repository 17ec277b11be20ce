"""One error family: every problem a user can cause is a HandoutError the CLI prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_PROBLEMS_PER_FILE = 25
MAX_MESSAGE_CHARS = 300


def shorten(value: object, limit: int = 60) -> str:
    """A value quoted for a message, cut to `limit` characters: a message never copies a
    megabyte of input."""
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[:limit - 4] + "...'"


@dataclass(frozen=True)
class Problem:
    """One problem in one place: `file:line: field: message (hint)`."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    hint: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        field = f"{_cut(self.field, 80)}: " if self.field else ""
        hint = f"; {_cut(self.hint)}" if self.hint else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}{prefix}{field}{_cut(self.message)}{hint}"


def _cut(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def capped(problems: Iterable[Problem], per_file: int = MAX_PROBLEMS_PER_FILE) -> list[Problem]:
    """At most `per_file` problems for each file, in the order of its lines (files in the
    order they first come), then one line saying how many more."""
    problems = list(problems)
    first = {}
    for problem in problems:
        first.setdefault(problem.file, len(first))
    shown: Counter = Counter()
    hidden: Counter = Counter()
    out: list[Problem] = []
    for problem in sorted(problems, key=lambda p: (first[p.file], p.line or 0)):
        if shown[problem.file] < per_file:
            shown[problem.file] += 1
            out.append(problem)
        else:
            hidden[problem.file] += 1
    for file, count in hidden.items():
        out.append(Problem(f"and {count:,} more problem{'s' if count > 1 else ''} in this "
                           "file", file, hint="fix these first; the rest may go with them"))
    return out


def internal_error(exc: BaseException) -> str:
    """A bug, said without the exception's text (which may quote a patient's data): its
    type and the place in our code where it happened."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "/handouts/" in f.filename.replace("\\", "/")]
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return (f"internal error ({type(exc).__name__}{where}); this is a bug in handouts, "
            "please report it with the command you ran")


class HandoutError(Exception):
    """A problem the user can fix; carries one or more `Problem`s."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, message: str, file: str | Path | None = None, **kw) -> HandoutError:
        return cls(Problem(message, str(file) if file is not None else None, **kw))


class UsageError(HandoutError):
    """A command line that cannot be right (exit status 2, like click's own)."""


class SpecError(HandoutError):
    """A handout spec, site file or patient block is wrong."""


class ContentError(HandoutError):
    """The content library (or a clinic's own library) is wrong."""


class LayoutError(HandoutError):
    """A block cannot be laid out on the page."""
