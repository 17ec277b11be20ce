"""One handout from spec to file: load, assemble, render, then one atomic write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from handouts.assemble.handout import assemble, choose_sections, recognise_medicines, text_language
from handouts.errors import LayoutError, Problem, SpecError
from handouts.files import today, write_atomic
from handouts.inputs.site import LABELLED, Site, find_site, load_site, text_warnings, untranslated
from handouts.inputs.spec import Patient, SpecFile, read_spec, spec_warnings, validate_spec
from handouts.inputs.validation import field_name, plain_message
from handouts.library.load import BUNDLED, Library, open_library
from handouts.locale.messages import catalogue_file
from handouts.outputs.names import check_private_name, handout_id, output_name, web_copy_url
from handouts.render.fontfiles import font_files
from handouts.render.printcheck import site_problems


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
    allow_outside_paths: bool = False
    fhir: Path | None = None
    large_print: bool = False
    formats: tuple[str, ...] = ("pdf",)
    language: str | None = None  # --language: the handout's language, over the spec's


@dataclass(frozen=True)
class Built:
    path: Path
    pages: int
    size: int
    warnings: tuple[Problem, ...] = field(default_factory=tuple)
    others: tuple[tuple[Path, int], ...] = ()  # (path, size) of each further format
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prepared:
    """Everything a handout is made from, loaded and checked, before any layout."""

    spec_file: SpecFile
    site: Site | None
    library: Library
    routes: tuple[tuple[str, int], ...] = ()  # (--meds or --fhir, entries) after the spec's
    notes: tuple[str, ...] = ()
    variant: str = ""  # "-a4", "-large-print": what the options change, for file names
    # from a spec file, which batch publishes under its name; False for a spec given as data
    # (the web form), which has no web copy to point to
    from_file: bool = True


def prepare(spec_path: Path, options: BuildOptions = BuildOptions()) -> Prepared:
    """Load the spec, its site and the library it draws on; raise HandoutError if wrong."""
    doc = read_spec(spec_path)
    site_ref = options.site or doc.data.get("site")
    site = _site(site_ref, spec_path, doc, bool(options.site), options.allow_outside_paths) \
        if isinstance(site_ref, str) and site_ref.strip() else None
    roots = tuple(options.libraries) + (site.libraries if site else ())
    library = open_library(roots, options.allow_outside_paths)
    extra, notes = extra_medications(options)
    spec_file = validate_spec(spec_path, doc, library)
    own = own_language(doc.data, site)
    variant = variant_suffix(spec_file.spec.paper, spec_file.spec.large_print, site, options)
    if options.language and options.language != own:
        variant += f"-{options.language}"  # "intake-es.pdf": the file name says which
    spec_file = with_language(spec_file, options.language or own, library,
                               bool(options.language))
    named = spec_file.spec.patient
    if extra and named is not None and named.medications:  # two lists made one
        notes += (f"note: {spec_path} already lists its patient's medicines: the ones given "
                  "are added to them (and its patient's name is kept); for another patient, "
                  "use a spec without them",)
    spec_file = _with_options(spec_file, options, extra)
    if extra:  # the spec's list and the added entries together keep the spec's limit
        merged = spec_file.spec.patient.medications
        too_many = [p for p in check_medications(merged, "patient.medications")
                    if p.field == "patient.medications"]
        if too_many:
            raise SpecError([Problem(f"{p.message} (the spec's, --meds and --fhir together)",
                                     str(spec_path), field=p.field) for p in too_many])
    routes = tuple((route, len(entries)) for route, entries in extra)
    return Prepared(spec_file, site, library, routes, notes, variant)


def own_language(spec_data: dict, site: Site | None) -> str:
    """The language a spec asks for: its own `language`, else its site's, else English."""
    given = spec_data.get("language")
    if isinstance(given, str) and given.strip():
        return given.strip()
    return (site.model.language if site else None) or "en"


