"""What a worker process does for one request: check a medicine list, build a handout or
the clinician report, in memory. Each returns an Outcome (plain, picklable data), never
raises a HandoutError (whose text would not survive the trip back), and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import NamedTuple

from handouts.doors.meds import counts_line
from handouts.doors.serve.form import Order
from handouts.doors.serve.offers import standard_prepared
from handouts.errors import HandoutError, Problem, internal_error
from handouts.outputs.build import BuildOptions, check_medications, make_outputs
from handouts.outputs.collecting import COLLECTOR
from handouts.outputs.packet import PacketOptions, make_packet, same_packet
from handouts.outputs.report import make_report, prepare_data

PREVIEW_DPI = 60
FHIR_LABEL = "FHIR file"


class Row(NamedTuple):
    """One line of the recognised-medicines table."""

    entry: str  # as read, in normal case
    name: str  # the ingredient (with its dose when certain) or the name not recognised
    outcome: str  # covered | treatment | known | unrecognised
    section: str  # the section it adds ("" if none)


@dataclass(frozen=True)
class Outcome:
    problems: tuple[Problem, ...] = ()
    pdf: bytes | None = None
    html: bytes | None = None  # the handout's HTML twin
    preview: bytes | None = None  # page 1 as PNG
    rows: tuple[Row, ...] = ()
    medicines: tuple[str, ...] = ()  # the pasted entries, then the FHIR file's
    notes: tuple[str, ...] = ()
    counts: str = ""  # "5 entries: 2 covered, ...", as `handouts meds` says it
    internal: bool = False  # a bug, not the user's input


def guarded(job):
    """Every problem becomes an Outcome: a user's as itself, a bug by its type and place."""
    @wraps(job)  # the same name, so the pool can send it to a worker by reference
    def run(order: Order) -> Outcome:
        try:
            with COLLECTOR.job():  # garbage collected between builds (collecting.py)
                return job(order)
        except HandoutError as exc:
            return Outcome(problems=exc.problems)
        except Exception as exc:  # noqa: BLE001 - reported without its text
            return Outcome(problems=(Problem(internal_error(exc)),), internal=True)
    return run


def _medicines(order: Order) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The pasted entries and the FHIR upload's, each held to patient.medications' rules."""
    pasted = order.medicines
    problems = check_medications(pasted, "medicines")
    found, notes = (), ()
    if order.fhir:
        from handouts.inputs.fhir import medications_from_bytes  # fhir.resources: start-up

        taken = medications_from_bytes(order.fhir, FHIR_LABEL, "fhir")
        found, notes = taken.entries, (taken.summary(FHIR_LABEL),)
        problems += check_medications(found, "fhir")
    if problems:
        raise HandoutError(problems)
    return pasted + found, notes


def _prepared(order: Order, medicines: tuple[str, ...], audience: str | None = None):
    data = order.spec_data(medicines)
    if audience:  # the report: for the prescriber, whatever the form says of the handout
        data.update(audience=audience, title=order.title.strip() or "report")
        data.pop("language", None)  # in English, as every clinician text is
        data.pop("translations", None)
        data.pop("large_print", None)  # the patient's print size, not the prescriber's
    return prepare_data(data, "form", order.site_path, order.libraries)


def _outputs(order: Order, medicines: tuple[str, ...], formats: tuple[str, ...] = ("pdf",)
             ) -> dict[str, bytes]:
    """The handout, or with standard handouts ticked, the visit packet: the form's handout
    first (its patient block on the cover), then each standard handout in the form's clinic
    and language. A packet from the form has no web copy, so no QR code."""
    prepared = _prepared(order, medicines)
    options = BuildOptions(formats=formats)
    if not order.packet_specs:
        return make_outputs(prepared, options)[0]
    parts, problems = [prepared], []
    for title, path in order.packet_specs:
        try:
            parts.append(standard_prepared(path, order.site_path, order.language,
                                           order.libraries))
        except HandoutError as exc:  # every one of its problems, whatever field it names
            problems += [_in_packet(p, title, always=True) for p in exc.problems]
    if not problems:
        titles = dict((str(path), title) for title, path in order.packet_specs)
        problems = [_in_packet(p, titles.get(p.file or "", ""))
                    for p in same_packet(parts, first_named="this handout's")]
    if problems:
        raise HandoutError(problems)
    return make_packet(parts, options, PacketOptions())[0]


def _in_packet(problem: Problem, title: str, always: bool = False) -> Problem:
    """A standard handout's problem (`always`, or one said of its file), said of the
    form's packet field and the handout's title (its file is the server's, not the
    clinician's to change)."""
    if not always and (problem.file is None or problem.file == "form"):
        return problem
    mismatch = problem.field in ("audience", "language")
    return Problem(f"“{title}”: {problem.message}", field="packet",
                   hint="untick it" if mismatch else "untick it, and tell whoever runs this "
                   "service that its file needs correcting")


def _rows(prepared) -> tuple[tuple[Row, ...], str]:
    """The table's rows, and its counts as `handouts meds` says them (an entry counts
    once, however many ingredients it has)."""
    library = prepared.library
    rows = []
    recognised = []
    for entry in prepared.spec_file.spec.patient.medications if prepared.spec_file.spec.patient \
            else ():
        found = library.drugs.recognise(entry)
        recognised.append(found)
        if found.set_aside:  # shown, so the clinician sees what was not read as a medicine
            rows.append(Row(" ".join(entry.split())[:120], "–", "set aside", ""))
        for ingredient in found.ingredients:
            title = library.section(ingredient.section).front.title if ingredient.section \
                else ""
            rows.append(Row(found.shown, ingredient.shown, ingredient.outcome, title))
        rows += [Row(found.shown, name, "unrecognised", "") for name in found.unrecognised]
    return tuple(rows), counts_line(recognised) if recognised else ""


@guarded
def check(order: Order) -> Outcome:
    """The recognised-medicines table and page 1 of the handout, before anything is kept."""
    from handouts.render.preview import page_png  # pypdfium2: start-up time

    medicines, notes = _medicines(order)
    rows, counts = _rows(_prepared(order, medicines))
    pdf = _outputs(order, medicines)["pdf"]
    return Outcome(rows=rows, preview=page_png(pdf, 1, PREVIEW_DPI), medicines=medicines,
                   notes=notes, counts=counts)


@guarded
def medicine_problems(order: Order) -> Outcome:
    """Only what is wrong with the pasted list and the uploaded FHIR file: said with the
    problems the form shows before any build, so a bad file is not found a step later."""
    _medicines(order)
    return Outcome()


@guarded
def handout(order: Order) -> Outcome:
    medicines, notes = _medicines(order)
    return Outcome(pdf=_outputs(order, medicines)["pdf"], medicines=medicines, notes=notes)


@guarded
def twin(order: Order) -> Outcome:
    """The handout as one self-contained, accessible web page (the HTML twin)."""
    medicines, notes = _medicines(order)
    html = _outputs(order, medicines, ("html",))["html"]
    return Outcome(html=html, medicines=medicines, notes=notes)


@guarded
def report(order: Order) -> Outcome:
    medicines, notes = _medicines(order)
    pdf, _ = make_report(_prepared(order, medicines, audience="clinician"))
    return Outcome(pdf=pdf, medicines=medicines, notes=notes)


def warm() -> None:
    """Nothing: submitted once per worker at start, so each has run its initializer."""
