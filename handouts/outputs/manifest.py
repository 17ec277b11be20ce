"""The batch manifest: what each output was made from, so a rerun rebuilds exactly what
changed. Nothing about a patient reaches it: file names, hashes, sizes and page counts.

Inputs are recorded by identity, not by absolute path: a file of the installed package is
`handouts:content/topics/side-effects.md`, anything else is relative to the folder the
batch runs in. A manifest therefore survives a move to another machine, and a different
installation (another version, other code, another ReportLab) rebuilds everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

from handouts import __version__
from handouts.errors import SpecError, shorten
from handouts.files import Unreadable, file_sha256, read_json, today, write_atomic
from handouts.render.fontfiles import font_dir

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 200_000_000
MAX_SHARDS = 100_000
PACKAGE = Path(__file__).resolve().parents[1]
PACKAGE_PREFIX = "handouts:"


@dataclass(frozen=True)
class Result:
    """One output of a batch: how it went, and (when built) what it was made from."""

    output: str
    spec: str
    site: str | None
    status: str  # built | unchanged | failed
    inputs_sha256: str = ""
    pages: int = 0
    bytes: int = 0
    sha256: str = ""
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    inputs: tuple[tuple[str, str], ...] = ()  # (identity, sha256) of every input file
    date: str = ""
    date_from_spec: bool = False
    libraries: tuple[str, ...] = ()  # identities of every clinic library folder it drew on
    given_libraries: tuple[str, ...] = ()  # those of them given with --library
    listing: str = ""  # hash of the file names in those folders
    formats: tuple[str, ...] = ("pdf",)
    others: tuple[tuple[str, int, str], ...] = ()  # (output, bytes, sha256): the HTML twin


# ---- identities --------------------------------------------------------------------------


def identity(path: Path, base: Path | None = None) -> str:
    """How a manifest names a file: inside the package (or its fonts, which a source
    checkout keeps beside it), by its place in the package; else relative to the working
    folder (or `base`) where it can be. Worked out once per file and folder."""
    return _identity(str(path), str(base) if base else os.getcwd())


@cache
def _identity(path_text: str, base_text: str) -> str:
    path, base = Path(path_text), Path(base_text)
    resolved = path.resolve()
    fonts = font_dir().resolve()
    if resolved.is_relative_to(fonts):
        return f"{PACKAGE_PREFIX}fonts/{resolved.relative_to(fonts).as_posix()}"
    if resolved.is_relative_to(PACKAGE):
        return PACKAGE_PREFIX + resolved.relative_to(PACKAGE).as_posix()
    try:
        return resolved.relative_to(base.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


@cache
def locate(name: str) -> Path:
    """The file a recorded identity names in this installation and folder."""
    if name.startswith(PACKAGE_PREFIX + "fonts/"):
        return font_dir() / name[len(PACKAGE_PREFIX + "fonts/"):]
    if name.startswith(PACKAGE_PREFIX):
        return PACKAGE / name[len(PACKAGE_PREFIX):]
    return Path(name)


@cache
def engine() -> str:
    """A hash of everything outside the inputs that shapes the bytes: our code and version,
    ReportLab's and Pillow's versions, zlib's and Python's."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(f"handouts {__version__}\n".encode())
    for module in sorted(PACKAGE.rglob("*.py")):
        digest.update(f"{module.relative_to(PACKAGE)}\0".encode() + module.read_bytes())
    for dist in ("reportlab", "pillow", "rl_accel"):
        try:
            digest.update(f"{dist} {version(dist)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{dist} none\n".encode())
    digest.update(f"zlib {zlib.ZLIB_RUNTIME_VERSION}\npython {sys.version}\n".encode())
    return digest.hexdigest()


def library_listing(roots: Iterable[Path]) -> str:
    """A hash of the content files each clinic library holds: a file added to (or taken
    from) a library can change which file a topic comes from. Worked out again only when
    a library folder's own modification time says its list of files has changed."""
    roots = tuple(roots)
    stamps = []
    for root in roots:
        for folder in (root, root / "topics", root / "comedications"):
            try:
                stamps.append(folder.stat().st_mtime_ns)
            except OSError:
                stamps.append(None)
    return _listing(tuple(str(r) for r in roots), tuple(stamps))