def with_language(spec_file: SpecFile, language: str, library: Library,
                   from_option: bool) -> SpecFile:
    """The spec in `language` (from --language or its site), held to the same rules as a
    spec that says it: a language the library has, and patient handouts only."""
    spec = spec_file.spec
    if language == spec.language or not from_option and spec.audience == "clinician":
        return spec_file  # a Spanish-speaking site's clinician handouts stay English
    where = {"file": str(spec_file.path), "field": "--language"} if from_option else \
        {"file": str(spec_file.path), "field": "site", "hint": "the site's language"}
    if language not in library.languages:
        raise SpecError.one(f"no content in language {language!r}",
                            **{**where, "hint": "available: "
                               + ", ".join(sorted(library.languages))})
    if language != "en" and spec.audience == "clinician":
        raise SpecError.one("clinician handouts are written in English only; translations "
                            "are of the patient text", **{**where,
                            "hint": "build clinician specs in English"})
    titles = spec.translations.get(language)
    update = {"language": language, **({"title": titles.title, "subtitle": titles.subtitle}
                                       if titles else {})}
    return SpecFile(spec_file.path, spec.model_copy(update=update), spec_file.source)


def variant_suffix(paper: str | None, large_print: bool, site: Site | None,
                   options: BuildOptions) -> str:
    """What --paper and --large-print change about a handout, added to its default file
    name ("-a4", "-large-print"), so building one spec on both papers never overwrites."""
    own = paper or (site.model.paper if site else None) or "letter"
    parts = [options.paper] if options.paper and options.paper != own else []
    if options.large_print and not large_print:
        parts.append("large-print")
    return "".join(f"-{part}" for part in parts)


def extra_medications(options: BuildOptions
                       ) -> tuple[list[tuple[str, tuple[str, ...]]], tuple[str, ...]]:
    """--meds and --fhir entries, each held to the rules of patient.medications."""
    extra, notes, problems = [], (), []
    if options.medications:
        extra.append(("--meds", tuple(options.medications)))
    if options.fhir:
        from handouts.inputs.fhir import read_medications  # fhir.resources: only for --fhir

        found = read_medications(options.fhir)
        extra.append(("--fhir", found.entries))
        notes = (found.summary(),)
    for route, entries in extra:
        problems += check_medications(entries, route)
    if problems:
        raise SpecError(problems)
    return extra, notes


def check_medications(entries: Sequence[str], route: str) -> list[Problem]:
    """The same validation a spec's patient.medications gets, for --meds and --fhir;
    messages name entries by position (from 1), never by their text."""
    from pydantic import ValidationError

    try:
        Patient.model_validate({"medications": list(entries)})
    except ValidationError as exc:
        return [Problem(_plain(err), field=medicine_field(route, err["loc"][1])
                        if len(err["loc"]) > 1 else route) for err in exc.errors()]
    return []


def _plain(err: dict) -> str:
    return plain_message(err)


def medicine_field(route: str, index: int) -> str:
    """'patient.medications entry 3', '--meds entry 1': entries counted from 1."""
    return f"{route} entry {index + 1}"


def build(spec_path: Path, options: BuildOptions = BuildOptions()) -> Built:
    """Build one handout and write it atomically; raise HandoutError on bad input."""
    prepared = prepare(spec_path, options)
    target = options.out_dir / output_name(spec_path.stem + prepared.variant,
                                               options.out_name)
    if options.out_name:
        check_private_name(target, prepared.spec_file, True, prepared.library.drugs)
    return build_prepared(prepared, target, options)


def build_prepared(prepared: Prepared, target: Path,
                   options: BuildOptions = BuildOptions()) -> Built:
    """Assemble, render and write a prepared handout to `target` (the PDF's path; its
    twin in each other format has the same name with that format's suffix)."""
    check_private_name(target, prepared.spec_file, drugs=prepared.library.drugs)
    outputs, warnings = make_outputs(prepared, options)
    return write_outputs(target, outputs, warnings, prepared.notes)


