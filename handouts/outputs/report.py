"""The clinician co-medication report as a build: a spec (a file, or data from a web form or
`report --meds`) prepared as for a handout, assembled by assemble/report.py, rendered to PDF
bytes with its warnings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from handouts.assemble.report import UNKNOWN, report_document
from handouts.errors import LayoutError, Problem, SpecError
from handouts.files import today
from handouts.inputs.site import load_site
from handouts.inputs.spec import validate_spec
from handouts.inputs.yamlio import Located
from handouts.library.load import open_library
from handouts.outputs.build import (
    BuildOptions,
    Prepared,
    input_warnings,
    medicine_warning,
    own_language,
    render,
    with_language,
)
from handouts.outputs.build import unprintable_fields as unprintable


def make_report(prepared: Prepared, options: BuildOptions | None = None
                ) -> tuple[bytes, tuple[Problem, ...]]:
    """The report's PDF bytes and its warnings, without touching the file system."""
    options = options or BuildOptions()
    problems = unprintable(prepared, options)
    if problems:
        raise SpecError(problems)
    spec = prepared.spec_file.spec
    document, unknown = report_document(spec, prepared.library, prepared.site, today())
    unknown_names = [dataclasses.replace(medicine_warning(prepared, i), message=UNKNOWN)
                     for i, _ in unknown]
    if unknown_names and options.strict:  # as for a handout: --strict is about the medicines
        raise SpecError([dataclasses.replace(w, severity="error") for w in unknown_names]
                        + input_warnings(prepared))
    warnings = tuple(unknown_names) + tuple(input_warnings(prepared))
    try:
        return render(document), warnings
    except LayoutError as exc:
        raise LayoutError([Problem(p.message, field=p.field or "patient.medications",
                                   hint=p.hint) for p in exc.problems]) from None


def prepare_data(data: dict, label: str, site: Path | None = None,
                 libraries: tuple[Path, ...] = (), language: str = "",
                 lines: dict | None = None) -> Prepared:
    """A spec given as data (a web form, `report --meds`), never read from or written to
    disk, checked as a spec file is; `label` names it in messages (with `lines`, where each
    value was read), `language` is asked for as --language asks."""
    loaded = load_site(site) if site is not None else None
    library = open_library(tuple(libraries) + (loaded.libraries if loaded else ()))
    spec_file = validate_spec(Path(label), Located(data, label, lines or {}), library)
    spec_file = with_language(spec_file, language or own_language(data, loaded), library,
                              bool(language))
    return Prepared(spec_file, loaded, library, from_file=False)
