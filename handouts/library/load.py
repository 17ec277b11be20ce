"""The content library: topics, co-medication sections, references and the drug table.

Files are found by name when the library is opened and parsed only when a handout uses
them, once per process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

from handouts import __version__
from handouts.errors import ContentError, Problem
from handouts.inputs.medicines import MedicineTable, Route
from handouts.inputs.vocabulary import VOCABULARY, Vocabulary
from handouts.inputs.yamlio import Located, YamlProblem, load, read_text
from handouts.library import parsecache
from handouts.library.contentfile import ContentFile, parse_content

BUNDLED = Path(__file__).parents[1] / "content"
Kind = Literal["topic", "comedication"]
FOLDERS: dict[Kind, str] = {"topic": "topics", "comedication": "comedications"}


def display_path(path: Path) -> str:
    """A short path for messages: relative to the working folder, or to the package."""
    path = path.resolve()
    for base in (Path.cwd(), BUNDLED.parents[1]):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return str(path)


class Library:
    """Content from the bundled library, then any clinic libraries, in catalogue order."""

    def __init__(self, roots: Sequence[Path] = (), allow_outside: bool = False):
        self.roots = (BUNDLED, *roots)
        self.allow_outside = allow_outside
        self.paths: dict[Kind, dict[str, Path]] = {"topic": {}, "comedication": {}}
        # language -> id -> the bundled translation of that topic or section's patient text
        self.translations: dict[str, dict[str, Path]] = {}
        self._index()

    # ---- finding files ------------------------------------------------------------------

    def _index(self) -> None:
        catalogue = self._load_yaml(BUNDLED / "catalogue.yaml").data
        for kind, folder in FOLDERS.items():
            for ident in catalogue[folder]:
                self.paths[kind][ident] = BUNDLED / folder / f"{ident}.md"
        problems = [Problem(f"catalogue lists '{i}' but {p.name} is missing", str(p))
                    for kind in FOLDERS for i, p in self.paths[kind].items() if not p.is_file()]
        for kind, folder in FOLDERS.items():
            for path in sorted((BUNDLED / folder).glob("*.md")):
                ident, _, language = path.stem.partition(".")
                if ident not in self.paths[kind]:
                    problems.append(Problem(f"'{ident}' is not in catalogue.yaml", str(path),
                                            hint="add its id to the catalogue"))
                elif language:  # side-effects.es.md: the Spanish twin of side-effects.md
                    self.translations.setdefault(language, {})[ident] = path
        for root in self.roots[1:]:
            problems += self._index_clinic(root)
        if problems:
            raise ContentError(problems)

    def _index_clinic(self, root: Path) -> list[Problem]:
        """A clinic's own library: topics/ and comedications/ folders (or .md files at its
        top, taken as topics). A bundled id may be replaced only with `overrides: true`."""
        if not root.is_dir():
            return [Problem("library folder not found", str(root))]
        problems = []
        found = [("topic", p) for p in sorted(root.glob("*.md"))]
        found += [(kind, p) for kind, folder in FOLDERS.items()
                  for p in sorted((root / folder).glob("*.md"))]
        for kind, path in found:
            if not self.allow_outside and not _stays_inside(path, root):
                problems.append(Problem(f"{path.name} is a link to a file outside the library "
                                        "folder", str(path),
                                        hint="copy the file in, or pass --allow-outside-paths"))
                continue
            try:
                content = _parse(path)
            except ContentError as exc:
                problems.extend(exc.problems)
                continue
            clash = content.id in self.paths["topic"] or content.id in self.paths["comedication"]
            if clash and not content.front.overrides:
                problems.append(Problem(f"id '{content.id}' is already in the library",
                                        str(path), 2, "id",
                                        "rename it, or add 'overrides: true' to replace it"))
                continue
            self.paths[kind][content.id] = path
        return problems

    @property
    def topic_ids(self) -> list[str]:
        return list(self.paths["topic"])

    @property
    def comedication_ids(self) -> list[str]:
        return list(self.paths["comedication"])

    @property
    def languages(self) -> set[str]:
        """English, and every language the bundled library has translations in."""
        return {"en", *self.translations}

    def kind_of(self, ident: str) -> Kind:
        return "topic" if ident in self.paths["topic"] else "comedication"

    def files(self) -> list[Path]:
        return [p for kind in FOLDERS for p in self.paths[kind].values()]

    def path_of(self, ident: str) -> Path:
        return self.paths[self.kind_of(ident)][ident]

    # ---- parsed content -----------------------------------------------------------------

    def section(self, ident: str, language: str = "en") -> ContentFile:
        """The parsed content file for a topic or co-medication id; in another language,
        its translation (patient text only), or a ContentError if it has none."""
        path = self.paths[self.kind_of(ident)][ident]
        if language == "en" or path.parent.parent != BUNDLED:  # a clinic's own file
            return _parse(path)
        translated = self.translations.get(language, {}).get(ident)
        if translated is None:
            raise ContentError.one(f"'{ident}' has no text in language '{language}'",
                                   str(path), hint=f"add {ident}.{language}.md beside it")
        return _parse(translated)

    @property
    def references_file(self) -> str:
        return display_path(BUNDLED / "references.yaml")

    @property
    def drugs_file(self) -> str:
        return display_path(BUNDLED / "drugs.yaml")

    @cached_property
    def _references_doc(self) -> Located:
        return self._load_yaml(BUNDLED / "references.yaml")

    @cached_property
    def references(self) -> dict[str, dict]:
        """CSL-JSON entries by id, from references.yaml."""
        entries = self._references_doc.data
        entries = entries if isinstance(entries, list) else []
        return {str(e.get("id")): e for e in entries if isinstance(e, dict)}

    def reference_line(self, key: str) -> int | None:
        entries = self._references_doc.data or []
        index = next((i for i, e in enumerate(entries) if e.get("id") == key), None)
        return self._references_doc.line_of((index,)) if index is not None else None

    @property
    def vocabulary_file(self) -> str:
        return display_path(VOCABULARY)

    @cached_property
    def _drugs_doc(self) -> Located:
        doc = self._load_yaml(BUNDLED / "drugs.yaml")
        data = doc.data
        if not isinstance(data, dict) or not all(
                isinstance(data.get(k, {}), t) for k, t in (("sections", dict),
                                                            ("treatment", list),
                                                            ("names", dict),
                                                            ("routes", dict))):
            raise ContentError.one("drugs.yaml must have 'sections' (section id -> "
                                   "ingredients), 'treatment' (a list), 'names' (name -> "
                                   "ingredients) and may have 'routes' (section id -> words "
                                   "and brands)", self.drugs_file, line=1)
        return doc

    def drug_sections(self) -> dict[str, list]:
        """drugs.yaml's sections as written: section id -> ingredients."""
        sections = self._drugs_doc.data.get("sections") or {}
        return {str(k): [str(n) for n in v or ()] for k, v in sections.items()}

    def drug_line(self, path: tuple) -> int | None:
        return self._drugs_doc.line_of(path)

    def drug_names(self) -> dict[str, str]:
        """Every mapped ingredient -> its section id."""
        return {name: section for section, names in self.drug_sections().items()
                for name in names}

    def treatment_names(self) -> list[str]:
        return [str(n) for n in self._drugs_doc.data.get("treatment") or ()]

    def added_names(self) -> dict[str, tuple[str, ...]]:
        """drugs.yaml's names the vocabulary lacks: name -> ingredients."""
        names = self._drugs_doc.data.get("names") or {}
        return {str(k): tuple(str(i) for i in (v if isinstance(v, list) else [v]))
                for k, v in names.items()}

    def drug_routes(self) -> dict[str, Route]:
        """drugs.yaml's route-bound sections: section id -> the words and brands an entry
        must name for the section to apply."""
        routes = self._drugs_doc.data.get("routes") or {}
        return {str(section): Route(tuple(str(w) for w in (spec or {}).get("words") or ()),
                                    tuple(str(b) for b in (spec or {}).get("brands") or ()))
                for section, spec in routes.items() if isinstance(spec, dict)}

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary.read()

    @cached_property
    def drugs(self) -> MedicineTable:
        """Medicine names -> ingredients -> co-medication section ids."""
        return MedicineTable(self.vocabulary, self.drug_names(), self.treatment_names(),
                             self.added_names(), self.drug_routes())

    @staticmethod
    def _load_yaml(path: Path) -> Located:
        try:
            return load(path, "library file")
        except YamlProblem as exc:
            raise ContentError(exc.problem) from None


def _stays_inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except OSError:
        return False


def _parse(path: Path) -> ContentFile:
    """A content file, parsed once per process for as long as it is unchanged on disk."""
    try:
        stat = path.stat()
    except OSError:
        stat = None
    return _parse_version(path, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@cache
def _parse_version(path: Path, mtime_ns: int, size: int) -> ContentFile:
    try:
        text = read_text(path, "content file")
    except YamlProblem as exc:
        raise ContentError(exc.problem) from None
    shown = display_path(path)
    key = hashlib.sha256(f"{__version__}\0{shown}\0{text}".encode()).hexdigest()
    cached = parsecache.read(key)
    if cached is not None:
        return cached
    content = parse_content(text, shown)
    parsecache.write(key, content)
    return content


def open_library(roots: tuple[Path, ...] = (), allow_outside: bool = False) -> Library:
    """The library for these extra roots, opened once per process (however the arguments
    are written: `open_library(r)` and `open_library(r, False)` are one library)."""
    return _open_library(tuple(roots), bool(allow_outside))


@cache
def _open_library(roots: tuple[Path, ...], allow_outside: bool) -> Library:
    return Library(roots, allow_outside)
