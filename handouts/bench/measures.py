"""What the benchmark measures: in-process builds against ReportLab's own floor, the cost
of tagging, cold starts, batches (local and on Dask), reruns, memory and the web app."""

from __future__ import annotations

import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "specs"
TARGETS = {
    "in-process": 35.0, "overhead": 1.25, "cold": 300.0, "rate": 60.0, "speedup": 1.7,
    "noop": 1000.0, "memory": 150.0, "tagging": 1.15,
    "floor": 1.2,  # our CPU per distinct handout over ReportLab's warm doc.build of it
    "against-then": 1.4,  # the 2-job batch rate over BASELINE's, in the same run
    "cold-against-then": 0.6,  # a cold build's time over BASELINE's, turn about
}
BASELINE = "9078225"  # the code the speed targets of issue 27 are measured against
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


@dataclass(frozen=True)
class Spread:
    """Repeated measurements: their median and their range."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    def shown(self, unit: str, digits: int = 1) -> str:
        low, high = min(self.values), max(self.values)
        return f"{self.median:.{digits}f} {unit} ({low:.{digits}f}-{high:.{digits}f})"


def _document(spec: Path, options=None):
    from handouts.assemble.handout import assemble
    from handouts.outputs.build import BuildOptions, prepare, today

    prepared = prepare(spec, options or BuildOptions())
    return assemble(prepared.spec_file.spec, prepared.library, prepared.site,
                    today()).document


def distinct_jobs(specs: Path, sites: Path) -> list:
    """The batch's jobs (each a different patient, spec or site) in a fixed shuffled
    order, so that handouts one after another differ as a web app's requests do."""
    import random

    from handouts.outputs import batch

    jobs = batch.plan(batch.find_specs([specs]), batch.find_sites([sites]))
    random.Random(27).shuffle(jobs)
    return jobs


def _cpu_ms(work) -> float:
    """CPU ms of `work()` as a batch worker runs it: no collection during the handout,
    its garbage collected after it (handouts/outputs/collecting.py), counted here."""
    from handouts.outputs.collecting import COLLECTOR

    start = time.process_time()
    with COLLECTOR.job():
        work()
    return (time.process_time() - start) * 1000


def _build(spec: Path, options) -> bytes:
    from handouts.outputs.build import make_pdf, prepare

    return make_pdf(prepare(spec, options), options)[0]


def _lay_out(document, tagged: bool) -> bytes:
    from handouts.render.pdf import prepare_layout

    return prepare_layout(document, tagged=tagged).build()


def distinct_builds(jobs: list, library: Path) -> tuple[Spread, Spread, Spread]:
    """CPU ms per distinct handout, each seen once: (ours, from spec file to PDF bytes;
    ReportLab's own doc.build of the same Document, on already-made flowables, with
    every cache warm: its floor in a warm worker; the same with nothing remembered),
    measured turn about, handout by handout, after a warm-up of a few others."""
    from handouts.outputs.build import BuildOptions
    from handouts.outputs.collecting import COLLECTOR
    from handouts.outputs.executors import warm_process
    from handouts.render import tagged
    from handouts.render.pdf import prepare_layout

    warm_process((library,))
    COLLECTOR.start()
    ours, warm, cold = [], [], []
    for i, job in enumerate(jobs):
        options = BuildOptions(site=job.site, libraries=(library,))
        spec = Path(job.spec)
        took = _cpu_ms(partial(_build, spec, options))
        document = _document(spec, options)
        layout = prepare_layout(document)  # fresh flowables: a build consumes them
        floor = _cpu_ms(layout.build)
        tagged.CACHING["on"] = False
        try:
            layout = prepare_layout(document)
            nothing = _cpu_ms(layout.build)
        finally:
            tagged.CACHING["on"] = True
        if i >= 3:  # warm-up
            ours.append(took)
            warm.append(floor)
            cold.append(nothing)
    return Spread(tuple(ours)), Spread(tuple(warm)), Spread(tuple(cold))