@cache
def _listing(root_texts: tuple[str, ...], _stamps: tuple) -> str:
    digest = hashlib.sha256()
    for root in map(Path, root_texts):
        digest.update(f"{identity(root)}\n".encode())
        names = [p for pattern in ("*.md", "topics/*.md", "comedications/*.md")
                 for p in root.glob(pattern)] if root.is_dir() else []
        for path in sorted(names):
            digest.update(f"  {path.relative_to(root).as_posix()}\n".encode())
    return digest.hexdigest()


def inputs_key(inputs: Iterable[tuple[str, str]], date: str, listing: str = "") -> str:
    """One hash of everything that can change the bytes: files, engine, date, libraries."""
    digest = hashlib.sha256(f"{engine()}\n{date}\n{listing}\n".encode())
    for name, file_digest in inputs:
        digest.update(f"{name}\0{file_digest}\n".encode())
    return digest.hexdigest()


# ---- freshness ---------------------------------------------------------------------------


def still_fresh(previous: dict | None, target: Path, libraries: Sequence[Path],
                formats: Sequence[str] = ("pdf",), out_dir: Path | None = None) -> bool:
    """True if an earlier build of this output stands: it was built in every format now
    asked for; the PDF (and its twin) are as they were written; every file it was made
    from hashes as it did; the same clinic libraries are given and hold the same files;
    and the date it carries is still the one it would get. No spec is parsed and nothing
    is laid out, so a rerun that changes nothing takes a moment."""
    if not previous or not previous.get("inputs"):
        return False
    if not set(formats) <= set(previous.get("formats", ("pdf",))):
        return False
    root = out_dir or target.parent
    try:
        if any(file_sha256(root / name) != digest for name, _, digest in
               previous.get("others", ())):
            return False
    except OSError:
        return False
    recorded = tuple(previous.get("libraries") or ())
    given = tuple(identity(p) for p in libraries)
    # the same --library folders, in the same order: none given matches none recorded only
    # (the site's own libraries follow them in `recorded`, and its file's hash covers them)
    if tuple(previous.get("given_libraries") or ()) != given or recorded[:len(given)] != given:
        return False
    try:
        if file_sha256(target) != previous.get("sha256"):
            return False
        if any(file_sha256(locate(name)) != digest for name, digest in previous["inputs"]):
            return False
    except OSError:  # an output or an input has gone
        return False
    if library_listing(locate(r) for r in recorded) != previous.get("listing", ""):
        return False
    return bool(previous.get("date_from_spec")) or previous.get("date") == today().isoformat()


# ---- reading and writing -----------------------------------------------------------------


def manifest_name(shard: tuple[int, int]) -> str:
    index, count = shard
    return MANIFEST if count == 1 else f"manifest.shard-{index}-of-{count}.json"


