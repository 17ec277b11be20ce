"""One handout from spec to file: load, assemble, render, then one atomic write."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from handouts.assemble import assemble
from handouts.errors import Problem, SpecError
from handouts.library import Library, open_library
from handouts.render import render
from handouts.spec import Patient, Site, SpecFile, find_site, load_site, load_spec

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,120}$")


@dataclass(frozen=True)
class BuildOptions:
    """What the command line (or a caller) can change about a build."""

    out_dir: Path = Path("build")
    site: str | None = None
    paper: str | None = None
    medications: tuple[str, ...] = ()
    out_name: str | None = None
    strict: bool = False
    libraries: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Built:
    path: Path
    pages: int
    size: int
    warnings: tuple[Problem, ...] = field(default_factory=tuple)


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


def build(spec_path: Path, options: BuildOptions = BuildOptions()) -> Built:
    """Build one handout and write it atomically; raise HandoutError on bad input."""
    library = open_library(tuple(options.libraries))
    spec_file = load_spec(spec_path, library)
    spec_file = _with_options(spec_file, options)
    site = _site(spec_file, options)
    assembly = assemble(spec_file.spec, library, site, today())
    warnings = tuple(_medicine_warning(spec_file, options, i, r.suggestions)
                     for i, r in assembly.unknown_medicines)
    if warnings and options.strict:
        raise SpecError([Problem(w.message, w.file, w.line, w.field, w.hint) for w in warnings])
    data = render(assembly.document)
    target = options.out_dir / output_name(spec_path, options.out_name)
    write_atomic(target, data)
    return Built(target, _page_count(data), len(data), warnings)


def _with_options(spec_file: SpecFile, options: BuildOptions) -> SpecFile:
    spec = spec_file.spec
    update: dict = {}
    if options.paper:
        update["paper"] = options.paper
    if options.medications:
        patient = spec.patient or Patient()
        update["patient"] = patient.model_copy(
            update={"medications": [*patient.medications, *options.medications]})
    if not update:
        return spec_file
    return SpecFile(spec_file.path, spec.model_copy(update=update), spec_file.source)


def _site(spec_file: SpecFile, options: BuildOptions) -> Site | None:
    ref = options.site or spec_file.spec.site
    if not ref:
        return None
    near = None if options.site else spec_file.path.parent
    try:
        return load_site(find_site(ref, near))
    except SpecError as exc:
        if options.site:
            raise
        line = spec_file.source.line_of(("site",))
        raise SpecError([Problem(p.message, p.file or str(spec_file.path),
                                 p.line if p.file else line, p.field, p.hint)
                         for p in exc.problems]) from None


def _medicine_warning(spec_file: SpecFile, options: BuildOptions, index: int,
                      suggestions: Sequence[str]) -> Problem:
    """Name the entry by position, not by its text: medicines are patient data."""
    in_spec = len(spec_file.spec.patient.medications) - len(options.medications)
    hint = f"nearest known: {', '.join(suggestions)}" if suggestions else \
        "see 'handouts list drugs' for the names we know"
    if index < in_spec:
        return Problem("medicine not in our library; the handout asks the patient to check it "
                       "with their care team", str(spec_file.path),
                       spec_file.source.line_of(("patient", "medications", index)),
                       f"patient.medications[{index}]", hint, "warning")
    return Problem("medicine not in our library; the handout asks the patient to check it "
                   "with their care team", None, None, f"--meds entry {index - in_spec + 1}",
                   hint, "warning")


def output_name(spec_path: Path, out_name: str | None) -> str:
    """The PDF's file name: the spec's name, or --out-name, never leaving the output folder."""
    name = out_name or spec_path.stem
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    if not _SAFE_NAME.match(name) or ".." in name:
        raise SpecError.one(f"output name {name!r} is not a plain file name", field="--out-name",
                            hint="use letters, digits, '.', '-', '_' and spaces, no folders")
    return name


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _page_count(data: bytes) -> int:
    return data.count(b"/Type /Page\n") or data.count(b"/Type /Page ")


def library_for(options: BuildOptions) -> Library:
    return open_library(tuple(options.libraries))
