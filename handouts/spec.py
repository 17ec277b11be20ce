"""Handout specs, sites and patient blocks: typed models, loaded from YAML with clear errors."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, Protocol

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from handouts.errors import Problem, SpecError
from handouts.validation import suggest, validate
from handouts.yamlio import Located, YamlProblem, load

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains a control character; use plain text")
    return value


def _text(max_length: int):
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=max_length), AfterValidator(_no_control)]


def _comma_list(value):
    """Accept `a, b, c` as well as a YAML list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


ShortText = _text(200)
LongText = _text(600)
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Paper = Literal["letter", "a4"]
Audience = Literal["patient", "clinician"]
FontId = Literal["atkinson-hyperlegible", "dejavu-sans"]
IdList = Annotated[list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]],
                   BeforeValidator(_comma_list), Field(max_length=100)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Patient(_Model):
    """The person a tailored handout is for. Printed on the page, never anywhere else."""

    name: ShortText | None = Field(None, description="Shown in 'Prepared for'.")
    medications: Annotated[list[ShortText], BeforeValidator(_comma_list),
                           Field(max_length=200)] = Field(
        default_factory=list, description="Free text, e.g. 'Zoloft 50 mg'; mapped to sections.")
    prepared_by: ShortText | None = Field(None, description="Clinician who prepared it.")


class Spec(_Model):
    """A handout: which topics and co-medication sections, for whom, how printed."""

    title: ShortText
    subtitle: ShortText | None = None
    audience: Audience = "patient"
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    site: ShortText | None = Field(None, description="A site id (specs/sites/<id>.yaml) or path.")
    paper: Paper | None = Field(None, description="Default: the site's paper, else letter.")
    large_print: bool = Field(False, description="18 pt body, 1.5 spacing, one column.")
    topics: IdList = Field(default_factory=list)
    comedications: IdList = Field(default_factory=list)
    patient: Patient | None = None
    references: bool = True
    date: dt.date | None = Field(None, description="Date printed on the handout (YYYY-MM-DD).")


class Colors(_Model):
    primary: HexColor = "#1F4E79"
    accent: HexColor = "#2E6B4F"


class Contact(_Model):
    phone: ShortText | None = None
    address: LongText | None = None
    website: ShortText | None = None
    after_hours: ShortText | None = None


class SiteModel(_Model):
    """A clinic's brand and contact details (specs/sites/<id>.yaml)."""

    name: ShortText
    logo: ShortText | None = Field(None, description="PNG or JPEG, relative to this file.")
    colors: Colors = Colors()
    font: FontId = "atkinson-hyperlegible"
    contact: Contact = Contact()
    crisis_line: ShortText | None = None
    paper: Paper | None = None
    footer_note: LongText | None = None
    library: Annotated[list[ShortText], BeforeValidator(_comma_list)] = Field(
        default_factory=list, description="The clinic's own content folders, relative to "
                                          "this file.")


@dataclass(frozen=True)
class Site:
    """A loaded site: the validated model plus the logo's bytes, read once."""

    id: str
    model: SiteModel
    logo: bytes | None = None
    files: tuple[Path, ...] = field(default_factory=tuple)
    libraries: tuple[Path, ...] = field(default_factory=tuple)


class Catalogue(Protocol):
    """What spec validation needs to know about the library."""

    topic_ids: Collection[str]
    comedication_ids: Collection[str]
    languages: Collection[str]


@dataclass(frozen=True)
class SpecFile:
    """A validated spec and where it came from."""

    path: Path
    spec: Spec
    source: Located


def read_spec(path: Path) -> Located:
    """A spec file's YAML, with lines; the site it names can be read before validation."""
    return _load_mapping(path, "spec")


def load_spec(path: Path, catalogue: Catalogue) -> SpecFile:
    """Load and validate a handout spec; raise SpecError listing every problem."""
    return validate_spec(path, read_spec(path), catalogue)


