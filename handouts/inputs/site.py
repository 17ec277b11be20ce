"""Sites: a clinic's brand, contact details and logo, loaded from specs/sites/<id>.yaml."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from handouts.errors import Problem, SpecError, shorten
from handouts.files import Unreadable, read_regular
from handouts.inputs.spec import (
    FontId,
    HexColor,
    LanguageCode,
    Model,
    Paper,
    ShortText,
    comma_list,
    load_mapping,
    text_field,
)
from handouts.inputs.validation import cut_warnings, field_name, suggest, validate
from handouts.inputs.yamlio import Located

MAX_LOGO_BYTES = 5_000_000
MAX_LOGO_PIXELS = 25_000_000


class Colors(Model):
    primary: HexColor = "#1F4E79"
    accent: HexColor = "#1E7A60"


_NUMBER = r"\+?\(?\d[\d ().\-/]{1,28}\d(?: *(?:ext\.?|x) *\d{1,6})?"
_PHONE = re.compile(rf"^(?P<number>{_NUMBER}) *(?:\((?P<label>[^()]{{1,80}})\))? *$", re.I)
PHONE_HINT = ("write a phone number, with a label in brackets if you like: "
              "\"(760) 555-0100 (crisis line, 24 hours)\"; or give number: and label:")


def _number(value):
    text = str(value).strip() if isinstance(value, str | int) else None
    if text is None or not re.match(f"(?i)^{_NUMBER}$", text):
        raise ValueError("is not a phone number: digits, spaces, brackets, dots and hyphens, "
                         "e.g. (760) 555-0100 or 555-0175 ext. 4")
    return text


class Phone(Model):
    """A phone number the handout tells patients to call, with an optional short label."""

    number: Annotated[str, StringConstraints(pattern=f"(?i)^{_NUMBER}$", max_length=40),
                      BeforeValidator(_number)] = \
        Field(description="Digits, spaces, brackets, dots and hyphens; 'ext. 4' allowed.")
    label: text_field(80) | None = Field(None, description="Who answers, e.g. 'crisis "
                                                           "team, 24 hours'.")

    @property
    def display(self) -> str:
        return f"{self.number} ({self.label})" if self.label else self.number


def _phone(value):
    """'555-0111 (Northfield crisis team, 24 hours)' -> number and label; a sentence in
    place of a number is refused rather than printed after 'call'."""
    if isinstance(value, str):
        match = _PHONE.match(value.strip())
        if not match:
            raise ValueError(f"is not a phone number; {PHONE_HINT}")
        return {"number": match["number"], "label": match["label"]}
    return value


PhoneLine = Annotated[Phone, BeforeValidator(_phone)]

WEB_COPY_FIELDS = ("id", "language")
WEB_COPY_HINT = "e.g. web_copy: https://clinic.example/handouts/{id}.html"


def _web_copy(value):
    """A URL pattern for the web copy of each handout: http(s), with {id} (the handout's
    file name without .pdf) and optionally {language}; nothing else in braces."""
    if not isinstance(value, str):
        raise ValueError(f"is not a URL pattern; {WEB_COPY_HINT}")
    text = value.strip()
    if not re.match(r"(?i)^https?://[^/\s{}]+", text):
        raise ValueError(f"must be a web address starting https:// or http://; {WEB_COPY_HINT}")
    if re.search(r"\s", text):
        raise ValueError("must not contain spaces")
    names = re.findall(r"\{([^{}]*)\}", text)
    unknown = sorted({n for n in names if n not in WEB_COPY_FIELDS})
    if unknown:
        raise ValueError(f"has {{{unknown[0]}}}; only {{id}} and {{language}} are filled in")
    if re.sub(r"\{(id|language)\}", "", text).count("{") or \
            re.sub(r"\{(id|language)\}", "", text).count("}"):
        raise ValueError("has an unmatched brace")
    if "id" not in names:
        raise ValueError(f"must contain {{id}}, where each handout's name goes; {WEB_COPY_HINT}")
    return text


WebCopy = Annotated[str, BeforeValidator(_web_copy), StringConstraints(max_length=200)]


class Contact(Model):
    """How patients reach the clinic; printed in every page's footer, so kept short."""

    phone: PhoneLine | None = Field(None, description="The clinic's main number.")
    address: text_field(160) | None = None
    website: text_field(100) | None = None
    after_hours: PhoneLine | None = Field(
        None, description="A number for urgent questions after hours (printed after "
                          "'call').")


class SiteTitles(Model):
    """A site's own words in another language: its footer note and its phone labels (the
    numbers are the same in every language)."""

    footer_note: text_field(200) | None = None
    crisis_line_label: text_field(80) | None = Field(
        None, description="crisis_line's label in this language.")
    phone_label: text_field(80) | None = Field(
        None, description="contact.phone's label in this language.")
    after_hours_label: text_field(80) | None = Field(
        None, description="contact.after_hours's label in this language.")


