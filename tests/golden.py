"""The example matrix's outputs by hash: every example spec (and packet file, as its
packet) for every example site on both papers, PDF and HTML twin, and the clinician report
of the tailored leaflet. The recorded
hashes (fixtures/golden/outputs.sha256) are what the current code and content produce; a
change that should not change a page (a refactoring, a speed-up) must leave them all equal,
and one that should is committed with the new hashes, whose diff names every output it
changed. Update: `python -m tests.golden --update`, after looking at the pages."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from handouts.inputs.packetfile import packet_at
from handouts.outputs.build import BuildOptions, make_outputs, prepare
from handouts.outputs.packet import PacketOptions, make_packet
from handouts.outputs.report import make_report

ROOT = Path(__file__).resolve().parents[1]
SPECS, SITES = ROOT / "specs", ROOT / "specs" / "sites"
RECORD = ROOT / "tests" / "fixtures" / "golden" / "outputs.sha256"
EPOCH = "1764547200"  # 2025-12-01: every output dated alike


def outputs() -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every output of the matrix, in a fixed order."""
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    for site in sorted(SITES.glob("*.yaml")):
        for paper in ("letter", "a4"):
            for spec in sorted(SPECS.glob("*.yaml")):
                options = BuildOptions(site=str(site), paper=paper, formats=("pdf", "html"))
                packet = packet_at(spec)
                if packet:  # as batch builds it: one packet, with its title and web copy
                    made, _ = make_packet([prepare(p, options) for p in packet.specs], options,
                                          PacketOptions(packet.title, spec.stem, packet.titles))
                else:
                    made, _ = make_outputs(prepare(spec, options), options)
                for fmt, data in sorted(made.items()):
                    yield f"{site.stem}-{paper}/{spec.stem}.{fmt}", data
    options = BuildOptions()
    report, _ = make_report(prepare(SPECS / "tailored-leaflet.yaml", options), options)
    yield "report/tailored-leaflet.pdf", report


def hashes() -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in outputs()}


def recorded() -> dict[str, str]:
    pairs = (line.split("  ", 1) for line in RECORD.read_text().splitlines() if line)
    return {name: digest for digest, name in pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="record the current hashes")
    args = parser.parse_args()
    now = hashes()
    if args.update:
        RECORD.write_text("".join(f"{d}  {n}\n" for n, d in now.items()))
        print(f"recorded {len(now)} outputs in {RECORD.relative_to(ROOT)}")
        return
    old = recorded()
    changed = sorted(n for n in now.keys() | old.keys() if now.get(n) != old.get(n))
    print("\n".join(changed) or f"all {len(now)} outputs as recorded")
    sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
