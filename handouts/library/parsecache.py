"""Parsed content kept between runs, as plain JSON data: never code.

A cache entry is read back only if it is a regular file in a folder that belongs to this
user and that no one else may write, carries this format's version and the key it was
asked for (the hash of the source text), and its payload matches the sha256 recorded with
it. It is decoded into an allow-list of our own dataclasses, field by field; anything else
is a miss, and the file is simply parsed again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from handouts import document
from handouts.files import Unreadable, read_json
from handouts.library.contentfile import ContentFile, FrontMatter

FORMAT = "handouts-parsed-content/2"  # 2: a bold line alone is a Heading
MAX_ENTRY_BYTES = 4_000_000
MAX_DEPTH = 256  # our own blocks nest deeper than input files; still far from the stack
_TYPES = {cls.__name__: cls for cls in (
    document.Text, document.Link, document.Cite, document.Paragraph, document.Heading,
    document.ListBlock, document.Table, document.Callout, document.Audience)}


def cache_dir() -> Path | None:
    """Where parsed content is kept between runs ($HANDOUTS_CACHE_DIR, else the user's
    cache folder); an empty $HANDOUTS_CACHE_DIR turns the cache off."""
    configured = os.environ.get("HANDOUTS_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "handouts"


def _private_folder(folder: Path) -> bool:
    """Ours alone: a real folder (not a link), owned by us, writable by no one else."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return stat.S_ISDIR(info.st_mode) and owned and not info.st_mode & 0o022


def read(key: str) -> ContentFile | None:
    folder = cache_dir()
    if folder is None or not _private_folder(folder):
        return None
    try:
        entry = read_json(folder / f"{key}.json", MAX_ENTRY_BYTES, MAX_DEPTH)
        payload = entry["payload"]
        if entry.get("format") != FORMAT or entry.get("key") != key or \
                entry.get("sha256") != _digest(payload):
            return None
        return ContentFile(FrontMatter.model_validate(payload["front"]),
                           tuple(_decode(b) for b in payload["blocks"]), str(payload["path"]))
    except (Unreadable, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing, stale, corrupt or foreign: parse again


def write(key: str, content: ContentFile) -> None:
    folder = cache_dir()
    if folder is None:
        return
    payload = {"front": content.front.model_dump(mode="json"),
               "blocks": [_encode(b) for b in content.blocks], "path": content.path}
    entry = {"format": FORMAT, "key": key, "sha256": _digest(payload), "payload": payload}
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _private_folder(folder):
            return
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entry, handle, separators=(",", ":"))
        os.replace(tmp, folder / f"{key}.json")
    except OSError:  # a read-only home folder only costs speed
        pass


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {"t": type(value).__name__,
                "f": [_encode(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    """Only our own block and inline types, with exactly their fields; lists become the
    tuples the frozen dataclasses hold."""
    if isinstance(value, dict):
        cls = _TYPES[value["t"]]
        fields = dataclasses.fields(cls)
        if len(value["f"]) != len(fields):
            raise ValueError("wrong fields")
        return cls(*(_decode(v) for v in value["f"]))
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("not plain data")