def validate_spec(path: Path, doc: Located, catalogue: Catalogue) -> SpecFile:
    """Validate a read spec against the models and the library's ids."""
    spec, problems = validate(Spec, doc)
    problems += _check_ids(doc, catalogue)
    if spec is not None and not (spec.topics or spec.comedications or
                                 (spec.patient and spec.patient.medications)):
        problems.append(Problem("the handout has nothing to say", doc.file, 1, "topics",
                                "list at least one topic or co-medication section"))
    if problems:
        raise SpecError(problems)
    return SpecFile(path, spec, doc)


def _check_ids(doc: Located, catalogue: Catalogue) -> list[Problem]:
    """Unknown or repeated ids, checked on the raw data so they are reported with any
    other problem in the file."""
    problems = []
    for key, known, noun in (("topics", catalogue.topic_ids, "topic"),
                             ("comedications", catalogue.comedication_ids,
                              "co-medication section")):
        values = _comma_list(doc.data.get(key))
        if not isinstance(values, list):
            continue
        seen: set[str] = set()
        for i, ident in enumerate(values):
            if not isinstance(ident, str):
                continue
            ident = ident.strip()
            where = dict(file=doc.file, line=doc.line_of((key, i)), field=f"{key}[{i}]")
            if ident not in known:
                problems.append(Problem(f"unknown {noun} '{ident}'",
                                        hint=suggest(ident, known) or
                                        f"see 'handouts list {key}'", **where))
            elif ident in seen:
                problems.append(Problem(f"'{ident}' is listed twice", hint="remove one",
                                        **where))
            seen.add(ident)
    language = doc.data.get("language", "en")
    if isinstance(language, str) and language not in catalogue.languages:
        problems.append(Problem(
            f"no content in language '{language}'", doc.file, doc.line_of(("language",)),
            "language", f"available: {', '.join(sorted(catalogue.languages))}"))
    return problems


def find_site(ref: str, near: Path | None = None) -> Path:
    """A site id (looked up in <spec folder>/sites/ and ./specs/sites/) or a path."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        return Path(ref) if near is None or Path(ref).is_absolute() else (near / ref)
    folders = ([near / "sites"] if near else []) + [Path("specs/sites")]
    for folder in folders:
        candidate = folder / f"{ref}.yaml"
        if candidate.is_file():
            return candidate
    known = sorted({p.stem for folder in folders if folder.is_dir()
                    for p in folder.glob("*.yaml")})
    raise SpecError.one(f"unknown site '{ref}'", field="site",
                        hint=suggest(ref, known) or
                        (f"known sites: {', '.join(known)}" if known else
                         "give a path to a site file"))


def load_site(path: Path) -> Site:
    """Load a site file and its logo; raise SpecError listing every problem."""
    doc = _load_mapping(path, "site file")
    model, problems = validate(SiteModel, doc)
    if problems:
        raise SpecError(problems)
    logo, files = None, (path,)
    if model.logo:
        logo_path = path.parent / model.logo
        logo = _read_logo(logo_path, doc)
        files += (logo_path,)
    libraries = tuple(path.parent / folder for folder in model.library)
    for i, folder in enumerate(libraries):
        if not folder.is_dir():
            raise SpecError(Problem(f"library folder '{folder}' not found", doc.file,
                                    doc.line_of(("library", i)), f"library[{i}]",
                                    "the path is relative to the site file"))
    return Site(path.stem, model, logo, files, libraries)


def _read_logo(path: Path, doc: Located) -> bytes:
    where = dict(file=doc.file, line=doc.line_of(("logo",)), field="logo")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(Problem(f"cannot read logo '{path}' ({exc.strerror})", **where,
                                hint="the path is relative to the site file")) from None
    if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise SpecError(Problem(f"logo '{path}' is not a PNG or JPEG image", **where))
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Exception as exc:  # Pillow raises many types for corrupt files
        raise SpecError(Problem(f"logo '{path}' cannot be decoded ({exc})", **where)) from None
    return data


def _load_mapping(path: Path, what: str) -> Located:
    try:
        doc = load(path, what)
    except YamlProblem as exc:
        raise SpecError(exc.problem) from None
    if not isinstance(doc.data, dict):
        raise SpecError.one(f"a {what} must be a YAML mapping (key: value lines)", path,
                            line=1)
    return doc


def schema() -> dict:
    """The JSON Schema of a handout spec, for editors."""
    out = Spec.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "handouts spec"
    return out
