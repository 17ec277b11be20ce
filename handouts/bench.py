"""The benchmark: how fast a clinician's leaflet and a health system's batch are built.

    python -m handouts.bench            # the full run (about two minutes on two cores)
    python -m handouts.bench --quick    # fewer repeats and a 100-handout batch

It prints a table: in-process builds of each example against ReportLab's own floor, a cold
`handouts build`, a batch of 500 tailored handouts at one job and at all cores, a no-op
rerun, a rerun after one library file changes, and the peak memory of a worker. Nothing
here is part of the test suite: speed is measured, not asserted.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "specs"
TARGETS = {
    "in-process": 40.0, "overhead": 1.25, "cold": 400.0, "rate": 60.0, "speedup": 1.7,
    "noop": 1000.0, "memory": 150.0, "tagging": 1.15,
}
SPEC_TEMPLATES = {
    "intro": ("Starting ketamine treatment", "[ketamine-basics, what-to-expect]", ""),
    "side-effects": ("Side effects and your medicines", "[side-effects]", ""),
    "day": ("Your treatment day", "[what-to-expect, safety-and-monitoring]", ""),
    "plan": ("Your treatment plan", "[how-long-it-lasts, combining-treatments]", ""),
    "clinic": ("Our clinic and your medicines", "[our-clinic, what-to-expect]", ""),
}
FIRST_NAMES = ["Avery", "Jordan", "Riley", "Morgan", "Casey", "Quinn", "Rowan", "Skyler",
               "Emerson", "Harper", "Jamie", "Kendall", "Logan", "Marley", "Noel", "Parker",
               "Reese", "Sawyer", "Taylor", "Dakota", "Elliot", "Finley", "Hayden", "Jessie",
               "Kai"]
MEDICINE_SETS = [
    ["sertraline 100 mg daily"], ["Zoloft 50mg qd", "Ativan 0.5 mg prn"],
    ["lithium carbonate ER 300 mg bid"], ["Adderall XR 20 mg", "escitalopram 10 mg"],
    ["quetiapine 50 mg qhs", "lamotrigine 200 mg"], ["buprenorphine / naloxone 8 mg"],
    ["venlafaxine 24 HR 75 MG Extended Release Oral Capsule"], ["bupropion XL 300"],
    ["clonazepam 0.5 mg", "trazodone 50 mg qhs"], ["phenelzine 15 mg tid"],
]


def median_ms(run: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def in_process(spec: Path, repeats: int) -> tuple[float, float]:
    """(whole build, ReportLab's doc.build alone on already-made flowables), median ms of
    CPU time. The two are measured turn about, so a busy neighbour on a shared machine
    slows both alike; CPU time rather than wall time keeps other tenants out of it."""
    from handouts.assemble import assemble
    from handouts.build import BuildOptions, make_pdf, prepare, today
    from handouts.render import prepare_layout

    options = BuildOptions()
    prepared = prepare(spec, options)
    document = assemble(prepared.spec_file.spec, prepared.library, prepared.site,
                        today()).document
    whole, floor = [], []
    for i in range(repeats + 3):
        start = time.process_time()
        make_pdf(prepare(spec, options), options)
        middle = time.process_time()
        layout = prepare_layout(document)  # fresh flowables each time: a build consumes them
        built = time.process_time()
        layout.build()
        end = time.process_time()
        if i >= 3:  # warm-up
            whole.append(middle - start)
            floor.append(end - built)
    return statistics.median(whole) * 1000, statistics.median(floor) * 1000


def tagging_cost(spec: Path, repeats: int) -> tuple[float, float]:
    """(tagged, untagged) median ms of CPU time to lay out and write the PDF, measured turn
    about: the structure tree, marked content and PDF/UA metadata against the same layout
    without them."""
    from handouts.assemble import assemble
    from handouts.build import BuildOptions, prepare, today
    from handouts.render import prepare_layout

    prepared = prepare(spec, BuildOptions())
    document = assemble(prepared.spec_file.spec, prepared.library, prepared.site,
                        today()).document
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(repeats + 3):
        for tagged in (True, False):
            start = time.process_time()
            prepare_layout(document, tagged=tagged).build()
            if i >= 3:  # warm-up
                times[tagged].append(time.process_time() - start)
    return (statistics.median(times[True]) * 1000, statistics.median(times[False]) * 1000)


def cold_build(spec: Path, repeats: int) -> float:
    """Wall time of `handouts build SPEC` as a fresh process, in ms."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "handouts", "build", str(spec), "-o", out]
        return median_ms(lambda: subprocess.run(command, check=True, capture_output=True),
                         repeats, warmup=1)


def make_batch(folder: Path, patients: int) -> tuple[Path, Path, Path]:
    """5 specs x `patients` patients as spec files, the 4 example sites, and a clinic
    library with one topic (used by one spec in five)."""
    specs, sites, library = folder / "specs", folder / "sites", folder / "library"
    specs.mkdir()
    shutil.copytree(EXAMPLES / "sites", sites)
    (library / "topics").mkdir(parents=True)
    (library / "topics" / "our-clinic.md").write_text(
        "---\nid: our-clinic\ntitle: Our clinic\nreviewed: 2026-11-01\n---\n"
        "::: patient\nPark in the blue lot. Check in at the front desk.\n:::\n"
        "::: clinician\nParking and check-in as for every visit.\n:::\n", encoding="utf-8")
    for name, (title, topics, _) in SPEC_TEMPLATES.items():
        for n in range(patients):
            meds = MEDICINE_SETS[n % len(MEDICINE_SETS)]
            (specs / f"{name}-{n:03}.yaml").write_text(
                f"title: {title}\ndate: 2026-11-20\ntopics: {topics}\npatient:\n"
                f"  name: {FIRST_NAMES[n % len(FIRST_NAMES)]} Example\n  prepared_by: Dr. Bench\n"
                f"  medications: [{', '.join(meds)}]\n", encoding="utf-8")
    return specs, sites, library


def run_batch(specs: Path, sites: Path, library: Path, out: Path, jobs: int,
              force: bool = False) -> tuple[float, str]:
    command = [sys.executable, "-m", "handouts", "batch", str(specs), "--sites", str(sites),
               "-o", str(out), "--library", str(library), "--jobs", str(jobs)]
    if force:
        command.append("--force")
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**os.environ, "CI": "1"})
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"batch failed:\n{result.stdout}\n{result.stderr[-2000:]}")
    return elapsed, result.stdout.strip().splitlines()[-1]


