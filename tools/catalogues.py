"""Keep the message catalogues in step with the code (Babel's own tools underneath).

    python tools/catalogues.py           # extract, update every .po, compile every .mo
    python tools/catalogues.py --check   # say what is out of step; exit 1 if anything is

1. The message ids the code asks for (`say("crisis.title")`, `say_runs(...)`) are
   extracted into handouts/locale/handouts.pot.
2. Each language's handouts.po gains the ids it lacks (empty, with the English beside them
   as a translator's comment). An id the code no longer asks for is kept, and reported as
   unused, until `--prune` drops it (so a translation is never lost by a slip in the code).
3. Each handouts.po is compiled to handouts.mo (deterministic: the same .po, the same
   bytes), which is what the package reads at run time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "handouts" / "locale"
POT = LOCALES / "handouts.pot"
# Babel dates a catalogue's header when it is made; a fixed date keeps the files the same
# bytes from one run to the next.
FIXED = {"creation_date": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
         "revision_date": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
KEYWORDS = {"say": None, "say_runs": None, "message_id": None}


def extracted() -> Catalog:
    """Every message id the package's code asks for, with where it is asked."""
    catalog = Catalog(project="handouts", fuzzy=False, **FIXED)
    found = extract_from_dir(ROOT / "handouts", method_map=[("**.py", "python")],
                             keywords=KEYWORDS, comment_tags=("messages:",))
    for filename, lineno, message, comments, _ in sorted(found):
        catalog.add(message, locations=[(f"handouts/{filename}", lineno)],
                    auto_comments=comments)
    return catalog


def po_files() -> list[Path]:
    return sorted(LOCALES.glob("*/LC_MESSAGES/handouts.po"))


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parents[1].name)


def updated(catalog: Catalog, template: Catalog, english: Catalog, prune: bool = False
            ) -> Catalog:
    """`catalog` with the template's ids: new ones empty (the English as a comment);
    translations kept; unused ones kept unless `prune`."""
    out = Catalog(locale=catalog.locale, project="handouts", fuzzy=False, **FIXED)
    if not prune:
        for message in catalog:
            if message.id and message.id not in template:
                out.add(message.id, message.string, auto_comments=["unused by the code"])
    for message in template:
        if not message.id:
            continue
        old = catalog.get(message.id)
        source = english.get(message.id)
        comments = [f"English: {source.string}"] if source and source.string and \
            str(catalog.locale) != "en" else []
        out.add(message.id, old.string if old else "", locations=message.locations,
                auto_comments=[*message.auto_comments, *comments])
    return out


def po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    # No source locations: they move with every edit of the code, and the ids say enough.
    write_po(buffer, catalog, width=96, omit_header=True, sort_output=True, no_location=True)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def plan(prune: bool = False) -> dict[Path, bytes]:
    """Every catalogue file as it should be."""
    template = extracted()
    files = {POT: po_bytes(template)}
    english = read(LOCALES / "en" / "LC_MESSAGES" / "handouts.po")
    for po in po_files():
        catalog = updated(read(po), template, english, prune)
        files[po] = po_bytes(catalog)
        files[po.with_suffix(".mo")] = mo_bytes(catalog)
    return files


def untranslated() -> list[str]:
    """'es: crisis.title' for each id a catalogue leaves empty."""
    return [f"{po.parents[1].name}: {m.id}" for po in po_files() for m in read(po)
            if m.id and not m.string]


def unused() -> list[str]:
    template = extracted()
    return [f"{po.parents[1].name}: {m.id}" for po in po_files() for m in read(po)
            if m.id and m.id not in template]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; report")
    parser.add_argument("--prune", action="store_true", help="drop ids the code no longer uses")
    args = parser.parse_args()
    files = plan(args.prune)
    stale = [path for path, data in files.items()
             if not path.exists() or path.read_bytes() != data]
    if not args.check:
        for path, data in files.items():
            path.write_bytes(data)
        stale = []
    problems = [f"out of step: {p.relative_to(ROOT)}" for p in stale] + \
        [f"untranslated: {m}" for m in untranslated()] + [f"unused: {m}" for m in unused()]
    print("\n".join(problems) or "catalogues in step with the code")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
