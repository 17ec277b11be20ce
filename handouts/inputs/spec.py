"""Handout specs, sites and patient blocks: typed models, loaded from YAML with clear errors."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
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

from handouts.errors import Problem, SpecError, shorten
from handouts.inputs.validation import cut_warnings, field_name, suggest, validate
from handouts.inputs.yamlio import Located, YamlProblem, load

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains a control character; use plain text")
    return value


def text_field(max_length: int):
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=max_length), AfterValidator(_no_control)]


def comma_list(value):
    """Accept `a, b, c` as well as a YAML list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


ShortText = text_field(200)
LongText = text_field(600)
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _color(value):
    """Colour values, with the mistake YAML makes easy said plainly: an unquoted '#'
    starts a comment, so `primary: #A8431A` is an empty value."""
    if value is None:
        raise ValueError("is empty: in YAML a '#' starts a comment, so write the colour in "
                         "quotes, e.g. \"#1F4E79\"")
    if not isinstance(value, str) or not _HEX.match(value.strip()):
        raise ValueError("should be '#' and six hex digits, in quotes, e.g. \"#1F4E79\"")
    return value.strip()


def _language(value):
    if not isinstance(value, str) or not re.match(r"^[a-z]{2}(-[A-Z]{2})?$", value):
        raise ValueError("should be a language code such as en or en-US")
    return value


HexColor = Annotated[str, StringConstraints(pattern=_HEX.pattern), BeforeValidator(_color)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$"),
                         BeforeValidator(_language)]
def _lower(value):
    """'A4', 'Letter', 'Patient' are meant as a4, letter, patient."""
    return value.strip().lower() if isinstance(value, str) else value


Paper = Annotated[Literal["letter", "a4"], BeforeValidator(_lower)]
Audience = Annotated[Literal["patient", "clinician"], BeforeValidator(_lower)]
FontId = Literal["atkinson-hyperlegible", "dejavu-sans"]
IdList = Annotated[list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]],
                   BeforeValidator(comma_list), Field(max_length=100)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Patient(Model):
    """The person a tailored handout is for. Printed on the page, never anywhere else."""

    name: ShortText | None = Field(None, description="Shown in 'Prepared for'.")
    medications: Annotated[list[ShortText], BeforeValidator(comma_list),
                           Field(max_length=200)] = Field(
        default_factory=list, description="Free text, e.g. 'Zoloft 50 mg'; mapped to sections.")
    prepared_by: ShortText | None = Field(None, description="Clinician who prepared it.")


class Titles(Model):
    """A spec's title and subtitle in another language."""

    title: ShortText
    subtitle: ShortText | None = None


class Spec(Model):
    """A handout: which topics and co-medication sections, for whom, how printed."""

    title: ShortText
    subtitle: ShortText | None = None
    audience: Audience = "patient"
    language: LanguageCode = "en"
    site: ShortText | None = Field(None, description="A site id (specs/sites/<id>.yaml) or path.")
    paper: Paper | None = Field(None, description="Default: the site's paper, else letter.")
    large_print: bool = Field(False, description="18 pt body, 1.5 spacing, one column.")
    topics: IdList = Field(default_factory=list)
    comedications: IdList = Field(default_factory=list)
    patient: Patient | None = None
    references: bool = True
    date: dt.date | None = Field(None, description="Date printed on the handout (YYYY-MM-DD).")
    translations: dict[LanguageCode, Titles] = Field(
        default_factory=dict, description="The title and subtitle in other languages, for "
        "building the handout in them (--language es): es: {title: ..., subtitle: ...}.")


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
    return load_mapping(path, "spec")


def load_spec(path: Path, catalogue: Catalogue) -> SpecFile:
    """Load and validate a handout spec; raise SpecError listing every problem."""
    return validate_spec(path, read_spec(path), catalogue)


SITE_KEYS = {"colors", "contact", "logo", "crisis_line", "web_copy", "footer_note"}


def validate_spec(path: Path, doc: Located, catalogue: Catalogue) -> SpecFile:
    """Validate a read spec against the models and the library's ids."""
    if isinstance(doc.data, dict) and "packet" in doc.data:  # not a list of unknown fields
        raise SpecError.one("this is a packet file, not a handout spec", doc.file,
                            line=doc.line_of(("packet",)), field="packet",
                            hint=f"build it with 'handouts packet {path} -o packet.pdf' "
                                 "(or build, or batch)")
    if isinstance(doc.data, dict) and "title" not in doc.data and "name" in doc.data and \
            SITE_KEYS & set(doc.data):  # a site file given where a spec goes
        raise SpecError.one("this is a site file, not a handout spec", doc.file,
                            line=doc.line_of(("name",)), field="name",
                            hint="give a site with --site (build, packet, preview) or "
                                 "--sites (batch, check; one --sites for each file)")
    spec, problems = validate(Spec, doc)
    problems += _check_ids(doc, catalogue)
    if spec is not None and not (spec.topics or spec.comedications or
                                 (spec.patient and spec.patient.medications)):
        problems.append(Problem("the handout has nothing to say", doc.file, 1, "topics",
                                "list at least one topic or co-medication section"))
    if problems:
        raise SpecError(problems)
    return SpecFile(path, spec, doc)