# a phone's place in the site file -> its label's name under translations
LABELLED = (("crisis_line", "crisis_line_label"), ("contact.phone", "phone_label"),
            ("contact.after_hours", "after_hours_label"))


def untranslated(model: SiteModel, language: str) -> list[str]:
    """The site's own words a handout in `language` would print in another language:
    a phone label or the footer note, written in the site's language (else English) with
    no translation for this one."""
    own = model.language or "en"
    if language == own:
        return []
    words = model.translations.get(language) or SiteTitles()
    missing = []
    for place, name in LABELLED:
        phone = model
        for part in place.split("."):
            phone = getattr(phone, part, None)
        if phone is not None and phone.label and not getattr(words, name):
            missing.append(place)
    # a note whose language is said (mesa's "Se habla español") is meant as written
    if model.footer_note and not model.footer_note_language and not words.footer_note:
        missing.append("footer_note")
    return missing


class SiteModel(Model):
    """A clinic's brand and contact details (specs/sites/<id>.yaml)."""

    name: text_field(150)
    logo: ShortText | None = Field(None, description="PNG or JPEG, relative to this file.")
    colors: Colors = Colors()
    font: FontId = "atkinson-hyperlegible"
    contact: Contact = Contact()
    crisis_line: PhoneLine | None = Field(
        None, description="The clinic's own crisis number, printed in the 'Get help now' box "
                          "beside 988 (after 'call').")
    paper: Paper | None = None
    language: LanguageCode | None = Field(
        None, description="The language of this clinic's patient handouts where a spec does "
                          "not say (es for a Spanish-speaking clinic); clinician handouts stay "
                          "English.")
    footer_note: text_field(200) | None = None
    footer_note_language: LanguageCode | None = Field(
        None, description="The language footer_note is written in (es for 'Se habla "
                          "español'; default: the site's language, else en), so a screen "
                          "reader reads it in that language in a handout in another one.")
    translations: dict[LanguageCode, SiteTitles] = Field(
        default_factory=dict, description="The footer note and the phone labels in other "
        "languages, for handouts in them: es: {footer_note: ..., crisis_line_label: ..., "
        "phone_label: ..., after_hours_label: ...}.")
    web_copy: WebCopy | None = Field(
        None, description="Where the clinic publishes each patient handout's web copy, "
        "with {id} (its file name without .pdf) and optionally {language}: "
        "https://clinic.example/handouts/{id}.html. Untailored patient handouts print a QR "
        "code to it on their last page.")
    library: Annotated[list[ShortText], BeforeValidator(comma_list)] = Field(
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
    source: Located | None = None


# The site's free text a ' #' may cut short ("Suite #200"): every field printed as written.
TEXT_FIELDS = ("name", "contact.address", "contact.website", "footer_note",
               "crisis_line.label", "contact.phone.label", "contact.after_hours.label")


def text_warnings(site: Site) -> list[Problem]:
    """Free text a ' #' cut short (the colours' print checks are the renderer's)."""
    return cut_warnings(site.source, TEXT_FIELDS) if site.source else []


def inside(base_file: Path, value: str, allow_outside: bool, where: dict) -> Path:
    """`value` relative to the folder of `base_file`, refused if it leaves that folder
    (an absolute path, '..', or a link out) unless the user allowed it."""
    base = base_file.parent
    path = base / value
    if not allow_outside:
        escapes = Path(value).is_absolute() or ".." in Path(value).parts
        try:
            escapes = escapes or not path.resolve().is_relative_to(base.resolve())
        except OSError:
            escapes = True
        if escapes:
            raise SpecError(Problem(f"path '{value}' leaves the folder of {base_file.name}",
                                    hint="use a path inside that folder, or pass "
                                         "--allow-outside-paths", **where))
    return path


def find_site(ref: str, spec_path: Path | None = None, allow_outside: bool = False,
              where: dict | None = None, from_command_line: bool = False) -> Path:
    """A site id (in <spec folder>/sites/, then ./specs/sites/) or a path to a site file.

    A path written in a spec is relative to the spec and must stay inside its folder; a
    path from the command line is taken as given. A site found by its id must not be a
    link out of the folder it was found in.
    """
    where = where or {"field": "site"}
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        if from_command_line or spec_path is None:
            return Path(ref)
        return inside(spec_path, ref, allow_outside, where)
    folders = site_folders(spec_path)
    for folder in folders:
        candidate = folder / f"{ref}.yaml"
        if candidate.exists() and not candidate.is_file():  # a pipe or device: never read
            raise SpecError(Problem(f"site file '{candidate}' is not a regular file (a "
                                    "device, pipe or socket)", **where))
        if candidate.is_file():
            if spec_path is not None and folder == folders[0] and \
                    folder != Path("specs/sites"):  # beside the spec: sites/ may not link out
                inside(spec_path, f"sites/{ref}.yaml", allow_outside, where)
            return inside(candidate, candidate.name, allow_outside, where)
    known = sorted({p.stem for folder in folders if folder.is_dir()
                    for p in folder.glob("*.yaml")})
    looked = " and ".join(str(f) for f in folders)
    raise SpecError(Problem(f"unknown site {shorten(ref)} (looked in {looked})", **where,
                            hint=suggest(ref, known) or
                            (f"known sites: {', '.join(known)}" if known else
                             "give a path to a site file")))


def site_folders(spec_path: Path | None) -> list[Path]:
    """Where a site id is looked up: beside the spec (its sites/ folder), then
    ./specs/sites/; with no spec (a report from --meds), ./specs/sites/, ./sites/ and this
    folder."""
    folders = [spec_path.parent / "sites"] if spec_path else []
    defaults = [Path("specs/sites")] if spec_path else \
        [Path("specs/sites"), Path("sites"), Path(".")]
    for default in defaults:
        if not any(f.resolve() == default.resolve() for f in folders):
            folders.append(default)
    return folders


def load_site(path: Path, allow_outside: bool = False) -> Site:
    """Load a site file and its logo; raise SpecError listing every problem.

    A batch builds many handouts per site: each site is read and its logo decoded once
    per process for as long as the file is unchanged."""
    try:
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = (0, 0)  # let the load below report the problem
    return _load_site(path, allow_outside, version)


@cache
def _load_site(path: Path, allow_outside: bool, version: tuple[int, int]) -> Site:
    doc = load_mapping(path, "site file")
    model, problems = validate(SiteModel, doc)
    # The logo and library folders are checked as written even when another field is
    # wrong, so a site's problems are all said at once, not one fix at a time.
    logo, files, problems = _logo(path, doc, allow_outside, problems)
    libraries: list[Path] = []
    folders = model.library if model else comma_list(doc.data.get("library"))
    for i, folder in enumerate(folders if isinstance(folders, list) else []):
        if not isinstance(folder, str):
            continue
        where = dict(file=doc.file, line=doc.line_of(("library", i)),
                     field=field_name(("library", i)))
        try:
            library = inside(path, folder, allow_outside, where)
        except SpecError as exc:
            problems += exc.problems
            continue
        if not library.is_dir():
            problems.append(Problem(f"library folder '{folder}' not found", **where,
                                    hint="the path is relative to the site file"))
        libraries.append(library)
    if problems or model is None:
        raise SpecError(sorted(problems, key=lambda p: p.line or 0))
    return Site(path.stem, model, logo, files, tuple(libraries), doc)


def _logo(path: Path, doc: Located, allow_outside: bool, problems: list[Problem]
          ) -> tuple[bytes | None, tuple[Path, ...], list[Problem]]:
    """The logo's bytes and the site's files, with the problems found so far and the
    logo's own."""
    name = doc.data.get("logo")
    if not isinstance(name, str) or not name.strip() or \
            any(p.field == "logo" for p in problems):
        return None, (path,), problems
    where = dict(file=doc.file, line=doc.line_of(("logo",)), field="logo")
    try:
        logo_path = inside(path, name.strip(), allow_outside, where)
        return read_logo(logo_path, where), (path, logo_path), problems
    except SpecError as exc:
        return None, (path,), problems + list(exc.problems)


def read_logo(path: Path, where: dict) -> bytes:
    """The logo's bytes, once they are known to be a PNG or JPEG that decodes."""
    from PIL import Image

    try:
        data = read_regular(path, MAX_LOGO_BYTES)
    except Unreadable as exc:
        hint = ("export a smaller PNG or JPEG (a few hundred pixels across is plenty)"
                if "limit" in str(exc) else "the path is relative to the site file")
        raise SpecError(Problem(f"logo '{path}' {exc}", **where, hint=hint)) from None
    if not data:
        raise SpecError(Problem(f"logo '{path.name}' is an empty file", **where))
    if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise SpecError(Problem(f"logo '{path.name}' is not a PNG or JPEG image", **where,
                                hint="save the logo as PNG or JPEG"))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_LOGO_PIXELS:
                raise SpecError(Problem(
                    f"logo '{path.name}' is {image.width}x{image.height} pixels; the limit "
                    f"is {MAX_LOGO_PIXELS // 1_000_000} megapixels", **where,
                    hint="scale it down before use"))
            image.load()
    except SpecError:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt files
        raise SpecError(Problem(f"logo '{path.name}' cannot be decoded ({shorten(str(exc), 80)})",
                                **where, hint="open and re-save it as PNG or JPEG")) from None
    return data


def schema() -> dict:
    """The JSON Schema of a site file, for editors."""
    out = SiteModel.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "handouts site"
    return out