def distinct_tagging(jobs: list, library: Path) -> tuple[Spread, Spread]:
    """CPU ms (tagged, untagged) to lay out and write each distinct handout, each seen
    once in each mode (turn about, which goes first alternating)."""
    from handouts.outputs.build import BuildOptions

    times: dict[bool, list[float]] = {True: [], False: []}
    for i, job in enumerate(jobs):
        document = _document(Path(job.spec), BuildOptions(site=job.site,
                                                          libraries=(library,)))
        for mode in ((True, False) if i % 2 else (False, True)):
            took = _cpu_ms(partial(_lay_out, document, mode))
            if i >= 3:
                times[mode].append(took)
    return Spread(tuple(times[True])), Spread(tuple(times[False]))


@contextmanager
def baseline_code() -> Iterator[Path | None]:
    """The code of commit BASELINE, unpacked from this clone's history into a temporary
    folder (run with it on PYTHONPATH and this environment's libraries); None when the
    history is not here (a shallow clone, a source archive)."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True,
                           capture_output=True)
            subprocess.run([sys.executable, "-m", "compileall", "-q", folder + "/handouts"],
                           check=True, capture_output=True)  # as ours: bytecode cached
        except (OSError, subprocess.CalledProcessError):
            yield None
            return
        yield Path(folder)


def code_env(code: Path | None) -> dict[str, str]:
    """The environment of a fresh process that runs `code` (None: this checkout)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return env


def in_process(spec: Path, repeats: int) -> tuple[Spread, Spread, Spread]:
    """CPU ms of (the whole build, ReportLab's doc.build alone on already-made flowables
    with nothing remembered, the same doc.build with every cache warm: the best a batch
    could do). Measured turn about, so a busy neighbour on a shared machine slows all
    alike; CPU time rather than wall time keeps other tenants out of it."""
    from handouts.outputs.build import BuildOptions, make_pdf, prepare
    from handouts.render import tagged
    from handouts.render.pdf import prepare_layout

    options = BuildOptions()
    document = _document(spec)
    whole, plain, best = [], [], []
    for i in range(repeats + 3):
        start = time.process_time()
        make_pdf(prepare(spec, options), options)
        whole_end = time.process_time()
        tagged.CACHING["on"] = False
        try:
            layout = prepare_layout(document)  # fresh flowables: a build consumes them
            start_plain = time.process_time()
            layout.build()
            plain_end = time.process_time()
        finally:
            tagged.CACHING["on"] = True
        layout = prepare_layout(document)
        start_best = time.process_time()
        layout.build()
        best_end = time.process_time()
        if i >= 3:  # warm-up
            whole.append((whole_end - start) * 1000)
            plain.append((plain_end - start_plain) * 1000)
            best.append((best_end - start_best) * 1000)
    return Spread(tuple(whole)), Spread(tuple(plain)), Spread(tuple(best))


def tagging_cost(spec: Path, repeats: int) -> tuple[Spread, Spread]:
    """CPU ms (tagged, untagged) to lay out and write the PDF, turn about: the structure
    tree, marked content and PDF/UA metadata against the same layout without them."""
    from handouts.render.pdf import prepare_layout

    document = _document(spec)
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(repeats + 3):
        for tagged in (True, False):
            start = time.process_time()
            prepare_layout(document, tagged=tagged).build()
            if i >= 3:  # warm-up
                times[tagged].append((time.process_time() - start) * 1000)
    return Spread(tuple(times[True])), Spread(tuple(times[False]))


def structure_elements(spec: Path) -> int:
    """How many structure elements (each an indirect PDF object) the tagged handout has."""
    from handouts.render.pdf import prepare_layout

    layout = prepare_layout(_document(spec))
    layout.build()
    marking = layout.canvasmaker.keywords["marking"]
    return len(marking.root.walk())  # the elements written


# What a cold `handouts build` imports, heaviest first; each is timed alone in a fresh
# process (shared dependencies counted in each, so the parts overlap a little).
IMPORTS = {"ReportLab (platypus) and Pillow": "import reportlab.platypus, PIL.Image",
           "pydantic": "import pydantic", "click": "import click", "PyYAML": "import yaml"}