_SWALLOWED_ITEM = re.compile(r"\s-\s+\S")


def spec_warnings(spec_file: SpecFile) -> list[Problem]:
    """What loads but is probably not what the writer meant: a list item indented under the
    one before it is read as part of that item ("Zoloft 50 mg - Ativan 0.5 mg")."""
    cut = cut_warnings(spec_file.source, ("title", "subtitle", "patient.name",
                                          "patient.prepared_by", "patient.medications"))
    patient = spec_file.spec.patient
    raw = spec_file.source.data.get("patient") if isinstance(spec_file.source.data, dict) \
        else None
    raw_meds = raw.get("medications") if isinstance(raw, dict) else None
    if patient is None or not isinstance(raw_meds, list | str):
        return cut
    entries = raw_meds if isinstance(raw_meds, list) else [raw_meds]
    return cut + [Problem("this entry looks like several list items run together (a ' - ' inside "
                    "it)", str(spec_file.path),
                    spec_file.source.line_of(("patient", "medications", i)),
                    field_name(("patient", "medications", i)),
                    "check the indentation: each '- ' must line up under the one above",
                    "warning")
            for i, entry in enumerate(entries)
            if isinstance(entry, str) and _SWALLOWED_ITEM.search(entry)]


def _check_ids(doc: Located, catalogue: Catalogue) -> list[Problem]:
    """Unknown or repeated ids, checked on the raw data so they are reported with any
    other problem in the file."""
    problems = []
    for key, known, noun in (("topics", catalogue.topic_ids, "topic"),
                             ("comedications", catalogue.comedication_ids,
                              "co-medication section")):
        values = comma_list(doc.data.get(key))
        if not isinstance(values, list):
            continue
        seen: set[str] = set()
        for i, ident in enumerate(values):
            if not isinstance(ident, str):
                continue
            ident = ident.strip()
            where = dict(file=doc.file, line=doc.line_of((key, i)), field=field_name((key, i)))
            if ident not in known:
                parts = [p.strip() for p in re.split(r"\s+-\s+", ident)]
                swallowed = len(parts) > 1 and all(p in known for p in parts)
                problems.append(Problem(
                    f"unknown {noun} {shorten(ident)}",
                    hint=f"these look like {len(parts)} list items read as one: start each on "
                         "its own line with '- ' indented the same" if swallowed else
                    suggest(ident, known) or f"see 'handouts list {key}'", **where))
            elif ident in seen:
                problems.append(Problem(f"{shorten(ident)} is listed twice", hint="remove one",
                                        **where))
            seen.add(ident)
    language = doc.data.get("language", "en")
    if isinstance(language, str) and re.match(r"^[a-z]{2}(-[A-Z]{2})?$", language) and \
            language not in catalogue.languages:
        problems.append(Problem(
            f"no content in language {shorten(language)}", doc.file, doc.line_of(("language",)),
            "language", f"available: {', '.join(sorted(catalogue.languages))}"))
    elif language != "en" and doc.data.get("audience") == "clinician":
        problems.append(Problem(
            "clinician handouts are written in English only; translations are of the patient "
            "text", doc.file, doc.line_of(("language",)), "language",
            "use language: en for a clinician handout, or audience: patient"))
    return problems


def load_mapping(path: Path, what: str) -> Located:
    try:
        doc = load(path, what)
    except YamlProblem as exc:
        raise SpecError(exc.problem) from None
    if not isinstance(doc.data, dict):
        raise SpecError.one(f"a {what} must be a YAML mapping (key: value lines)", path,
                            line=1)
    return doc


def schema(catalogue: Catalogue | None = None) -> dict:
    """The JSON Schema of a handout spec, for editors; with the library's catalogue, topic
    and section ids are enums, so editors complete them."""
    out = Spec.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "handouts spec"
    if catalogue is not None:
        for key, ids in (("topics", catalogue.topic_ids),
                         ("comedications", catalogue.comedication_ids)):
            field = out["properties"][key]
            field["items"] = {**field.get("items", {}), "enum": list(ids)}
    return out
