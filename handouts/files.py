"""Small, dependency-free helpers for what reaches or leaves the disk: bounded reads of
regular files, atomic writes, file hashes, and the date a handout carries. A batch imports
only these to see that nothing changed."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from itertools import accumulate
from pathlib import Path
from typing import Any

from handouts.errors import HandoutError, Problem, SpecError, UsageError

MAX_INPUT_BYTES = 50_000_000  # fonts are the largest inputs we hash (about 1 MB)


class Unreadable(Exception):
    """A file we will not read: missing, a folder, a device or pipe, too large, denied.
    The message is a phrase to follow the file's name ("is a folder, not a file")."""


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most `max_bytes` of them.

    Opened without blocking, so a FIFO can never hang us, and checked to be a regular file
    before anything is read, so /dev/zero or /dev/urandom cannot fill memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise Unreadable("not found") from None
    except IsADirectoryError:
        raise Unreadable("is a folder, not a file") from None
    except PermissionError:
        raise Unreadable("cannot be read (permission denied)") from None
    except OSError as exc:
        raise Unreadable(f"cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise Unreadable("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("is not a regular file (a device, pipe or socket)")
        if info.st_size > max_bytes:
            raise Unreadable(f"is {info.st_size:,} bytes; the limit is {max_bytes:,}")
        chunks, total = [], 0
        while chunk := os.read(fd, min(1 << 20, max_bytes + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # it grew while we read it
                raise Unreadable(f"is over the limit of {max_bytes:,} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise Unreadable(f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)


class BadJson(ValueError):
    """JSON we will not take: not UTF-8, not valid, nested too deeply, a number too long or
    not finite. The message is a phrase ("nested more than 64 levels deep"); `line` is where
    the parser stopped, when it knows."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


MAX_JSON_DEPTH = 64  # a FHIR Bundle nests about 10 deep, a manifest 4
MAX_JSON_DIGITS = 30  # page counts and sizes; a FHIR integer is a 32-bit value
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte but the four
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def parse_json(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON text -> Python data, bounded: nesting deeper than `max_depth`, an integer of
    more than MAX_JSON_DIGITS digits, NaN, Infinity and numbers that overflow to infinity
    are refused (BadJson) before they can exhaust the stack or a CPU, or reach the page."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadJson("not UTF-8 text") from None
    brackets = _JSON_STRING.sub(b"", data).translate(None, _BRACKETS)
    if brackets and max(accumulate(map(_STEP.__getitem__, brackets))) > max_depth:
        raise BadJson(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(text, parse_int=_json_int, parse_float=_json_float,
                          parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise BadJson(f"not valid JSON ({exc.msg})", exc.lineno) from None
    except RecursionError:  # deeper than the scan saw (it cannot be, but never a crash)
        raise BadJson("nested too deeply") from None


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        raise BadJson(f"a number has more than {MAX_JSON_DIGITS} digits")
    return int(text)


def _json_float(text: str) -> float:
    value = float(text) if len(text) <= 4 * MAX_JSON_DIGITS else float("inf")
    if value in (float("inf"), float("-inf")):
        raise BadJson("a number is out of range")
    return value


def _json_constant(name: str) -> float:
    raise BadJson(f"{name} is not a JSON number")


def read_json(path: Path, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A regular file's JSON, read with read_regular and parsed with parse_json: a FIFO,
    a device, a huge file or hostile JSON is Unreadable or BadJson, never a hang or a
    crash."""
    return parse_json(read_regular(path, max_bytes), max_depth)


def today() -> dt.date:
    """SOURCE_DATE_EPOCH (for reproducible builds) if set, else today's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise SpecError.one(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of "
                                "seconds", hint="unset it or give e.g. 1767225600") from None
    return dt.date.today()


FORMATS = ("pdf", "html")  # the PDF, and its HTML twin


def parse_formats(text: str) -> tuple[str, ...]:
    """'pdf,html' -> ('pdf', 'html'), in the order given, each once."""
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError.one(f"unknown format {', '.join(unknown)!r}" if unknown
                             else "needs at least one format", field="--format",
                             hint="give pdf, html or pdf,html")
    return formats



PART_SUFFIX = ".part"
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,120}$")


def is_plain_name(name: str) -> bool:
    """A file or folder name that stays where it is put: no folders, no '..', no leading
    dot, nothing a shell or another system would read differently."""
    return bool(_PLAIN_NAME.match(name)) and ".." not in name



def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over the target.

    The temporary name carries our process id, so a cleanup can tell a file a dead build
    left behind from one a running build is still writing. A full disk or a read-only
    folder is a problem the user can fix, said plainly."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=PART_SUFFIX,
                                   dir=path.parent)
    except OSError as exc:
        raise _write_problem(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_problem(path, exc) from None
        raise


def _write_problem(path: Path, exc: OSError) -> HandoutError:
    hints = {errno.ENOSPC: "free some disk space, or write elsewhere with -o",
             errno.EDQUOT: "free some space in your quota, or write elsewhere with -o",
             errno.EROFS: "the folder is on a read-only disk; write elsewhere with -o",
             errno.EACCES: "you may not write in that folder; choose another with -o",
             errno.EPERM: "you may not write in that folder; choose another with -o"}
    reason = exc.strerror or type(exc).__name__
    return HandoutError(Problem(f"cannot write the file ({reason})", str(path),
                                hint=hints.get(exc.errno, "check the output folder")))


STALE_PART_SECONDS = 24 * 3600


def is_stale_part(path: Path) -> bool:
    """A temporary file from write_atomic whose writer is no longer running (or that has
    lain there a day, in case its process id was reused)."""
    parts = path.name.split(".")
    pid = next((int(p) for p in reversed(parts[:-2]) if p.isdigit()), None)
    try:
        if time.time() - path.lstat().st_mtime > STALE_PART_SECONDS:
            return True
    except OSError:
        return False
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive: another user's process
        return False
    return False


_HASHES: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of a regular file, remembered per process by path, size and modification
    time; a file that cannot be read raises OSError."""
    info = path.stat()
    key = (os.path.abspath(path), info.st_size, info.st_mtime_ns)
    if key not in _HASHES:
        try:
            _HASHES[key] = hashlib.sha256(read_regular(path, MAX_INPUT_BYTES)).hexdigest()
        except Unreadable as exc:
            raise OSError(f"{path} {exc}") from None
    return _HASHES[key]
