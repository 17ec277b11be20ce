"""A packet file: several specs printed as one packet.

    packet:
      title: Before your first visit      # optional; else the catalogue's "Your visit packet"
      specs: [what-to-expect.yaml, ketamine-and-antidepressants.yaml]

Spec paths are relative to the packet file and stay inside its folder (unless
--allow-outside-paths)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from handouts.errors import Problem, SpecError
from handouts.inputs.site import inside
from handouts.inputs.spec import Model, ShortText, load_mapping
from handouts.inputs.validation import validate
from handouts.inputs.yamlio import Located


class PacketBody(Model):
    title: ShortText | None = Field(None, description="The packet's title on its cover.")
    specs: list[ShortText] = Field(min_length=1, max_length=50,
                                   description="The specs of its parts, in order.")


class PacketModel(Model):
    packet: PacketBody


@dataclass(frozen=True)
class PacketFile:
    path: Path
    title: str | None
    specs: tuple[Path, ...]


def is_packet(doc: Located) -> bool:
    """Whether a YAML file read as a mapping is a packet file (its one key `packet`)."""
    return isinstance(doc.data, dict) and "packet" in doc.data


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
            problems.append(Problem(f"no spec file '{ref}'", hint="paths are relative to the "
                                    "packet file", **where))
        specs.append(spec)
    if problems:
        raise SpecError(problems)
    return PacketFile(path, model.packet.title, tuple(specs))