def write_outputs(target: Path, outputs: dict[str, bytes], warnings: tuple[Problem, ...],
                  notes: tuple[str, ...]) -> Built:
    """Write each format's bytes atomically beside `target` (the PDF's path; each other
    format the same name with its suffix) and say what was written."""
    written = []
    for fmt, data in outputs.items():
        path = target.with_suffix(f".{fmt}")
        write_atomic(path, data)
        written.append((path, len(data)))
    pages = page_count(outputs["pdf"]) if "pdf" in outputs else 0
    return Built(written[0][0], pages, written[0][1], warnings, tuple(written[1:]), notes)


def make_pdf(prepared: Prepared, options: BuildOptions = BuildOptions()
             ) -> tuple[bytes, tuple[Problem, ...]]:
    """The PDF's bytes and the warnings to show, without touching the file system."""
    outputs, warnings = make_outputs(prepared, replace(options, formats=("pdf",)))
    return outputs["pdf"], warnings


def make_outputs(prepared: Prepared, options: BuildOptions = BuildOptions()
                 ) -> tuple[dict[str, bytes], tuple[Problem, ...]]:
    """The bytes of each format asked for (from one assembled Document) and the warnings
    to show, without touching the file system."""
    spec_file, site, library = prepared.spec_file, prepared.site, prepared.library
    problems = unprintable_fields(prepared, options)
    if problems:
        raise SpecError(problems)
    recognised = recognise_medicines(spec_file.spec, library)
    if not choose_sections(spec_file.spec, library, recognised):
        raise SpecError.one("the handout has nothing to say: it lists no topics, and none of "
                            "the patient's medicines has a section", spec_file.path,
                            line=spec_file.source.line_of(("patient", "medications")),
                            field="topics", hint="add topics, e.g. topics: [ketamine-basics]")
    assembly = assemble(spec_file.spec, library, site, today())
    warnings = tuple(medicine_warning(prepared, i, options.strict)
                     for i, _ in assembly.unknown_medicines)
    if warnings and options.strict:  # the other warnings are still said, as warnings
        raise SpecError([replace(w, severity="error") for w in warnings]
                        + input_warnings(prepared))
    document = replace(assembly.document, web_copy=web_copy(prepared, options))
    renderers = {"pdf": render, "html": render_html}
    try:
        outputs = {fmt: renderers[fmt](document) for fmt in options.formats}
    except LayoutError as exc:
        raise LayoutError([_located(p, prepared) for p in exc.problems]) from None
    aside = tuple(set_aside_note(prepared, i) for i, r in enumerate(recognised) if r.set_aside)
    return outputs, warnings + aside + tuple(input_warnings(prepared))


def web_copy(prepared: Prepared, options: BuildOptions) -> str | None:
    """The address of this handout's web copy, from its site's `web_copy` pattern, named
    as batch names its file (the spec's name, and with --language the language); only for
    a patient handout that is not tailored: an address must never identify a patient."""
    spec, site = prepared.spec_file.spec, prepared.site
    if site is None or not site.model.web_copy or spec.audience != "patient" or \
            spec.patient is not None or options.medications or options.fhir or \
            prepared.routes or not prepared.from_file:
        return None
    ident = handout_id(prepared.spec_file.path.stem, options.language)
    return web_copy_url(site.model.web_copy, ident, spec.language)


def set_aside_note(prepared: Prepared, index: int) -> Problem:
    """An entry that names no medicine (a sig line, "Dispense: 90", a note) is left off
    the page; said by position, so a clinician can check it was not a medicine."""
    file, line, field = medicine_place(prepared, index)
    return Problem("names no medicine (instructions or chart text), so it is not on the page",
                   file, line, field, "see how each entry was read with 'handouts meds'",
                   "warning")


def site_warnings(site: Site) -> list[Problem]:
    """What a site loads with but probably does not mean: colours that print badly (the
    print checks) and free text a ' #' cut short."""
    return site_problems(site) + text_warnings(site)


def input_warnings(prepared: Prepared) -> list[Problem]:
    """What the spec and site files load with but probably do not mean (a list item run
    into the one above, text a '#' cut short, colours that print badly)."""
    site = prepared.site
    return spec_warnings(prepared.spec_file) + (site_warnings(site) + language_warnings(
        site, text_language(prepared.spec_file.spec)) if site else [])


