"""One error family: every problem a user can cause is a HandoutError the CLI prints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


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
        field = f"{self.field}: " if self.field else ""
        hint = f"; {self.hint}" if self.hint else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}{prefix}{field}{self.message}{hint}"


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


class SpecError(HandoutError):
    """A handout spec, site file or patient block is wrong."""


class ContentError(HandoutError):
    """The content library (or a clinic's own library) is wrong."""


class LayoutError(HandoutError):
    """A block cannot be laid out on the page."""