def worker_memory(specs: Path, sites: Path, library: Path, out: Path, count: int) -> float:
    """Peak RSS (MB) of one process building `count` handouts, as a pool worker does."""
    code = (
        "import resource, sys; from pathlib import Path; from handouts import batch; "
        f"jobs = batch.plan(batch.find_specs([Path({str(specs)!r})]), "
        f"batch.find_sites([Path({str(sites)!r})]))[:{count}]; "
        f"batch.run(jobs, batch.Settings(Path({str(out)!r}), True, (Path({str(library)!r}),))); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return int(result.stdout.split()[-1]) / 1024


SERVE_FORM = {"title": "Your ketamine treatment and your medicines", "site": "carlsbad",
              "audience": "patient", "topics": ["what-to-expect", "side-effects"],
              "name": "Avery Example", "prepared_by": "Dr. Bench"}


def start_server(folder: Path, workers: int = 2, env: dict | None = None,
                 stderr=subprocess.DEVNULL) -> tuple[subprocess.Popen, str, float]:
    """`handouts serve` on a free port of 127.0.0.1, run from `folder`: the process, its
    address, and the seconds from start to its first answered page (the cold start)."""
    import urllib.request

    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "handouts", "serve", "--port", "0", "--workers", str(workers),
         "--sites", str(EXAMPLES / "sites")], cwd=folder, stdout=subprocess.PIPE,
        stderr=stderr, text=True, env=env)
    line = process.stdout.readline()
    if "http://" not in line:
        process.kill()
        raise SystemExit(f"handouts serve did not start: {line!r}")
    url = line.split("http://", 1)[1].split("/", 1)[0]
    url = f"http://{url}"
    with urllib.request.urlopen(url + "/", timeout=30) as response:
        response.read()
    return process, url, time.perf_counter() - start


def serve_load(url: str, count: int = 20, path: str = "/handout") -> tuple[list[float], float]:
    """`count` builds sent at once (each a tailored handout for another made-up patient),
    and one page load in the middle of them: (each build's seconds, the page's seconds)."""
    import urllib.parse
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def build(n: int) -> float:
        form = {**SERVE_FORM, "name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} Example",
                "medicines": "\n".join(MEDICINE_SETS[n % len(MEDICINE_SETS)])}
        data = urllib.parse.urlencode(form, doseq=True).encode()
        started = time.perf_counter()
        with urllib.request.urlopen(url + path, data=data, timeout=300) as response:
            body = response.read()
        if response.status != 200 or not body.startswith(b"%PDF"):
            raise RuntimeError(f"build {n}: {response.status}")
        return time.perf_counter() - started

    def page() -> float:
        time.sleep(0.2)  # while the builds are queued
        started = time.perf_counter()
        with urllib.request.urlopen(url + "/", timeout=300) as response:
            response.read()
        return time.perf_counter() - started

    with ThreadPoolExecutor(count + 1) as threads:
        builds = [threads.submit(build, n) for n in range(count)]
        form_page = threads.submit(page)
        return [f.result() for f in builds], form_page.result()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.5: the median; 0.95: p95)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def serve_measures(cores: int) -> list[tuple[str, str, str, str]]:
    """The web app: its cold start, and 20 concurrent builds (p50, p95) with a page load."""
    with tempfile.TemporaryDirectory() as folder:
        process, url, cold = start_server(Path(folder), cores)
        try:
            serve_load(url, 4)  # warm-up
            times, page = serve_load(url, 20)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return [("cold start of `handouts serve` (to first page)", f"{cold * 1000:.0f} ms", "", ""),
            (f"20 concurrent handout builds, {cores} workers",
             f"p50 {percentile(times, .5) * 1000:.0f} ms, "
             f"p95 {percentile(times, .95) * 1000:.0f} ms", "", ""),
            ("  the form page during them", f"{page * 1000:.0f} ms", "", "")]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from reportlab import Version

    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"ReportLab {Version}, {platform.system()}")