ALL_IMPORTS = "import handouts.doors.cli, handouts.outputs.build, handouts.render.pdf"


def import_times(repeats: int) -> dict[str, float]:
    """Wall ms of a fresh Python that only starts ('python'), that imports everything a
    build imports ('everything'), and that imports each heavy library alone (less the
    start)."""
    def wall(code: str) -> float:
        return statistics.median(fresh_runs([sys.executable, "-c", code], repeats))

    start = wall("pass")
    out = {"python": start, "everything": wall(ALL_IMPORTS) - start}
    out.update({name: wall(code) - start for name, code in IMPORTS.items()})
    return out


def cold_build(spec: Path, repeats: int) -> Spread:
    """Wall ms of `handouts build SPEC` as a fresh process, as a user's machine runs it:
    with Python's bytecode cache (this machine's PYTHONDONTWRITEBYTECODE is left out)."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "handouts", "build", str(spec), "-o", out]
        return Spread(tuple(fresh_runs(command, repeats)))


def cold_against(args: list[str], then: Path, repeats: int) -> tuple[Spread, Spread]:
    """Wall ms of `handouts build ARGS` as a fresh process with this code and with the
    code at `then`, turn about (each first run, which writes the bytecode cache, left
    out)."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "handouts", "build", *args, "-o", out]
        runs: dict[Path | None, list[float]] = {None: [], then: []}
        for i in range(repeats + 1):
            for code in runs:
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, cwd=out,
                               env=code_env(code))
                if i:
                    runs[code].append((time.perf_counter() - start) * 1000)
        return Spread(tuple(runs[None])), Spread(tuple(runs[then]))


def fresh_runs(command: list[str], repeats: int) -> list[float]:
    """Wall ms of `command` run `repeats` times as a fresh process, after one run that
    writes Python's bytecode cache (this machine's PYTHONDONTWRITEBYTECODE is left out, as
    a user's machine has it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, check=True, capture_output=True, env=env)  # writes .pyc
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append((time.perf_counter() - start) * 1000)
    return times


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
              force: bool = False, executor: str = "local",
              code: Path | None = None) -> tuple[float, str]:
    """Seconds for `handouts batch` (local workers, or a Dask cluster of `jobs` processes
    on this machine) with this code (or the code at `code`), and its summary line."""
    command = [sys.executable, "-m", "handouts", "batch", str(specs), "--sites", str(sites),
               "-o", str(out), "--library", str(library), "--jobs", str(jobs),
               "--executor", executor]
    if force:
        command.append("--force")
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**code_env(code), "CI": "1"}, cwd=out.parent)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"batch failed:\n{result.stdout}\n{result.stderr[-2000:]}")
    return elapsed, result.stdout.strip().splitlines()[-1]


def worker_memory(specs: Path, sites: Path, library: Path, out: Path, count: int) -> float:
    """Peak RSS (MB) of one process building `count` handouts, as a pool worker does: its
    own high-water mark (VmHWM), not getrusage's, which Linux carries across fork and exec
    from the process that started it (here the benchmark, with its own caches)."""
    code = (
        "import resource, sys; from pathlib import Path; from handouts.outputs import batch; "
        "from handouts.outputs.jobs import Settings; "
        f"jobs = batch.plan(batch.find_specs([Path({str(specs)!r})]), "
        f"batch.find_sites([Path({str(sites)!r})]))[:{count}]; "
        f"batch.run(jobs, Settings(Path({str(out)!r}), True, (Path({str(library)!r}),))); "
        "status = Path('/proc/self/status'); "
        "peak = [line.split()[1] for line in status.read_text().splitlines() "
        "if line.startswith('VmHWM:')] if status.exists() else []; "
        "print(peak[0] if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
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
         "--sites", str(EXAMPLES / "sites"), "--specs", str(EXAMPLES)], cwd=folder,
        stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
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


