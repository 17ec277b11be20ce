"""The web form: its fields, what a submitted form asks for (an Order), and problems mapped
back to the field a clinician should change."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from handouts.errors import Problem
from handouts.inputs.chartlines import split_list
from handouts.locale.messages import catalogue_languages, messages

# the title the form offers, printed in the handout's language when left as it is
DEFAULT_TITLE = messages("en").say("form.default_title")
DEFAULT_TOPICS = ("what-to-expect", "side-effects")
MAX_PASTE_CHARS = 50_000  # 200 entries of 200 characters, with room for line noise

# form field -> its label, in the order the form shows them (and the error summary lists)
LABELS = {
    "title": "Title", "site": "Clinic", "audience": "Who it is for",
    "language": "Language of the handout", "paper": "Paper",
    "large_print": "Large print", "topics": "Topics", "comedications": "Medicine sections",
    "packet": "Visit packet",
    "name": "Patient's name", "prepared_by": "Prepared by", "medicines": "Medicines",
    "fhir": "FHIR file",
}
# a spec field (as Problem.field names it) -> the form field that sets it
SPEC_FIELDS = {
    "title": "title", "subtitle": "title", "site": "site", "audience": "audience",
    "language": "language",
    "paper": "paper", "large_print": "large_print", "topics": "topics",
    "comedications": "comedications", "patient.name": "name", "patient": "name",
    "patient.prepared_by": "prepared_by", "patient.medications": "medicines",
    "medicines": "medicines", "fhir": "fhir", "footer_note": "site",
    "footer_note_language": "site", "name": "site", "packet": "packet",
}


@dataclass(frozen=True)
class Order:
    """What one submitted form asks for: plain data, sent to a worker process."""

    title: str = DEFAULT_TITLE
    site: str = ""  # a site id from the server's own list, never a path from the form
    site_path: Path | None = None
    audience: str = "patient"
    language: str = ""  # "": the clinic's usual (its site's language, else English)
    paper: str = ""
    large_print: bool = False
    topics: tuple[str, ...] = DEFAULT_TOPICS
    comedications: tuple[str, ...] = ()
    name: str = ""
    prepared_by: str = ""
    medicines_text: str = ""
    fhir: bytes | None = None
    libraries: tuple[Path, ...] = ()
    # the standard handouts printed after this one as a visit packet: their ids as the form
    # sent them, and (title, spec file) from the server's own list
    packet: tuple[str, ...] = ()
    packet_specs: tuple[tuple[str, Path], ...] = ()

    @property
    def medicines(self) -> tuple[str, ...]:
        return split_pasted(self.medicines_text)

    def spec_data(self, medicines: tuple[str, ...]) -> dict:
        """The spec this form stands for, as a spec file's YAML would load."""
        data: dict = {"title": self.title, "audience": self.audience,
                      "large_print": self.large_print, "topics": list(self.topics),
                      "comedications": list(self.comedications)}
        if self.paper:
            data["paper"] = self.paper
        if self.language:
            data["language"] = self.language
        if self.audience == "patient" and self.title.strip() == DEFAULT_TITLE:
            if self.language:  # the offered title, in the language chosen
                data["title"] = messages(self.language).say("form.default_title")
            else:  # in whichever language is the clinic's usual one
                data["translations"] = {
                    language: {"title": messages(language).say("form.default_title")}
                    for language in catalogue_languages() if language != "en"}
        patient = {k: v for k, v in (("name", self.name), ("prepared_by", self.prepared_by))
                   if v.strip()}
        if medicines:
            patient["medications"] = list(medicines)
        if patient:
            data["patient"] = patient
        return data


def split_pasted(text: str) -> tuple[str, ...]:
    """A pasted medication list, read as the command line reads --meds (chartlines.py)."""
    return split_list(text)


@dataclass(frozen=True)
class FieldError:
    field: str
    text: str

    @property
    def anchor(self) -> str:
        return f"field-{self.field}"


@dataclass
class Errors:
    """Problems by form field, in form order, for the error summary and the fields."""

    items: list[FieldError] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, form_field: str, text: str) -> None:
        item = FieldError(form_field, text)
        if item not in self.items:
            self.items.append(item)
        order = list(LABELS)
        self.items.sort(key=lambda i: order.index(i.field) if i.field in order else len(order))

    def of(self, form_field: str) -> list[str]:
        return [i.text for i in self.items if i.field == form_field]


# the validators' own words, said as what to do (about a medicine list, or any field)
PLAIN = (
    (re.compile(r"is longer than (\d+) characters"), r"longer than \1 characters; shorten it, "
     "or put each medicine on a line of its own", r"longer than \1 characters; shorten it"),
    (re.compile(r"has \d+ entries; the limit is (\d+)"), r"more than \1 medicines; give the "
     "patient's current medicines only", r"more than \1 entries"),
)
MEDICINE_FIELDS = {"medicines", "fhir"}


def _plain(message: str, form_field: str) -> str:
    for pattern, medicines, other in PLAIN:
        if pattern.fullmatch(message):
            return pattern.sub(medicines if form_field in MEDICINE_FIELDS else other, message)
    return message


def errors_from(problems: tuple[Problem, ...]) -> Errors:
    """Each problem under the field to change, said without file names: 'Medicines, entry
    3: ...; hint'. Messages never quote a patient's data (the engine's rule)."""
    errors = Errors()
    for problem in problems:
        form_field, where = form_field_of(problem.field)
        if form_field == "title" and (problem.file or "").endswith((".yaml", ".yml")):
            form_field, where = "site", ""  # a problem inside the clinic's site file
        message = _plain(problem.message, form_field)
        text = message + (f"; {problem.hint}" if problem.hint else "")
        label = LABELS[form_field] + (f", {where}" if where else "")
        errors.add(form_field, f"{label}: {text[0].upper()}{text[1:]}" if text else label)
    return errors


def form_field_of(spec_field: str | None) -> tuple[str, str]:
    """('medicines', 'entry 3') for 'patient.medications entry 3'; ('topics', '') for
    'topics' (and 'entry 2' for 'topics entry 2'); unknown or no field: the title, first
    on the form."""
    if not spec_field:
        return "title", ""
    match = re.fullmatch(r"-*([\w.]+)(?: (entry \d+))?", spec_field)
    base, where = (match[1], match[2] or "") if match else (spec_field, "")
    return SPEC_FIELDS.get(base, "title"), where
