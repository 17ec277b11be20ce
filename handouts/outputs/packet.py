"""Several specs -> one packet (a PDF and its twins): load and check each spec as `build`
does, assemble each, join them (assemble/packet.py), render once, write atomically."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from handouts.assemble.handout import assemble, choose_sections, recognise_medicines
from handouts.assemble.packet import assemble_packet
from handouts.document import Document
from handouts.errors import HandoutError, Problem, SpecError
from handouts.files import today
from handouts.inputs.packetfile import PacketFile
from handouts.locale.messages import messages
from handouts.outputs.build import (
    BuildOptions,
    Built,
    Prepared,
    input_warnings,
    medicine_warning,
    prepare,
    render,
    render_html,
    unprintable_fields,
    web_copy,
    write_outputs,
)
from handouts.outputs.names import check_private_name, handout_id, output_name, web_copy_url


@dataclass(frozen=True)
class PacketOptions:
    """What a packet adds to a build's options: its title (else the catalogue's) and that
    title in other languages (a packet file's translations), and its id when it comes from
    a packet file (that file's name, as batch names the packet), for the address of its
    web copy."""

    title: str | None = None
    ident: str | None = None
    titles: tuple[tuple[str, str], ...] = ()  # (language, title)


def build_packet(spec_paths: Sequence[Path], target: Path,
                 options: BuildOptions | None = None,
                 packet: PacketOptions | None = None) -> Built:
    """Build one packet of `spec_paths` into `target` (a .pdf; each other format beside
    it); raise HandoutError, every problem located, on bad input."""
    options, packet = options or BuildOptions(), packet or PacketOptions()
    prepared = prepare_packet(spec_paths, target, options)
    outputs, warnings = make_packet(prepared, options, packet)
    notes = tuple(dict.fromkeys(note for one in prepared for note in one.notes))
    return write_outputs(target, outputs, warnings, notes)


def prepare_packet(spec_paths: Sequence[Path], target: Path, options: BuildOptions,
                   field: str = "-o") -> list[Prepared]:
    """Each spec of a packet loaded and checked as `build` would, held together (one site,
    audience, language and patient), and `target`, the file it is written to, checked for
    the patient's words (said of `field`, the option that names it)."""
    problems: list[Problem] = []
    prepared: list[Prepared] = []
    for index, path in enumerate(spec_paths):
        try:  # the patient's medicines tailor the first handout, whose patient the cover has
            prepared.append(prepare(path, options if index == 0 else
                                    replace(options, medications=(), fhir=None)))
        except HandoutError as exc:
            problems += exc.problems
    if problems:
        raise HandoutError(list(dict.fromkeys(problems)))
    problems = same_packet(prepared)
    if problems:
        raise SpecError(problems)
    for one in prepared:
        try:
            check_private_name(target, one.spec_file, True, one.library.drugs)
        except SpecError as exc:  # said of the option that names the packet's file
            raise SpecError([replace(p, field=field, hint="choose a file name without the "
                                     "patient's name or medicines") for p in exc.problems]
                            ) from None
    return prepared


def build_packet_file(packet: PacketFile, options: BuildOptions | None = None) -> Built:
    """A packet file built by `build` as batch builds it: one packet named by the file (and
    by what the options change, as a handout's name is: first-visit-a4.pdf), with its
    title, its title's translations and its web copy's address."""
    options = options or BuildOptions()
    variant = prepare(packet.specs[0], options).variant
    target = options.out_dir / output_name(packet.path.stem + variant, options.out_name)
    return build_packet(packet.specs, target, options,
                        PacketOptions(packet.title, packet.path.stem, packet.titles))


def same_packet(prepared: Sequence[Prepared], first_named: str | None = None
                ) -> list[Problem]:
    """What keeps specs out of one packet: another site, audience or language than the
    first spec's (`first_named`: how to name it, else by its file), or a patient other than
    the first patient named."""
    first = prepared[0]
    first_named = first_named or f"the first spec's ({first.spec_file.path.name})"
    spec0 = first.spec_file.spec
    problems = []
    patient = None
    for one in prepared:
        spec, path = one.spec_file.spec, str(one.spec_file.path)
        line = one.spec_file.source.line_of

        def differs(what: str, field: str, hint: str, key=(), *, _path=path, _line=line):
            problems.append(Problem(f"{what} differs from {first_named}", _path,
                                    _line(key or (field,)), field, hint))
        if (one.site.id if one.site else None) != (first.site.id if first.site else None):
            differs("the site", "site", "a packet is for one clinic: give every spec the "
                    "same site, or --site")
        if spec.audience != spec0.audience:
            differs("the audience", "audience", "a packet is for patients or for "
                    "clinicians, not both")
        elif spec.language != spec0.language:  # (a clinician's is English: said above)
            differs("the language", "language", "give every spec the same language, or "
                    "--language")
        if spec.patient is not None and (spec.patient.name or spec.patient.prepared_by
                                         or spec.patient.medications):
            if patient is None:
                patient = spec.patient
            elif spec.patient != patient:
                problems.append(Problem(
                    "this spec's patient differs from the first patient in the packet",
                    path, line(("patient",)), "patient",
                    "a packet is for one patient: give the patient in one spec only, or "
                    "the same patient in each"))
    return problems


def make_packet(prepared: Sequence[Prepared], options: BuildOptions,
                packet: PacketOptions) -> tuple[dict[str, bytes], tuple[Problem, ...]]:
    """The bytes of each format asked for and the warnings to show."""
    document, warnings = packet_document(prepared, options, packet)
    renderers = {"pdf": render, "html": render_html}
    outputs = {fmt: renderers[fmt](document) for fmt in options.formats}
    return outputs, warnings


def packet_document(prepared: Sequence[Prepared], options: BuildOptions,
                    packet: PacketOptions) -> tuple[Document, tuple[Problem, ...]]:
    """The packet's one Document, and the warnings to show."""
    problems: list[Problem] = []
    documents = []
    warnings: list[Problem] = []
    for one in prepared:
        spec_file, library = one.spec_file, one.library
        problems += unprintable_fields(one, options)
        if not choose_sections(spec_file.spec, library,
                               recognise_medicines(spec_file.spec, library)):
            problems.append(Problem("the handout has nothing to say: it lists no topics",
                                    str(spec_file.path), spec_file.source.line_of(("topics",)),
                                    "topics", "add topics, e.g. topics: [ketamine-basics]"))
            continue
        # every part numbers its citations, so the packet can list them once at its end
        spec = spec_file.spec.model_copy(update={"references": True})
        assembly = assemble(spec, library, one.site, today())
        documents.append(assembly.document)
        warnings += [medicine_warning(one, i, options.strict)
                     for i, _ in assembly.unknown_medicines]
        warnings += input_warnings(one)
    if problems:
        raise SpecError(problems)
    if warnings and options.strict:
        raise SpecError([replace(w, severity="error") for w in warnings])
    wants_references = any(one.spec_file.spec.references for one in prepared)
    language = documents[0].language
    say = messages(language).say
    title = dict(packet.titles).get(language) or packet.title or (
        say("packet.title") if documents[0].audience == "patient"
        else say("packet.title_clinician"))
    document = assemble_packet(documents, title)
    if not wants_references:
        document = replace(document, references=())
    if packet.ident and all(web_copy(one, options) for one in prepared):
        # like a handout: only when no part is tailored (an address never names a patient)
        site, spec = prepared[0].site, prepared[0].spec_file.spec
        document = replace(document, web_copy=web_copy_url(
            site.model.web_copy, handout_id(packet.ident, options.language), spec.language))
    return document, tuple(dict.fromkeys(warnings))
