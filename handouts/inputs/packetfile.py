"""A packet file: several specs printed as one packet.

    packet:
      title: Before your first visit      # optional; else the catalogue's "Your visit packet"
      specs: [what-to-expect.yaml, ketamine-and-antidepressants.yaml]
      translations:                       # optional: the title in other languages
        es: {title: Antes de su primera visita}

Spec paths are relative to the packet file and stay inside its folder (unless
--allow-outside-paths). As a spec's `translations`, a packet's give its title in another
language, used when the packet is built in it (--language es); without one the packet
keeps its `title`."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

from pydantic import Field

from handouts.errors import HandoutError, Problem, SpecError
from handouts.inputs.site import inside
from handouts.inputs.spec import LanguageCode, Model, ShortText, load_mapping, read_spec
from handouts.inputs.validation import validate
from handouts.inputs.yamlio import Located


class PacketTitle(Model):
    """A packet's title in another language."""

    title: ShortText


class PacketBody(Model):
    title: ShortText | None = Field(None, description="The packet's title on its cover.")
    specs: list[ShortText] = Field(min_length=1, max_length=50,
                                   description="The specs of its parts, in order.")
    translations: dict[LanguageCode, PacketTitle] = Field(
        default_factory=dict, description="The title in other languages, for building the "
        "packet in them (--language es): es: {title: ...}.")


class PacketModel(Model):
    packet: PacketBody


@dataclass(frozen=True)
class PacketFile:
    path: Path
    title: str | None
    specs: tuple[Path, ...]
    titles: tuple[tuple[str, str], ...] = ()  # (language, title) of its translations


def is_packet(doc: Located) -> bool:
    """Whether a YAML file read as a mapping is a packet file (its one key `packet`)."""
    return isinstance(doc.data, dict) and "packet" in doc.data


def packet_at(path: Path, allow_outside: bool = False) -> PacketFile | None:
    """The packet file at `path`, read and checked, or None when it is a spec (or does not
    read as YAML: said, located, when it is built as a spec)."""
    try:
        packet = is_packet(read_spec(path))
    except HandoutError:
        return None
    return read_packet(path, allow_outside) if packet else None


def read_packet(path: Path, allow_outside: bool = False) -> PacketFile:
    """Load and check a packet file; raise SpecError listing every problem."""
    doc = load_mapping(path, "packet")
    model, problems = validate(PacketModel, doc)
    if problems or model is None:
        raise SpecError(problems)
    specs = []
    for index, ref in enumerate(model.packet.specs):
        where = {"file": str(path), "line": doc.lines.get(("packet", "specs", index)),
                 "field": f"packet.specs[{index}]"}
        try:
            spec = inside(path, ref, allow_outside, where)
        except SpecError as exc:
            problems += exc.problems
            continue
        if not spec.is_file():
            near = get_close_matches(Path(ref).name, sorted(
                p.name for p in spec.parent.glob("*.yaml")) if spec.parent.is_dir() else [],
                n=1)
            problems.append(Problem(f"no spec file '{ref}'", hint=f"did you mean "
                                    f"'{near[0]}'?" if near else "paths are relative to the "
                                    "packet file", **where))
        elif spec.resolve() in {s.resolve() for s in specs}:
            problems.append(Problem(f"'{ref}' is listed twice", hint="give each handout once; "
                                    "its pages would print twice", **where))
        specs.append(spec)
    if problems:
        raise SpecError(problems)
    titles = tuple((language, t.title) for language, t in model.packet.translations.items())
    return PacketFile(path, model.packet.title, tuple(specs), titles)