def verdict(value: float, target: float, higher_is_better: bool = False) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "NOT met"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 100 handouts")
    args = parser.parse_args(argv)
    repeats = 8 if args.quick else 20
    patients = 5 if args.quick else 25
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    rows: list[tuple[str, str, str, str]] = []

    print(f"Machine: {machine()}\n", flush=True)
    for spec in sorted(EXAMPLES.glob("*.yaml")):
        whole, floor = in_process(spec, repeats)
        target = TARGETS["in-process"] if spec.stem == "tailored-leaflet" else None
        rows.append((f"in-process build: {spec.stem}", f"{whole:.1f} ms",
                     f"<= {target:.0f} ms" if target else "",
                     verdict(whole, target) if target else ""))
        rows.append(("  ReportLab doc.build alone; our overhead", f"{floor:.1f} ms; "
                     f"{whole / floor:.2f}x", f"<= {TARGETS['overhead']}x",
                     verdict(whole / floor, TARGETS["overhead"])))
        print(f"  measured {spec.stem}", flush=True)
    tagged, untagged = tagging_cost(EXAMPLES / "tailored-leaflet.yaml", 2 * repeats)
    rows.append(("tagging (tailored): tagged; untagged; cost", f"{tagged:.1f} ms; "
                 f"{untagged:.1f} ms; +{(tagged / untagged - 1) * 100:.0f}%",
                 f"<= +{(TARGETS['tagging'] - 1) * 100:.0f}%",
                 verdict(tagged / untagged, TARGETS["tagging"])))
    print("  measured the cost of tagging", flush=True)
    cold = cold_build(EXAMPLES / "tailored-leaflet.yaml", 5 if args.quick else 10)
    rows.append(("cold `handouts build` (tailored), fresh process", f"{cold:.0f} ms",
                 f"<= {TARGETS['cold']:.0f} ms", verdict(cold, TARGETS["cold"])))
    print("  measured the cold build", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        specs, sites, library = make_batch(folder, patients)
        total = patients * len(SPEC_TEMPLATES) * 4
        one, _ = run_batch(specs, sites, library, folder / "out1", 1)
        print("  measured the batch at 1 job", flush=True)
        many, _ = run_batch(specs, sites, library, folder / "out", cores)
        rows.append((f"batch of {total} tailored handouts, 1 job", f"{total / one:.1f} /s",
                     "", ""))
        rows.append((f"batch of {total}, {cores} jobs (all cores)", f"{total / many:.1f} /s",
                     f">= {TARGETS['rate']:.0f} /s",
                     verdict(total / many, TARGETS["rate"], higher_is_better=True)))
        rows.append(("  speed-up over 1 job", f"{one / many:.2f}x",
                     f">= {TARGETS['speedup']}x",
                     verdict(one / many, TARGETS["speedup"], higher_is_better=True)))
        noop, summary = run_batch(specs, sites, library, folder / "out", cores)
        rows.append((f"no-op rerun of the {total}",
                     f"{noop * 1000:.0f} ms ({summary.split(';')[0]})",
                     f"<= {TARGETS['noop']:.0f} ms", verdict(noop * 1000, TARGETS["noop"])))
        topic = library / "topics" / "our-clinic.md"
        topic.write_text(topic.read_text().replace("blue lot", "green lot"), encoding="utf-8")
        changed, summary = run_batch(specs, sites, library, folder / "out", cores)
        rebuilt = int(summary.split(" built")[0])
        rows.append(("rerun after one library file changed", f"{changed * 1000:.0f} ms "
                     f"({rebuilt} rebuilt)", f"{total // len(SPEC_TEMPLATES)} rebuilt",
                     "met" if rebuilt == total // len(SPEC_TEMPLATES) else "NOT met"))
        memory = worker_memory(specs, sites, library, folder / "mem", min(total, 100))
        rows.append(("peak memory of a worker (100 handouts)", f"{memory:.0f} MB",
                     f"<= {TARGETS['memory']:.0f} MB", verdict(memory, TARGETS["memory"])))
    rows += serve_measures(cores)
    print("  measured the web app", flush=True)

    widths = [max(len(r[i]) for r in rows + [("measure", "result", "target", "")])
              for i in range(4)]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(("measure", "result", "target", ""), widths,
                                                 strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