def language_warnings(site: Site, language: str) -> list[Problem]:
    """The site's own words (a phone label, the footer note) a handout in `language` would
    print in the site's language, for want of a translation in the site file."""
    names = dict(LABELLED) | {"footer_note": "footer_note"}
    source = site.source
    return [Problem(f"printed as written in a handout in {language!r}: the site file has no "
                    "translation of it", str(site.files[0]),
                    source.line_of(tuple(place.split("."))) if source else None, place,
                    f"add translations: {{{language}: {{{names[place]}: ...}}}} to the site "
                    "file", severity="warning")
            for place in untranslated(site.model, language)]


def _located(problem: Problem, prepared: Prepared) -> Problem:
    """A layout problem placed in the file the user should change."""
    site, spec_file = prepared.site, prepared.spec_file
    if problem.field == "footer_note" and site is not None:
        return Problem(problem.message, str(site.files[0]),
                       site.source.line_of(("footer_note",)) if site.source else None,
                       problem.field, problem.hint)
    if problem.file is None:
        path = tuple(problem.field.split(".")) if problem.field else ()
        return Problem(problem.message, str(spec_file.path),
                       spec_file.source.line_of(path) if path else None, problem.field,
                       problem.hint)
    return problem


def _with_options(spec_file: SpecFile, options: BuildOptions,
                  extra: Sequence[tuple[str, tuple[str, ...]]] = ()) -> SpecFile:
    spec = spec_file.spec
    update: dict = {}
    if options.paper:
        update["paper"] = options.paper
    if options.large_print:
        update["large_print"] = True
    added = [m for _, entries in extra for m in entries]
    if added:
        patient = spec.patient or Patient()
        update["patient"] = patient.model_copy(
            update={"medications": [*patient.medications, *added]})
    if not update:
        return spec_file
    return SpecFile(spec_file.path, spec.model_copy(update=update), spec_file.source)


def _site(ref: str, spec_path: Path, doc, from_option: bool, allow_outside: bool) -> Site:
    """The site named on the command line, or by the spec (relative to the spec)."""
    where = {"field": "site"} if from_option else \
        {"file": str(spec_path), "line": doc.line_of(("site",)), "field": "site"}
    try:
        path = find_site(ref.strip(), spec_path, allow_outside, where, from_option)
        return load_site(path, allow_outside)
    except SpecError as exc:
        if from_option:
            raise
        line = doc.line_of(("site",))
        raise SpecError([_site_problem(p, spec_path, line) for p in exc.problems]) from None


def _site_problem(problem: Problem, spec_path: Path, line: int | None) -> Problem:
    """A problem with the site a spec names: inside the site file, where it is; the site
    file missing or unreadable, at the spec's `site:` line."""
    if problem.file and problem.line is None and problem.field is None:
        return Problem(f"site file '{problem.file}' {problem.message.removeprefix('site file ')}",
                       str(spec_path), line, "site", problem.hint or
                       "the path is relative to the spec; or give a site id from "
                       "'handouts list sites'")
    return Problem(problem.message, problem.file or str(spec_path),
                   problem.line if problem.file else line, problem.field, problem.hint)


