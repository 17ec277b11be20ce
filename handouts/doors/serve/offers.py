"""What the server offers the form, read from its own folders at start: the clinics (site
files) and the clinic's standard handouts (specs) a visit packet can add. The form sends
an id; a path never comes from the browser."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handouts.errors import HandoutError, Problem, capped
from handouts.inputs.packetfile import is_packet
from handouts.inputs.site import load_site
from handouts.inputs.spec import read_spec
from handouts.outputs.build import BuildOptions, Prepared, prepare
from handouts.outputs.report import prepare_data


@dataclass(frozen=True)
class Sites:
    """The clinics the server offers: id -> (name, site file)."""

    entries: dict[str, tuple[str, Path]]

    @classmethod
    def read(cls, folder: Path | None) -> tuple[Sites, list[Problem]]:
        """The clinics of a folder's site files, and the problems of those that do not
        load (all of them, each naming its file: one bad file does not stop the rest)."""
        found, problems = {}, []
        for path in _yaml_files(folder):
            try:
                site = load_site(path)
            except HandoutError as exc:
                problems += capped(exc.problems, 3)
                continue
            found[site.id] = (site.model.name, path)
        return cls(found), problems


@dataclass(frozen=True)
class Standard:
    """One of the clinic's standard handouts: a spec that names no patient."""

    title: str
    audience: str
    path: Path


@dataclass(frozen=True)
class Standards:
    """The standard handouts the form offers for a visit packet: id (the spec file's name)
    -> Standard, the patients' first."""

    entries: dict[str, Standard]

    @classmethod
    def read(cls, folder: Path | None, libraries: tuple[Path, ...] = ()
             ) -> tuple[Standards, list[Problem]]:
        """The specs of a folder that name no patient, and the problems of those that do not
        load as written (with their own site). Packet files and tailored specs are passed
        over: a packet's specs are offered one by one, and a tailored spec's patient is not
        the form's."""
        found, problems = [], []
        for path in _yaml_files(folder):
            try:
                if is_packet(read_spec(path)):
                    continue
                spec = prepare(path, BuildOptions(libraries=libraries)).spec_file.spec
            except HandoutError as exc:
                problems += capped(exc.problems, 3)
                continue
            if spec.patient is None or not (spec.patient.name or spec.patient.prepared_by
                                            or spec.patient.medications):
                found.append((path.stem, Standard(spec.title, spec.audience, path)))
        found.sort(key=lambda item: item[1].audience != "patient")  # stable: by name within
        return cls(dict(found)), problems


def standard_prepared(path: Path, site: Path | None = None, language: str = "",
                      libraries: tuple[Path, ...] = ()) -> Prepared:
    """A standard handout as a part of the form's packet: in the form's clinic (or none)
    and language, whatever its own file names; problems are said of its file."""
    doc = read_spec(path)
    data = {k: v for k, v in doc.data.items() if k not in ("site", "language")}
    return prepare_data(data, str(path), site, libraries, language, doc.lines)


def _yaml_files(folder: Path | None) -> list[Path]:
    return sorted(folder.glob("*.yaml")) if folder and folder.is_dir() else []
