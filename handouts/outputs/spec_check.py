"""`handouts check SPEC...`: each spec and each site it names loaded as a build would,
with every problem and warning a build would give, without laying anything out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from handouts.errors import HandoutError, Problem
from handouts.inputs.packetfile import is_packet, read_packet
from handouts.inputs.site import find_site, load_site
from handouts.inputs.spec import load_spec, read_spec, spec_warnings
from handouts.library.load import Library
from handouts.outputs.build import Prepared, medicine_warning, site_warnings


def _medicine_problems(spec_file, library: Library) -> list[Problem]:
    """The warnings a build gives for medicine entries with a name not recognised."""
    patient = spec_file.spec.patient
    found = [library.drugs.recognise(m) for m in (patient.medications if patient else ())]
    prepared = Prepared(spec_file, None, library)
    return [medicine_warning(prepared, i) for i, r in enumerate(found) if not r.known]


@dataclass(frozen=True)
class Checked:
    problems: list[Problem]
    specs: int  # spec files checked, those of packet files included
    packets: int  # packet files checked


def check_specs(paths: Sequence[Path], library: Library, sites: Sequence[Path] = ()
                ) -> Checked:
    """Load each spec and each site (named by a spec or given) as a build would; report
    what is wrong, including print problems of the sites' colours. A packet file is
    checked, and its specs with it."""
    problems: list[Problem] = []
    site_paths = list(sites)
    paths = list(paths)
    packets = 0
    for path in paths:
        try:
            if is_packet(read_spec(path)):  # a packet file: checked, then its specs
                packets += 1
                paths += [p for p in read_packet(path).specs if p not in paths]
                continue
            spec_file = load_spec(path, library)
            problems += _medicine_problems(spec_file, library) + spec_warnings(spec_file)
            if spec_file.spec.site:
                where = {"file": str(path), "line": spec_file.source.line_of(("site",)),
                         "field": "site"}
                site_paths.append(find_site(spec_file.spec.site, path, where=where))
        except HandoutError as exc:
            problems.extend(exc.problems)
    for site_path in sorted(set(site_paths)):
        try:
            problems.extend(site_warnings(load_site(site_path)))
        except HandoutError as exc:
            problems.extend(exc.problems)
    return Checked(problems, len(paths) - packets, packets)