def unprintable_fields(prepared: Prepared, options: BuildOptions) -> list[Problem]:
    """Spec, patient and site text that no bundled font can print, by field."""
    # ReportLab's font machinery, loaded only when a handout is really checked or built
    # (start-up time).
    from handouts.render.fonts import family
    from handouts.render.markup import SCRIPTS_HINT, Glyphs, describe

    site = prepared.site
    glyphs = Glyphs(family(site.model.font if site else "atkinson-hyperlegible"))
    spec_file = prepared.spec_file
    spec, doc = spec_file.spec, spec_file.source
    fields: list[tuple[str | None, tuple, str | None]] = [
        (str(spec_file.path), ("title",), spec.title),
        (str(spec_file.path), ("subtitle",), spec.subtitle)]
    if spec.patient:
        fields += [(str(spec_file.path), ("patient", key), getattr(spec.patient, key))
                   for key in ("name", "prepared_by")]
        fields += [(str(spec_file.path) if file else None, ("patient", "medications", i)
                    if file else (field,), m)
                   for i, m in enumerate(spec.patient.medications)
                   for file, _, field in [medicine_place(prepared, i)]]
    if site:
        model = site.model
        fields += [(str(site.files[0]), (key,), _site_text(getattr(model, key)))
                   for key in ("name", "crisis_line", "footer_note")]
        fields += [(str(site.files[0]), ("contact", key), _site_text(getattr(model.contact, key)))
                   for key in ("phone", "address", "website", "after_hours")]
    problems = []
    for file, path, text in fields:
        missing = glyphs.missing(text) if text else []
        if missing:
            source = doc if file == str(spec_file.path) else (site.source if site else None)
            line = source.line_of(path) if (source and file) else None
            name = field_name(path) if file else path[0]
            private = path[0] == "patient" or not file  # never echo a patient's text
            what = f"{len(missing)} character{'s' * (len(missing) != 1)} in this entry" \
                if private else describe(missing)
            problems.append(Problem(f"cannot print {what}", file, line, name, SCRIPTS_HINT))
    return problems


def _site_text(value) -> str | None:
    return getattr(value, "display", value)


def medicine_place(prepared: Prepared, index: int) -> tuple[str | None, int | None, str]:
    """Where medicine `index` of the merged list came from: (file, line, field)."""
    spec_file = prepared.spec_file
    in_spec = len(spec_file.spec.patient.medications) - sum(n for _, n in prepared.routes)
    if index < in_spec:
        return (str(spec_file.path), spec_file.source.line_of(("patient", "medications", index)),
                medicine_field("patient.medications", index))
    index -= in_spec
    for route, count in prepared.routes:
        if index < count:
            return None, None, medicine_field(route, index)
        index -= count
    raise IndexError(index)


def medicine_warning(prepared: Prepared, index: int, strict: bool = False) -> Problem:
    """Name the entry by position, never by its text, and suggest no look-alike name:
    medicines are patient data, and nothing is matched by resemblance."""
    file, line, field = medicine_place(prepared, index)
    message = "medicine not recognised" if strict else \
        "medicine not recognised; the handout asks the patient to check it with their " \
        "care team"
    hint = "check the spelling, or see what was found with 'handouts meds'"
    return Problem(message, file, line, field, hint, "warning")


def input_files(prepared: Prepared) -> list[Path]:
    """Every file whose bytes can change this handout's PDF."""
    spec, library, site = prepared.spec_file.spec, prepared.library, prepared.site
    recognised = recognise_medicines(spec, library)
    sections = choose_sections(spec, library, recognised)
    files = [prepared.spec_file.path, *(site.files if site else ())]
    files += [library.path_of(ident) for ident in sections]
    language = text_language(spec)
    if language != "en":  # the translations it prints, and its language's fixed strings
        files += [library.translations[language][i] for i in sections
                  if i in library.translations.get(language, {})]
    files += [catalogue_file(spec.language), catalogue_file("en")]
    files += [BUNDLED / "references.yaml", BUNDLED / "catalogue.yaml"]
    if spec.patient and spec.patient.medications:
        files += [BUNDLED / "drugs.yaml", BUNDLED / "vocabulary.tsv"]
    font = site.model.font if site else "atkinson-hyperlegible"
    return files + font_files(font)


def render(document) -> bytes:
    """ReportLab, imported only when a handout is really laid out (start-up time: a batch
    that finds nothing changed never loads it)."""
    from handouts.render.pdf import render as render_pdf

    return render_pdf(document)


def render_html(document) -> bytes:
    """The HTML twin of the same Document (its renderer loads on first use: start-up time)."""
    from handouts.render_html.html import render_html as twin

    return twin(document)


def page_count(data: bytes) -> int:
    return data.count(b"/Type /Page\n") or data.count(b"/Type /Page ")
