"""Output file names: plain names that stay in the output folder, and never the patient's
name or medicines (compared word by word, run together, and under any name of a medicine)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from handouts.errors import SpecError
from handouts.files import is_plain_name
from handouts.inputs.medicines import name_words
from handouts.inputs.spec import Patient, SpecFile


def output_name(stem: str, out_name: str | None) -> str:
    """The PDF's file name: `stem` (the spec's name and what the options change), or
    --out-name, never leaving the output folder."""
    name = out_name or stem
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    if not is_plain_name(name):  # never quoted: it could be the patient's name
        raise SpecError.one("the output name is not a plain file name", field="--out-name",
                            hint="use letters, digits, '.', '-', '_' and spaces, no folders")
    return name


def handout_id(stem: str, language: str | None = None) -> str:
    """A handout's name in a batch's output folder, without its extension: the spec's
    file name, and with batch --language the language ("intake-es")."""
    return f"{stem}-{language}" if language else stem


def web_copy_url(pattern: str, ident: str, language: str) -> str:
    """A site's web_copy pattern filled in: {id} (`handout_id`) and {language}."""
    return pattern.replace("{id}", quote(ident)).replace("{language}", quote(language))


def check_private_name(target: Path, spec_file: SpecFile, from_option: bool = False,
                       drugs=None) -> None:
    """A file name must never carry the patient's name or medicines: compared word by word
    after folding accents and case, so "Li Wu", "liwu", "José Núñez" and "leaflet-zoloft"
    are all caught while "leaflet-0042" for Lea Martin is not. With the library's medicine
    table (`drugs`), a word that names one of the patient's medicines under another name
    ("sertraline" for Zoloft, "zoloft" for sertraline) is caught too."""
    patient = spec_file.spec.patient
    if patient is None:
        return
    stem = folded_words(target.stem)
    if private_words(patient) & set(stem) or _joined_name(patient.name or "", stem) or \
            (drugs is not None and _names_a_medicine(stem, patient, drugs)):
        hint = ("choose a --out-name without the patient's name or medicines" if from_option
                else "rename the spec file, or choose a generic name with --out-name")
        raise SpecError.one("the output file name would contain the patient's name or one of "
                            "their medicines", spec_file.path if not from_option else None,
                            field="--out-name" if from_option else "patient", hint=hint)


MIN_JOINED_NAME = 4  # "liwu" for Li Wu; shorter runs hide in too many ordinary words


def _joined_name(name: str, stem: list[str]) -> bool:
    """The name's words run together, in either order ("leafletliwu", "wu-li-sheet")."""
    words, joined = folded_words(name), "".join(stem)
    return any(len(run) >= MIN_JOINED_NAME and run in joined
               for run in ("".join(words), "".join(reversed(words))))


def _names_a_medicine(stem: list[str], patient: Patient, drugs) -> bool:
    """Some run of up to three words of the file name is a name (generic or brand) of an
    ingredient of one of the patient's medicines."""
    taken = {i.name for entry in patient.medications
             for i in drugs.recognise(entry).ingredients} - TREATMENT_WORDS
    for start in range(len(stem)):
        for size in (1, 2, 3):
            found = drugs.lookup(" ".join(stem[start:start + size])) \
                if start + size <= len(stem) else None
            if found and taken & set(found[0]):
                return True
    return False


def folded_words(text: str) -> list[str]:
    """Lower-case words with accents removed: "Núñez-García" -> ["nunez", "garcia"]."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[^\W_]+", plain)


def private_words(patient: Patient) -> set[str]:
    """Every word of the patient's name (two letters or more) and every medicine word that
    is not a dose, unit, form or frequency."""
    named = {w for w in folded_words(patient.name or "") if len(w) >= 2}
    for entry in patient.medications:
        named.update(w for w in folded_words(" ".join(name_words(entry))) if len(w) >= 3)
    return named - TREATMENT_WORDS


TREATMENT_WORDS = {"ketamine", "esketamine", "spravato"}  # every handout is about these