def _load(path: Path) -> dict:
    data = read_json(path, MAX_MANIFEST_BYTES)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def read_manifest(path: Path) -> dict[str, dict]:
    """Previous results by output, for incremental builds; a missing or bad file, or one
    written by another installation of handouts, is empty (everything is built again)."""
    try:
        data = _load(path)
        if data.get("engine") != engine():
            return {}
        fields = set(Result.__dataclass_fields__) - {"status", "problems"}
        out = {}
        for record in data.get("outputs", []):
            kept = {k: _tuples(v) for k, v in record.items() if k in fields}
            Result(**{**kept, "status": "unchanged"})  # the shape must be a Result's
            out[str(record["output"])] = kept
        return out
    except (Unreadable, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _tuples(value):
    """JSON lists back into the tuples a Result holds."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def manifest_data(results: Iterable[Result], shard: tuple[int, int] = (1, 1)) -> dict:
    outputs, failures = [], []
    for r in sorted(results, key=lambda r: r.output):
        record = {f.name: getattr(r, f.name) for f in fields(r)
                  if f.name not in ("problems", "status")}  # tuples are written as lists
        record["warnings"] = list(r.warnings)
        if r.status == "failed":
            failures.append({"output": r.output, "spec": r.spec, "site": r.site,
                             "problems": list(r.problems)})
        else:
            outputs.append(record)
    data = {"handouts_version": __version__, "engine": engine(), "outputs": outputs,
            "failures": failures}
    if shard != (1, 1):
        data["shard"] = list(shard)
    return data


def with_previous(results: Sequence[Result], previous: dict[str, dict]) -> list[Result]:
    """This run's results, plus the previous manifest's records for outputs it did not
    reach (an interrupted run must not forget what earlier runs built)."""
    done = {r.output for r in results}
    kept = [Result(**{**record, "status": "unchanged"})
            for output, record in previous.items() if output not in done]
    return [*results, *kept]


def write_manifest(path: Path, results: Iterable[Result], shard: tuple[int, int] = (1, 1)
                   ) -> None:
    text = json.dumps(manifest_data(results, shard), indent=2, sort_keys=True) + "\n"
    write_atomic(path, text.encode("utf-8"))


# ---- merging shards ------------------------------------------------------------------------


def _shard_of(data: dict, path: Path) -> tuple[int, int]:
    shard = data.get("shard")
    if shard is None:
        raise SpecError.one("not the manifest of a shard (made without --shard)", path,
                            hint="merge the manifest.shard-I-of-N.json files of one batch")
    if not (isinstance(shard, list) and len(shard) == 2 and
            all(type(n) is int for n in shard) and 1 <= shard[0] <= shard[1] <= MAX_SHARDS):
        raise SpecError.one(f"'shard' must be [I, N] with 1 <= I <= N <= {MAX_SHARDS:,}, "
                            f"not {shorten(shard)}", path, field="shard",
                            hint="this file was not written by handouts batch --shard")
    return shard[0], shard[1]


def _records(data: dict, key: str, path: Path) -> list[dict]:
    records = data.get(key, [])
    if not isinstance(records, list) or not all(
            isinstance(r, dict) and isinstance(r.get("output"), str) for r in records):
        raise SpecError.one(f"'{key}' must be a list of records with an 'output'", path,
                            field=key, hint="this file was not written by handouts batch")
    return records


def merge_manifests(paths: Sequence[Path], partial: bool = False) -> dict:
    """Shard manifests -> one manifest. Every shard of the split must be there (unless
    `partial`), and an output listed twice is an error: a merge never quietly replaces a
    whole batch's manifest with a slice of it."""
    outputs: dict[str, dict] = {}
    failures: list[dict] = []
    seen: dict[int, Path] = {}
    counts: set[int] = set()
    engines: set = set()
    for path in paths:
        try:
            data = _load(path)
        except Unreadable as exc:
            raise SpecError.one(f"manifest {exc}", path) from None
        except ValueError as exc:
            raise SpecError.one(f"not a manifest: {shorten(str(exc), 80)}", path) from None
        index, count = _shard_of(data, path)
        if index in seen:
            raise SpecError.one(f"shard {index} is given twice", path)
        seen[index] = path
        counts.add(count)
        engines.add(data.get("engine"))
        for record in _records(data, "outputs", path):
            if record["output"] in outputs:
                raise SpecError.one(f"output {shorten(record['output'])} is in more than one "
                                    "manifest", path, hint="merge manifests of different "
                                                           "shards only")
            outputs[record["output"]] = record
        failures.extend(_records(data, "failures", path))
    if len(counts) > 1:
        raise SpecError.one(f"the manifests come from different splits ({sorted(counts)} "
                            "shards)", hint="merge the shards of one batch")
    missing = [i for i in range(1, (counts or {1}).pop() + 1) if i not in seen]
    if missing and not partial:
        many = len(missing) > 1
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise SpecError.one(f"shard{'s' if many else ''} {shown} {'are' if many else 'is'} "
                            "missing", hint="wait for every machine's manifest, or pass "
                                            "--partial")
    merged = {"handouts_version": __version__,
              "outputs": [outputs[k] for k in sorted(outputs)],
              "failures": sorted(failures, key=lambda f: f["output"])}
    if len(engines) == 1:
        merged["engine"] = engines.pop()
    return merged
